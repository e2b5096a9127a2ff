/// Why an ELF core (QEMU `dump-guest-memory` or Xen `xl dump-core`) cannot be used. Every case
/// names the file.
public enum ElfCoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case notElf(path: String)
    /// A well-formed ELF file that is not what Warden reads (32-bit, big-endian, not a core, not x86).
    case unsupported(path: String, reason: String)
    /// A header or table field holds an impossible value.
    case malformed(path: String, field: String, problem: String)
    case layout(path: String, PhysicalLayoutError)
    case noMemory(path: String)
    case malformedNote(path: String, offset: UInt64, problem: String)
    case badCPUState(path: String, vcpu: Int, problem: String)
    case noCPUState(path: String)
    /// A part of a Xen `xl dump-core` file (a note, a section) contradicts the rest of the file.
    case xenDump(path: String, part: String, problem: String)
    /// No program headers (QEMU) and no `.note.Xen` section (Xen): not a guest dump Warden knows.
    case neitherFormat(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read ELF core \(path): \(reason)"
        case .notElf(let path):
            "\(path) is not an ELF file; give a core written by QEMU's dump-guest-memory (ELF format)"
                + " or by Xen's xl dump-core"
        case .unsupported(let path, let reason):
            "ELF core \(path) is not supported: \(reason)"
        case .malformed(let path, let field, let problem):
            "ELF core \(path) is damaged: \(field) \(problem)"
        case .layout(let path, let error):
            "ELF core \(path) has an unusable memory layout: \(error)"
                + (error.isOverlap ? " (was it dumped with paging=true? dump with paging=false)" : "")
        case .noMemory(let path):
            "ELF core \(path) has no PT_LOAD segments, so it holds no guest memory"
        case .malformedNote(let path, let offset, let problem):
            "ELF core \(path): note at file offset 0x\(String(offset, radix: 16)) is damaged: \(problem)"
        case .badCPUState(let path, let vcpu, let problem):
            "ELF core \(path): QEMU CPU state of vCPU \(vcpu) is unusable: \(problem)"
        case .noCPUState(let path):
            "ELF core \(path) has no \"QEMU\" CPU-state notes, so CR3 and the other control registers are unknown;"
                + " dump the guest with QEMU's dump-guest-memory in ELF format"
        case .xenDump(let path, let part, let problem):
            "Xen dump-core file \(path) is damaged: \(part) \(problem)"
        case .neitherFormat(let path):
            "ELF core \(path) has no program headers (as QEMU's dump-guest-memory writes) and no .note.Xen section"
                + " (as Xen's xl dump-core writes), so Warden cannot find guest memory in it"
        }
    }
}

extension PhysicalLayoutError {
    var isOverlap: Bool {
        if case .overlap = self { return true }
        return false
    }
}
