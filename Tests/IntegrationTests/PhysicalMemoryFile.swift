import Foundation

/// Guest-physical memory held in a file: the live guest's shared RAM file (mapped by QEMU's own
/// memory tree) or an ELF core (mapped by its PT_LOAD headers). Deliberately independent of
/// Warden's readers, so the tests compare Warden against something it did not compute.
struct PhysicalMemoryFile {
    let url: URL
    let mappings: [FileMapping]

    /// Reads `count` bytes at guest-physical `physical`, crossing mapping boundaries as needed.
    func read(physical: UInt64, count: Int) throws -> Data {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var result = Data(capacity: count)
        var address = physical
        while result.count < count {
            guard let mapping = mappings.first(where: { address >= $0.physicalStart && address < $0.physicalEnd }) else {
                throw HarnessError.file("guest-physical 0x\(String(address, radix: 16)) is not in \(url.path)")
            }
            let wanted = min(UInt64(count - result.count), mapping.physicalEnd - address)
            try handle.seek(toOffset: mapping.fileOffset + (address - mapping.physicalStart))
            guard let data = try handle.read(upToCount: Int(wanted)), data.count == Int(wanted) else {
                throw HarnessError.file("short read at guest-physical 0x\(String(address, radix: 16)) in \(url.path)")
            }
            result.append(data)
            address += wanted
        }
        return result
    }

    func readUInt64s(physical: UInt64, count: Int) throws -> [UInt64] {
        let bytes = [UInt8](try read(physical: physical, count: count * 8))
        return (0..<count).map { index in
            bytes[(index * 8)..<(index * 8 + 8)].reversed().reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
        }
    }

    /// An ELF64 little-endian core: each PT_LOAD maps [p_paddr, p_paddr + p_filesz) to p_offset.
    static func elfCore(at url: URL) throws -> PhysicalMemoryFile {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let header = [UInt8](try handle.read(upToCount: 64) ?? Data())
        guard header.count == 64, header[0..<4] == [0x7f, 0x45, 0x4c, 0x46], header[4] == 2, header[5] == 1 else {
            throw HarnessError.file("\(url.path) is not an ELF64 little-endian file")
        }
        func field(_ bytes: [UInt8], _ offset: Int, _ size: Int) -> UInt64 {
            bytes[offset..<(offset + size)].reversed().reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
        }
        let programHeaders = field(header, 32, 8)
        let entrySize = Int(field(header, 54, 2))
        let entryCount = Int(field(header, 56, 2))
        try handle.seek(toOffset: programHeaders)
        let table = [UInt8](try handle.read(upToCount: entrySize * entryCount) ?? Data())
        guard entrySize >= 56, table.count == entrySize * entryCount else {
            throw HarnessError.file("\(url.path): truncated program header table")
        }
        var mappings: [FileMapping] = []
        for index in 0..<entryCount {
            let entry = Array(table[(index * entrySize)..<((index + 1) * entrySize)])
            let loadSegment: UInt64 = 1
            guard field(entry, 0, 4) == loadSegment, field(entry, 32, 8) > 0 else { continue }
            mappings.append(FileMapping(physicalStart: field(entry, 24, 8), length: field(entry, 32, 8), fileOffset: field(entry, 8, 8)))
        }
        return PhysicalMemoryFile(url: url, mappings: mappings.sorted { $0.physicalStart < $1.physicalStart })
    }
}
