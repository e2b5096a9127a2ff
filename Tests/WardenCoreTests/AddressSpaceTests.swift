import SyntheticGuest
import Testing
import WardenCore

@Suite struct AddressSpaceTests {
    static let tables = PhysicalRange(start: 0x10_0000, end: 0x20_0000)

    func makeSpace(fiveLevel: Bool = false, _ build: (inout PageTableBuilder) throws -> Void) throws -> AddressSpace {
        let memory = SyntheticMemory(size: 8 << 20)
        var builder = PageTableBuilder(memory: memory, tableRegion: Self.tables, fiveLevel: fiveLevel)
        try build(&builder)
        return AddressSpace(memory: memory, cr3: builder.root, fiveLevel: fiveLevel)
    }

    @Test func translatesFourKilobytePages() throws {
        let space = try makeSpace { try $0.map(virtual: 0xFFFF_FFFF_8100_0000, physical: 0x30_0000, pageSize: 4096) }
        let hit = try space.translate(0xFFFF_FFFF_8100_0123)
        #expect(hit.physical == 0x30_0123)
        #expect(hit.pageSize == 4096)
        #expect(hit.gfn == 0x300)
    }

    @Test func translatesLargePagesWithFrameNumbersOfTheFourKilobyteFrame() throws {
        let space = try makeSpace {
            try $0.map(virtual: 0xFFFF_FFFF_8120_0000, physical: 0x40_0000, pageSize: 2 << 20)
            try $0.map(virtual: 0xFFFF_8880_0000_0000, physical: 0, pageSize: 1 << 30)
        }
        let twoMegabyte = try space.translate(0xFFFF_FFFF_8121_2345)
        #expect(twoMegabyte.physical == 0x41_2345)
        #expect(twoMegabyte.gfn == 0x412)
        #expect(twoMegabyte.pageSize == 2 << 20)
        let oneGigabyte = try space.translate(0xFFFF_8880_0012_3456)
        #expect(oneGigabyte.physical == 0x12_3456)
        #expect(oneGigabyte.pageSize == 1 << 30)
    }

    @Test func fiveLevelPagingUsesFiftySevenBitAddresses() throws {
        let virtual: UInt64 = 0xFF11_0000_0000_0000
        let space = try makeSpace(fiveLevel: true) { try $0.map(virtual: virtual, physical: 0x50_0000, pageSize: 4096) }
        #expect(try space.translate(virtual | 0x10).physical == 0x50_0010)
        // Canonical for 5 levels, not for 4: the same tables read as 4-level must refuse it.
        let fourLevel = AddressSpace(memory: space.memory, cr3: space.root, fiveLevel: false)
        #expect(throws: TranslationError.nonCanonical(virtual: virtual, levels: 4)) { try fourLevel.translate(virtual) }
    }

    @Test func pcidBitsInCR3AreIgnored() throws {
        let space = try makeSpace { try $0.map(virtual: 0xFFFF_FFFF_8100_0000, physical: 0x30_0000, pageSize: 4096) }
        let withPCID = AddressSpace(memory: space.memory, cr3: space.root | 0x5 | (1 << 63), fiveLevel: false)
        #expect(try withPCID.translate(0xFFFF_FFFF_8100_0000).physical == 0x30_0000)
    }

    @Test func unmappedAddressesNameTheMissingLevel() throws {
        let space = try makeSpace { try $0.map(virtual: 0xFFFF_FFFF_8100_0000, physical: 0x30_0000, pageSize: 4096) }
        #expect(throws: TranslationError.notPresent(virtual: 0xFFFF_FFFF_8100_1000, level: .pt)) {
            try space.translate(0xFFFF_FFFF_8100_1000)
        }
        #expect(throws: TranslationError.notPresent(virtual: 0x1000, level: .pml4)) { try space.translate(0x1000) }
        #expect(throws: TranslationError.nonCanonical(virtual: 0x0000_8000_0000_0000, levels: 4)) {
            try space.translate(0x0000_8000_0000_0000)
        }
    }

    @Test func hostileEntriesGiveErrorsNotTraps() throws {
        let memory = SyntheticMemory(size: 4 << 20)
        let root: UInt64 = 0x10_0000
        // PML4[0] points far outside RAM; PML4[1] points at itself; PML4[2] claims a 512 GiB page.
        try memory.writeUInt64(physical: root, 0x7_0000_0000_0000 | 3)
        try memory.writeUInt64(physical: root + 8, root | 3)
        try memory.writeUInt64(physical: root + 16, 0x20_0000 | 0x83)
        let space = AddressSpace(memory: memory, cr3: root, fiveLevel: false)
        #expect(throws: TranslationError.self) { try space.translate(0) }
        // Self-reference recurses at most four levels and then lands on data, not a loop.
        let selfMapped = UInt64(1) << 39 | UInt64(1) << 30 | UInt64(1) << 21 | UInt64(1) << 12
        #expect(try space.translate(selfMapped).physical == root)
        #expect(throws: TranslationError.reservedLargePage(virtual: 2 << 39, level: .pml4)) {
            try space.translate(2 << 39)
        }
    }

    @Test func rangesYieldEveryFrameTheyTouch() throws {
        let space = try makeSpace {
            try $0.map(virtual: 0xFFFF_FFFF_8100_0000, physical: 0x30_0000, pageSize: 4096)
            try $0.map(virtual: 0xFFFF_FFFF_8100_1000, physical: 0x70_0000, pageSize: 4096)
        }
        let spans = try space.frames(virtual: 0xFFFF_FFFF_8100_0F00, length: 0x200)
        #expect(spans == [
            FrameSpan(gfn: 0x300, offset: 0xF00, length: 0x100), FrameSpan(gfn: 0x700, offset: 0, length: 0x100),
        ])
        #expect(spans[1].physical == 0x70_0000)
    }

    @Test func largePageRangesSplitIntoFourKilobyteFrames() throws {
        let space = try makeSpace { try $0.map(virtual: 0xFFFF_FFFF_8120_0000, physical: 0x40_0000, pageSize: 2 << 20) }
        let spans = try space.frames(virtual: 0xFFFF_FFFF_8120_0800, length: 0x3000)
        #expect(spans.map(\.gfn) == [0x400, 0x401, 0x402, 0x403])
        #expect(spans.map(\.length).reduce(0, +) == 0x3000)
    }

    @Test func rangesThatWrapOrAreHugeAreRefused() throws {
        let space = try makeSpace { _ in }
        #expect(throws: RangeError.overflow(virtual: UInt64.max - 10, length: 100)) {
            try space.frames(virtual: UInt64.max - 10, length: 100)
        }
        #expect(throws: RangeError.tooLarge(length: 1 << 40, limit: AddressSpace.maximumRangeLength)) {
            try space.frames(virtual: 0, length: 1 << 40)
        }
    }

    @Test func virtualReadsFollowThePageTablesAcrossPages() throws {
        let memory = SyntheticMemory(size: 8 << 20)
        var builder = PageTableBuilder(memory: memory, tableRegion: Self.tables, fiveLevel: false)
        try builder.map(virtual: 0xFFFF_FFFF_8100_0000, physical: 0x30_0000, pageSize: 4096)
        try builder.map(virtual: 0xFFFF_FFFF_8100_1000, physical: 0x70_0000, pageSize: 4096)
        try memory.write(physical: 0x30_0FFE, bytes: [1, 2])
        try memory.write(physical: 0x70_0000, bytes: [3, 4])
        let space = AddressSpace(memory: memory, cr3: builder.root, fiveLevel: false)
        #expect(try space.read(virtual: 0xFFFF_FFFF_8100_0FFE, count: 4) == [1, 2, 3, 4])
    }
}

@Suite struct TranslationCacheTests {
    @Test func cachedTranslationsEqualWalkedOnesAndLargePagesAreCachedOnce() throws {
        let memory = SyntheticMemory(size: 8 << 20)
        var builder = PageTableBuilder(
            memory: memory, tableRegion: PhysicalRange(start: 0x10_0000, end: 0x20_0000), fiveLevel: false)
        try builder.map(virtual: 0xFFFF_FFFF_8120_0000, physical: 0x40_0000, pageSize: 2 << 20)
        try builder.map(virtual: 0xFFFF_FFFF_8100_0000, physical: 0x30_0000, pageSize: 4096)
        let space = AddressSpace(memory: memory, cr3: builder.root, fiveLevel: false)
        var cache = TranslationCache(space: space)
        for offset in stride(from: UInt64(0), to: 2 << 20, by: 0x1_0001) {
            let virtual = 0xFFFF_FFFF_8120_0000 + offset
            #expect(try cache.translate(virtual) == space.translate(virtual))
        }
        #expect(cache.misses == 1)
        #expect(try cache.translate(0xFFFF_FFFF_8100_0010).physical == 0x30_0010)
        #expect(throws: TranslationError.self) { try cache.translate(0xFFFF_FFFF_8100_1000) }
        #expect(cache.misses == 3)
    }
}
