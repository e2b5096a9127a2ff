import ElfReader
import WardenCore

/// A guest captured by QEMU's `dump-guest-memory` (ELF, paging=false): its RAM from the PT_LOAD
/// segments and its vCPU registers from the "QEMU" CPU-state notes. The file is mapped, never read
/// whole, so multi-GiB dumps cost only the pages actually touched.
public final class ElfCoreDump: GuestSource {
    public let core: ElfCoreFile
    public let memory: any GuestPhysicalMemory

    public convenience init(path: String) throws(ElfCoreError) {
        self.init(core: try ElfCoreFile(path: path))
    }

    public init(core: ElfCoreFile) {
        self.core = core
        memory = FileBackedMemory(file: core.file, map: core.memoryMap, sourceDescription: "ELF core \(core.path)")
    }

    /// Every vCPU's registers, vCPU 0 first. Throws `ElfCoreError` when the dump has no QEMU notes.
    public func vcpuRegisters() throws -> [VCPURegisters] {
        let states = try core.qemuCPUStates()
        guard !states.isEmpty else { throw ElfCoreError.noCPUState(path: core.path) }
        return states.enumerated().map { $0.element.registers(vcpu: $0.offset) }
    }
}

/// Opens an ELF core in whichever format it is: QEMU `dump-guest-memory` or Xen `xl dump-core`.
public enum GuestCore {
    public static func open(path: String) throws(ElfCoreError) -> any GuestSource {
        switch try ElfCore.open(path: path) {
        case .qemu(let core): ElfCoreDump(core: core)
        case .xen(let core): XenCoreDump(core: core)
        }
    }
}
