import SyntheticGuest
import Testing
@testable import WardenCore

/// Reading kallsyms from guest memory through windows instead of a copy of the whole image.
@Suite struct KernelImageWindowsTests {
    struct Image {
        let guest: SyntheticGuest
        let windows: KernelImageWindows

        init() throws {
            guest = try SyntheticGuest()
            let location = try KernelLocator.locate(memory: guest.memory, registers: guest.vcpuRegisters())
            windows = KernelImageWindows(
                space: AddressSpace(memory: guest.memory, kernel: location), start: location.textBase,
                length: Int(location.imageMappingEnd - location.textBase))
        }

        /// The anchors a search of one copy of the whole mapping finds.
        func wholeImageAnchors() -> [Int] {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: windows.length, alignment: 4096)
            defer { buffer.deallocate() }
            windows.space.copyMapped(from: windows.start, into: buffer)
            return KallsymsBytes(raw: UnsafeRawBufferPointer(buffer)).occurrences(of: KallsymsFinder.anchor, limit: 64)
        }
    }

    /// Chunk sizes that cut the mapping at every offset around an anchor find each anchor once.
    @Test func streamingFindsEveryAnchorOnceWhereverChunksEnd() throws {
        let image = try Image()
        let expected = image.wholeImageAnchors()
        try #require(!expected.isEmpty)
        let anchor = try #require(expected.first)
        for cut in (anchor - 2)...(anchor + KallsymsFinder.anchor.count + 2) {
            var windows = image.windows
            windows.chunk = cut
            #expect(windows.anchorOffsets(limit: 64) == expected, "chunk \(cut)")
        }
    }

    @Test func theWindowDecodesTheSameTablesAsTheWholeImage() throws {
        let image = try Image()
        let anchor = try #require(image.windows.anchorOffsets(limit: 1).first)
        let size = try #require(image.windows.sizes.first)
        // The window really is a part: it starts after the image does.
        #expect(anchor > size.before)
        let windowed = try image.windows.tables(around: anchor, before: size.before, after: size.after).get()
        #expect(Set(windowed.symbols) == Set(image.guest.symbols))
    }

    /// A window too small for the tables fails on its own; the reader then falls back to the whole
    /// mapping and still decodes them.
    @Test func aWindowTooSmallFallsBackToTheWholeImage() throws {
        var windows = try Image().windows
        windows.sizes = [(4096, 4096), (8192, 4096)]
        let anchor = try #require(windows.anchorOffsets(limit: 1).first)
        guard case .failure = windows.tables(around: anchor, before: 8192, after: 4096) else {
            Issue.record("an 8 KiB window cannot hold the synthetic kernel's tables")
            return
        }
        let tables = try windows.tables().get()
        #expect(tables.symbols.contains { $0.name == "sys_call_table" })
    }

    /// Digit runs planted ahead of the real table (guest memory is the attacker's) are not token
    /// tables: they get no window, and the real table is still read through a window alone.
    @Test func plantedDigitRunsGetNoWindowAndDoNotForceTheWholeImage() throws {
        let image = try Image()
        let real = try #require(image.windows.anchorOffsets(limit: 1).first)
        #expect(image.windows.holdsTokenTable(real))
        let planted = (0..<40).map { 0x1000 + $0 * 0x2000 }
        for offset in planted {
            let physical = image.guest.physicalAddress(ofKernelVirtual: image.windows.start + UInt64(offset))
            try image.guest.ram.write(physical: physical, bytes: KallsymsFinder.anchor)
        }
        #expect(Array(image.windows.anchorOffsets(limit: 64).prefix(40)) == planted)
        #expect(planted.allSatisfy { !image.windows.holdsTokenTable($0) })
        var windows = image.windows
        windows.fallBackToWholeImage = false
        let tables = try windows.tables().get()
        #expect(tables.symbols.contains { $0.name == "sys_call_table" })
    }
}
