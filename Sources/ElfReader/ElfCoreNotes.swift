/// One ELF note: owner name, type and descriptor bytes (copied: notes are small).
public struct ElfNote: Sendable, Equatable {
    public var name: String
    public var type: UInt32
    public var descriptor: [UInt8]
    /// Where the note header sits in the file, for messages.
    public var fileOffset: UInt64

    /// QEMU writes two notes per vCPU; no real guest has this many vCPUs.
    public static let maximumCount = 65_536
    /// QEMU's largest note descriptor is a few hundred bytes; this bounds a hostile size field.
    public static let maximumDescriptorSize: UInt64 = 1 << 20

    /// Parses the notes in `[offset, offset + size)`: 12-byte header, then name and descriptor,
    /// each padded to 4 bytes. `limit` bounds the count; the loop advances at least 12 bytes a pass.
    static func parseAll(
        in file: MappedFile, offset: UInt64, size: UInt64, limit: Int
    ) throws(ElfCoreError) -> [ElfNote] {
        var notes: [ElfNote] = []
        var cursor: UInt64 = 0
        while cursor < size {
            let at = offset + cursor
            func damaged(_ problem: String) -> ElfCoreError {
                .malformedNote(path: file.path, offset: at, problem: problem)
            }
            guard size - cursor >= 12, let nameSize = file.uint32(at: at),
                let descriptorSize = file.uint32(at: at + 4), let type = file.uint32(at: at + 8)
            else { throw damaged("the note header is cut short by the end of the PT_NOTE segment") }
            guard UInt64(descriptorSize) <= maximumDescriptorSize, nameSize <= 4096 else {
                throw damaged("name size \(nameSize) or descriptor size \(descriptorSize) is implausibly large")
            }
            let nameSpace = (UInt64(nameSize) + 3) & ~3
            let descriptorSpace = (UInt64(descriptorSize) + 3) & ~3
            let total = 12 + nameSpace + descriptorSpace
            guard total <= size - cursor else {
                throw damaged("it claims \(total) bytes but only \(size - cursor) remain in the PT_NOTE segment")
            }
            guard notes.count < limit else { throw damaged("more than \(maximumCount) notes") }
            // offset+size was checked against the file, so these reads cannot fail.
            let nameBytes = file.bytes(offset: at + 12, count: Int(nameSize)) ?? []
            let descriptor = file.bytes(offset: at + 12 + nameSpace, count: Int(descriptorSize)) ?? []
            let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
            notes.append(ElfNote(name: name, type: type, descriptor: descriptor, fileOffset: at))
            cursor += total
        }
        return notes
    }
}

/// Little-endian field access into a note descriptor; nil past its end.
struct DescriptorReader {
    let bytes: [UInt8]

    func uint32(_ offset: Int) -> UInt32? { integer(offset) }
    func uint64(_ offset: Int) -> UInt64? { integer(offset) }

    private func integer<T: FixedWidthInteger>(_ offset: Int) -> T? {
        let width = MemoryLayout<T>.size
        guard offset >= 0, offset <= bytes.count - width else { return nil }
        var value: T = 0
        for index in (0..<width).reversed() { value = value << 8 | T(bytes[offset + index]) }
        return value
    }
}

/// The parts of an NT_PRSTATUS note Warden uses. QEMU writes the x86-64 layout (336 bytes) when
/// vCPU 0 is in long mode and the i386 layout (144 bytes) otherwise.
public struct ElfPRStatus: Sendable, Equatable {
    /// QEMU stores the vCPU index + 1 here.
    public var pid: UInt32
    public var rip: UInt64
    public var gsBase: UInt64?

    init?(descriptor: [UInt8]) {
        let reader = DescriptorReader(bytes: descriptor)
        switch descriptor.count {
        case 336:
            // pad 32, pid, pad 76, then user_regs_struct: rip is register 16, gs_base register 22.
            guard let pid = reader.uint32(32), let rip = reader.uint64(112 + 16 * 8),
                let gsBase = reader.uint64(112 + 22 * 8)
            else { return nil }
            self.init(pid: pid, rip: rip, gsBase: gsBase)
        case 144:
            // pad 24, pid, pad 44, then the i386 user_regs_struct with eip at byte 48.
            guard let pid = reader.uint32(24), let eip = reader.uint32(72 + 48) else { return nil }
            self.init(pid: pid, rip: UInt64(eip), gsBase: nil)
        default:
            return nil
        }
    }

    public init(pid: UInt32, rip: UInt64, gsBase: UInt64?) {
        self.pid = pid
        self.rip = rip
        self.gsBase = gsBase
    }
}
