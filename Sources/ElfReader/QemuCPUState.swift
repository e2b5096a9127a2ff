import WardenCore

/// One x86 segment register as QEMU's CPU-state note records it.
public struct QemuSegment: Sendable, Equatable {
    public var selector: UInt32
    public var limit: UInt32
    public var flags: UInt32
    public var base: UInt64
}

/// Why a "QEMU" note descriptor cannot be decoded.
public struct QemuCPUStateError: Error, Equatable, Sendable, CustomStringConvertible {
    public var problem: String
    public init(problem: String) { self.problem = problem }
    public var description: String { "QEMU CPU state: \(problem)" }
}

/// The descriptor of a "QEMU" note (type 0): QEMU's `QEMUCPUState` for one vCPU. Layout, all
/// little-endian: u32 version (1), u32 size, 18 u64 (rax…r15, rip, rflags), ten 24-byte segments
/// (cs, ds, es, fs, gs, ss, ldt, tr, gdt, idt: u32 selector, limit, flags, pad; u64 base),
/// u64 cr[5], and since QEMU 7.1 u64 kernel_gs_base. The size field tells which.
public struct QemuCPUState: Sendable, Equatable {
    public var version: UInt32
    public var size: UInt32
    /// rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, r8 … r15, in QEMU's order.
    public var generalRegisters: [UInt64]
    public var rip: UInt64
    public var rflags: UInt64
    /// cs, ds, es, fs, gs, ss, ldt, tr, gdt, idt, in QEMU's order.
    public var segments: [QemuSegment]
    public var cr: [UInt64]
    /// nil when the note predates the field (size 432).
    public var kernelGSBase: UInt64?

    public static let supportedVersion: UInt32 = 1
    static let sizeWithoutKernelGSBase = 432
    static let sizeWithKernelGSBase = 440
    static let segmentNames = ["cs", "ds", "es", "fs", "gs", "ss", "ldt", "tr", "gdt", "idt"]

    public init(descriptor: [UInt8]) throws(QemuCPUStateError) {
        let reader = DescriptorReader(bytes: descriptor)
        guard let version = reader.uint32(0), let size = reader.uint32(4) else {
            throw QemuCPUStateError(problem: "descriptor has \(descriptor.count) bytes, too few for a header")
        }
        guard version == Self.supportedVersion else {
            throw QemuCPUStateError(problem: "version \(version); Warden reads version \(Self.supportedVersion)")
        }
        guard Int(size) >= Self.sizeWithoutKernelGSBase, Int(size) <= descriptor.count else {
            throw QemuCPUStateError(
                problem: "size field \(size) does not fit a \(descriptor.count)-byte descriptor"
                    + " (expected at least \(Self.sizeWithoutKernelGSBase))")
        }
        self.version = version
        self.size = size
        // The size check above guarantees every fixed field below is inside the descriptor.
        func word(_ offset: Int) -> UInt64 { reader.uint64(offset) ?? 0 }
        generalRegisters = (0..<16).map { word(8 + $0 * 8) }
        rip = word(136)
        rflags = word(144)
        segments = (0..<10).map { index in
            let base = 152 + index * 24
            return QemuSegment(
                selector: reader.uint32(base) ?? 0, limit: reader.uint32(base + 4) ?? 0,
                flags: reader.uint32(base + 8) ?? 0, base: word(base + 16))
        }
        cr = (0..<5).map { word(392 + $0 * 8) }
        kernelGSBase = Int(size) >= Self.sizeWithKernelGSBase ? word(432) : nil
    }

    public func segment(_ name: String) -> QemuSegment? {
        Self.segmentNames.firstIndex(of: name).map { segments[$0] }
    }

    /// Warden's view of this vCPU. EFER is not in the note, so it is reported as 0.
    public func registers(vcpu: Int) -> VCPURegisters {
        VCPURegisters(
            vcpu: vcpu, cr0: cr[0], cr3: cr[3], cr4: cr[4], efer: 0, rip: rip,
            idtrBase: segment("idt")?.base ?? 0, gsBase: segment("gs")?.base ?? 0,
            kernelGSBase: kernelGSBase ?? 0)
    }
}
