import ElfReader
import WardenCore

/// A guest captured by Xen's `xl dump-core` (HVM or PVH): its RAM from `.xen_pages` placed by
/// `.xen_pfn`, its vCPU registers from `.xen_prstatus`. Mapped, never read whole, like `ElfCoreDump`.
public final class XenCoreDump: GuestSource {
    public let core: XenCoreFile
    public let memory: any GuestPhysicalMemory

    public convenience init(path: String) throws(ElfCoreError) {
        self.init(core: try XenCoreFile(path: path))
    }

    public init(core: XenCoreFile) {
        self.core = core
        memory = FileBackedMemory(file: core.file, map: core.memoryMap, sourceDescription: "Xen dump-core \(core.path)")
    }

    /// The online vCPUs' registers, in the dump's vCPU order.
    public func vcpuRegisters() throws -> [VCPURegisters] { try core.onlineRegisters() }
}
