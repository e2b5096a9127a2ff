/// The part of a vCPU's state that address translation and KASLR discovery need.
public struct VCPURegisters: Sendable, Equatable {
    public var vcpu: Int
    public var cr0: UInt64
    public var cr3: UInt64
    public var cr4: UInt64
    public var efer: UInt64
    public var rip: UInt64
    public var idtrBase: UInt64
    public var gsBase: UInt64
    public var kernelGSBase: UInt64

    public init(
        vcpu: Int, cr0: UInt64 = 0, cr3: UInt64, cr4: UInt64, efer: UInt64 = 0, rip: UInt64 = 0,
        idtrBase: UInt64 = 0, gsBase: UInt64 = 0, kernelGSBase: UInt64 = 0
    ) {
        self.vcpu = vcpu
        self.cr0 = cr0
        self.cr3 = cr3
        self.cr4 = cr4
        self.efer = efer
        self.rip = rip
        self.idtrBase = idtrBase
        self.gsBase = gsBase
        self.kernelGSBase = kernelGSBase
    }

    /// CR4.LA57: the guest uses 5-level paging.
    public var usesFiveLevelPaging: Bool { cr4 & (1 << 12) != 0 }
}

/// A guest as Warden sees it: its physical memory and the registers of its vCPUs.
public protocol GuestSource {
    var memory: any GuestPhysicalMemory { get }
    /// Registers of every vCPU, vCPU 0 first.
    func vcpuRegisters() throws -> [VCPURegisters]
}
