import SyntheticGuest
import Testing
import WardenCore

/// `AddressSpace.copyMapped`, the copy every kallsyms search of guest memory reads through.
@Suite struct CopyMappedTests {
    static let large: UInt64 = 0xFFFF_FFFF_8240_0000
    /// A frame inside the large page with no RAM behind it (a frame the hypervisor will not map).
    static let hole = PhysicalRange(start: 0x41_3000, end: 0x41_4000)

    /// A 2 MiB page at `large` (gpa 0x400000, one frame unreadable), an unmapped 4 KiB page after it,
    /// then a mapped 4 KiB page (gpa 0x700000); every readable byte holds a pattern.
    static func space() throws -> AddressSpace {
        let memory = SyntheticMemory(size: 8 << 20, holes: [hole])
        var builder = PageTableBuilder(
            memory: memory, tableRegion: PhysicalRange(start: 0x10_0000, end: 0x20_0000), fiveLevel: false)
        try builder.map(virtual: large, physical: 0x40_0000, pageSize: 2 << 20)
        try builder.map(virtual: large + (2 << 20) + 4096, physical: 0x70_0000, pageSize: 4096)
        for (start, end) in [(0x40_0000, hole.start), (hole.end, 0x60_0000), (0x70_0000, 0x70_1000)] as [(UInt64, UInt64)] {
            try memory.write(physical: start, bytes: (start..<end).map { UInt8(truncatingIfNeeded: $0 >> 12 ^ $0) })
        }
        return AddressSpace(memory: memory, cr3: builder.root, fiveLevel: false)
    }

    /// Copies into a buffer holding stale bytes, as a reused heap block would: pages left unread must not keep them.
    static func copy(from start: UInt64, count: Int) throws -> (bytes: [UInt8], coverage: CopyCoverage) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 4096)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0xAA)
        let coverage = try space().copyMapped(from: start, into: buffer)
        return ([UInt8](buffer), coverage)
    }

    @Test func oneUnreadableFrameCostsItsFourKilobytesNotTheLargePage() throws {
        let count = (2 << 20) + 8192
        let (bytes, coverage) = try Self.copy(from: Self.large, count: count)
        func expected(_ physical: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: physical >> 12 ^ physical) }
        #expect(bytes[0] == expected(0x40_0000))
        #expect(bytes[0x12FFF] == expected(0x41_2FFF))
        #expect(bytes[0x13000..<0x14000].allSatisfy { $0 == 0 }, "the unreadable frame reads as zeros")
        #expect(bytes[0x14000] == expected(0x41_4000))
        #expect(bytes[(2 << 20) - 1] == expected(0x5F_FFFF))
        #expect(bytes[(2 << 20)..<((2 << 20) + 4096)].allSatisfy { $0 == 0 }, "the unmapped page reads as zeros")
        #expect(bytes[(2 << 20) + 4096] == expected(0x70_0000))

        #expect(coverage.pages == 514)
        #expect(coverage.unreadablePages == 1)
        #expect(coverage.unreadableGFNs == [0x413])
        #expect(coverage.firstUnreadable?.error == .unbacked(physical: 0x41_3000, length: 4096))
        #expect(coverage.unmappedPages == 1)
        #expect(coverage.firstUnmapped == Self.large + (2 << 20))
        #expect(coverage.copiedBytes == count - 8192)
        #expect(coverage.physicalSpan == PhysicalRange(start: 0x40_0000, end: 0x70_1000))
        #expect(!coverage.isComplete)
    }

    @Test func describesWhatWasReadAndWhatWasNot() throws {
        let coverage = try Self.copy(from: Self.large, count: (2 << 20) + 8192).coverage
        #expect(
            coverage.description
                == "guest-virtual 0xffffffff82400000–0xffffffff82602000 (2,105,344 bytes; gpa 0x400000–0x701000): "
                + "1 of 514 pages could not be read (first at gfn 0x413: guest-physical range 0x413000 (+4096 bytes) "
                + "is not backed by guest RAM); 1 of 514 pages not mapped by the page tables (first at 0xffffffff82600000); "
                + "read as zeros")
        let whole = try Self.copy(from: Self.large + (2 << 20) + 4096, count: 4096).coverage
        #expect(whole.description == "guest-virtual 0xffffffff82601000–0xffffffff82602000 (4,096 bytes; gpa 0x700000–0x701000): every page read")
    }
}
