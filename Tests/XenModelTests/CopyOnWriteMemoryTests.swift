import SyntheticGuest
import Testing
import WardenCore
import XenModel

/// Copy-on-write memory over a read-only guest: reads fall through, writes land in private page
/// copies, the source never changes.
@Suite struct CopyOnWriteMemoryTests {
    /// 64 KiB of RAM with a hole at [0x8000, 0xA000), every byte holding a pattern of its address.
    private func patternedBase() throws -> SyntheticMemory {
        let base = SyntheticMemory(size: 0x10000, holes: [PhysicalRange(start: 0x8000, end: 0xA000)])
        for range in base.ramRanges {
            let bytes = (range.start..<range.end).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ ($0 >> 8)) }
            try base.write(physical: range.start, bytes: bytes)
        }
        return base
    }

    @Test func readsFallThroughUntilAPageIsWritten() throws {
        let base = try patternedBase()
        let memory = CopyOnWriteMemory(over: base)
        #expect(try memory.readBytes(physical: 0x1ff0, count: 0x40) == (try base.readBytes(physical: 0x1ff0, count: 0x40)))
        #expect(memory.ramRanges == base.ramRanges)
        #expect(memory.sourceDescription == "synthetic guest (copy-on-write)")
        #expect(memory.privatePageCount == 0)
    }

    @Test func aWriteChangesOnlyThePrivateCopy() throws {
        let base = try patternedBase()
        let before = try base.readBytes(physical: 0, count: 0x8000)
        let memory = CopyOnWriteMemory(over: base)
        try memory.write(physical: 0x3010, bytes: [0xAA, 0xBB, 0xCC])
        #expect(try memory.readBytes(physical: 0x3010, count: 3) == [0xAA, 0xBB, 0xCC])
        // The rest of the copied page still reads as the source.
        #expect(try memory.readBytes(physical: 0x3000, count: 0x10) == before[0x3000..<0x3010].map { $0 })
        #expect(try memory.readBytes(physical: 0x3013, count: 0xfed) == before[0x3013..<0x4000].map { $0 })
        #expect(try base.readBytes(physical: 0, count: 0x8000) == before)
        #expect(memory.privateFrames == [3])
    }

    @Test func aWriteAcrossAPageBoundaryCopiesBothPagesAndReadsBackAcrossThem() throws {
        let base = try patternedBase()
        let before = try base.readBytes(physical: 0, count: 0x8000)
        let memory = CopyOnWriteMemory(over: base)
        let bytes = (0..<16).map { UInt8(0xF0 | $0) }
        try memory.write(physical: 0x4ff8, bytes: bytes)
        #expect(memory.privateFrames == [4, 5])
        var expected = before
        expected.replaceSubrange(0x4ff8..<0x5008, with: bytes)
        // One read spanning untouched, copied, copied and untouched pages.
        #expect(try memory.readBytes(physical: 0x3000, count: 0x4000) == expected[0x3000..<0x7000].map { $0 })
        #expect(try base.readBytes(physical: 0, count: 0x8000) == before)
    }

    @Test func laterWritesToACopiedPageKeepEarlierOnes() throws {
        let memory = CopyOnWriteMemory(over: try patternedBase())
        try memory.write(physical: 0x100, bytes: [1, 2])
        try memory.write(physical: 0x101, bytes: [9, 8])
        #expect(try memory.readBytes(physical: 0x100, count: 3) == [1, 9, 8])
        #expect(memory.privatePageCount == 1)
    }

    @Test func unbackedAndOverflowingAddressesFailAndCopyNothing() throws {
        let memory = CopyOnWriteMemory(over: try patternedBase())
        #expect(throws: GuestMemoryError.self) { try memory.write(physical: 0x8100, bytes: [1]) }
        // Straddling the hole's start: the backed first page must not be copied either.
        #expect(throws: GuestMemoryError.self) { try memory.write(physical: 0x7ffe, bytes: [1, 2, 3, 4]) }
        #expect(throws: GuestMemoryError.self) { try memory.write(physical: 0x10000, bytes: [1]) }
        #expect(throws: GuestMemoryError.unbacked(physical: UInt64.max - 1, length: 4)) {
            try memory.write(physical: UInt64.max - 1, bytes: [1, 2, 3, 4])
        }
        #expect(throws: GuestMemoryError.unbacked(physical: UInt64.max, length: 2)) {
            _ = try memory.readBytes(physical: UInt64.max, count: 2)
        }
        #expect(throws: GuestMemoryError.self) { _ = try memory.readBytes(physical: 0x9000, count: 1) }
        #expect(memory.privatePageCount == 0)
        #expect(try memory.readBytes(physical: 0x7ffe, count: 2) == (try memory.base.readBytes(physical: 0x7ffe, count: 2)))
    }

    @Test func theNumberOfPrivatePagesIsBounded() throws {
        let memory = CopyOnWriteMemory(over: try patternedBase(), maxPrivatePages: 2)
        try memory.write(physical: 0x0, bytes: [1])
        try memory.write(physical: 0x1000, bytes: [2])
        try memory.write(physical: 0x1001, bytes: [3])  // already copied: no new page
        #expect(throws: GuestMemoryError.self) { try memory.write(physical: 0x2000, bytes: [4]) }
        #expect(memory.privateFrames == [0, 1])
        #expect(try memory.readBytes(physical: 0x2000, count: 1) == (try memory.base.readBytes(physical: 0x2000, count: 1)))
    }

    @Test func emptyAccessesDoNothing() throws {
        let memory = CopyOnWriteMemory(over: try patternedBase())
        try memory.write(physical: UInt64.max, bytes: [])
        #expect(try memory.readBytes(physical: 0x9000, count: 0) == [])
        #expect(memory.privatePageCount == 0)
    }
}
