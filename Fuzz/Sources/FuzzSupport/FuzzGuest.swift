import WardenCore

/// A guest as one fuzz input: a vCPU count, each vCPU's CR0/CR3/CR4/RIP, then the guest's RAM from
/// guest-physical 0. The page walk, the kernel locator and the guest-kernel reader all take it, so a
/// page table the fuzzer grows for one is a seed for the others.
public struct FuzzGuest: Sendable {
    public var registers: [VCPURegisters]
    public var ram: [UInt8]

    public static let maximumVCPUs = 4

    public init(registers: [VCPURegisters], ram: [UInt8]) {
        self.registers = registers
        self.ram = ram
    }

    /// Reads any input: a short one has zero registers and no RAM, which the readers must refuse cleanly.
    public init(input bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let count = Int(input.byte()) % Self.maximumVCPUs + 1
        registers = (0..<count).map { vcpu in
            VCPURegisters(vcpu: vcpu, cr0: input.uint64(), cr3: input.uint64(), cr4: input.uint64(), rip: input.uint64())
        }
        ram = Array(input.rest())
    }

    /// The input that reads back as this guest.
    public var input: [UInt8] {
        var bytes = [UInt8(registers.count - 1)]
        for vcpu in registers {
            for value in [vcpu.cr0, vcpu.cr3, vcpu.cr4, vcpu.rip] { bytes += le(value) }
        }
        return bytes + ram
    }

    public var memory: ByteGuestMemory { ByteGuestMemory(ram) }
}
