import Glibc
import Testing
import WardenCore
import XenInterop

/// A byte that depends on both the frame and the offset, so a page copied to the wrong place shows.
func patternByte(_ address: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: (address >> 12) &* 131 &+ address &* 7) }

func pattern(from start: UInt64, count: Int) -> [UInt8] { (0..<UInt64(count)).map { patternByte(start + $0) } }

extension FakeXen.Domain {
    /// An HVM guest whose frames 0…lastGFN hold `patternByte`, except the holes.
    static func patterned(domid: UInt32, name: String? = nil, lastGFN: UInt64, holes: Set<UInt64> = []) -> Self {
        var domain = Self(domid: domid, name: name, maximumGPFN: lastGFN)
        for gfn in 0...lastGFN where !holes.contains(gfn) {
            domain.pages[gfn] = pattern(from: gfn << 12, count: FakeXen.pageSize)
        }
        return domain
    }
}

@Suite struct XenDomainMemoryTests {
    let fake = FakeXen([.patterned(domid: 5, lastGFN: 199, holes: [70, 71])])

    func memory(pagesPerBatch: Int = 64) throws -> XenDomainMemory {
        try XenDomainMemory(domid: 5, maximumGPFN: 199, calls: fake.calls, pagesPerBatch: pagesPerBatch)
    }

    @Test func multiBatchReadCopiesEveryPageInOrderAndUnmapsEachBatch() throws {
        let start: UInt64 = 100 * 4096 + 100
        let bytes = try memory().readBytes(physical: start, count: 90 * 4096)
        #expect(bytes == pattern(from: start, count: 90 * 4096))
        let batches = fake.read { $0.mapBatches }
        #expect(batches.map(\.count) == [64, 27])
        #expect(batches.flatMap { $0 } == Array(100...190))
        #expect(fake.allReleased)
    }

    @Test(arguments: [1, 3, 64, 1024])
    func batchSizeNeverChangesTheBytes(pagesPerBatch: Int) throws {
        let start: UInt64 = 2 * 4096 - 5
        let bytes = try memory(pagesPerBatch: pagesPerBatch).readBytes(physical: start, count: 10 * 4096)
        #expect(bytes == pattern(from: start, count: 10 * 4096))
        let batches = fake.read { $0.mapBatches }
        #expect(batches.allSatisfy { $0.count <= pagesPerBatch })
        #expect(batches.flatMap { $0 } == Array(1...11))
    }

    @Test func batchSizeIsClampedToASaneRange() throws {
        #expect(try memory(pagesPerBatch: 0).pagesPerBatch == 1)
        #expect(try memory(pagesPerBatch: 1 << 20).pagesPerBatch == 1024)
    }

    @Test func readsOnEitherSideOfAHoleSucceed() throws {
        let memory = try memory()
        #expect(try memory.readBytes(physical: 69 * 4096, count: 4096) == pattern(from: 69 * 4096, count: 4096))
        #expect(try memory.readBytes(physical: 72 * 4096, count: 8) == pattern(from: 72 * 4096, count: 8))
    }

    @Test func readAcrossAHoleThrowsUnbackedAtTheHoleAndStillUnmaps() throws {
        let memory = try memory()
        #expect(throws: GuestMemoryError.unbacked(physical: 70 * 4096, length: 4096)) {
            try memory.readBytes(physical: 60 * 4096, count: 20 * 4096)
        }
        #expect(fake.read { $0.liveMappings.isEmpty })
    }

    @Test func aFrameRefusedForAnotherReasonThanAHoleIsUnreadableWithItsErrno() throws {
        fake.update { $0.pageErrnos = [80: ENOENT] }
        #expect(
            throws: GuestMemoryError.unreadable(
                physical: 80 * 4096, reason: "xenforeignmemory_map refused gfn 0x50: No such file or directory (errno 2)")
        ) {
            try memory().readBytes(physical: 76 * 4096, count: 8 * 4096)
        }
        #expect(fake.read { $0.liveMappings.isEmpty })
    }

    @Test func readStartingInsideAHoleReportsItsFirstByte() throws {
        let memory = try memory()
        #expect(throws: GuestMemoryError.unbacked(physical: 71 * 4096 + 4000, length: 96)) {
            try memory.readBytes(physical: 71 * 4096 + 4000, count: 200)
        }
    }

    @Test func readPastTheHighestFrameThrowsWithoutMapping() throws {
        let memory = try memory()
        #expect(throws: GuestMemoryError.unbacked(physical: 200 * 4096, length: 16)) {
            try memory.readBytes(physical: 200 * 4096 - 16, count: 32)
        }
        #expect(throws: GuestMemoryError.unbacked(physical: UInt64.max - 7, length: 64)) {
            try memory.readBytes(physical: UInt64.max - 7, count: 64)
        }
        #expect(fake.read { $0.mapBatches.isEmpty })
    }

    @Test func emptyReadTouchesNothing() throws {
        #expect(try memory().readBytes(physical: UInt64.max, count: 0).isEmpty)
        #expect(fake.read { $0.mapBatches.isEmpty })
    }

    @Test func ramRangeEndsAfterTheHighestFrame() throws {
        #expect(try memory().ramRanges == [PhysicalRange(start: 0, end: 200 * 4096)])
        let huge = try XenDomainMemory(domid: 5, maximumGPFN: UInt64.max, calls: fake.calls)
        #expect(huge.ramRanges == [PhysicalRange(start: 0, end: UInt64.max - 4095)])
    }

    @Test func failedMapBecomesUnreadableWithTheXenAdvice() throws {
        fake.update { $0.failures["xenforeignmemory_map"] = .init(errno: ESRCH, after: 1) }
        let memory = try memory()
        #expect {
            try memory.readBytes(physical: 0, count: 65 * 4096)
        } throws: { error in
            guard case .unreadable(let physical, let reason) = error as? GuestMemoryError else { return false }
            return physical == 64 * 4096 && reason.contains("xenforeignmemory_map failed") && reason.contains("xl list")
        }
        #expect(fake.read { $0.liveMappings.isEmpty })
    }

    @Test func failedUnmapIsReportedNotSwallowed() throws {
        fake.update { $0.failures["xenforeignmemory_unmap"] = .init(errno: EINVAL) }
        let memory = try memory()
        #expect {
            try memory.readBytes(physical: 4096, count: 8)
        } throws: { error in
            guard case .unreadable(_, let reason) = error as? GuestMemoryError else { return false }
            return reason.contains("xenforeignmemory_unmap failed")
        }
    }

    @Test func mappingWithoutAResultPerPageIsNotTrusted() throws {
        fake.update { $0.shortPageErrors = true }
        let memory = try memory()
        #expect(throws: GuestMemoryError.self) { try memory.readBytes(physical: 0, count: 8) }
        #expect(fake.read { $0.liveMappings.isEmpty })
    }

    @Test func foreignMemoryHandleClosesWithTheReader() throws {
        do {
            let memory = try memory()
            _ = try memory.readBytes(physical: 0, count: 1)
            #expect(fake.read { $0.opened["fmem"] } == 1)
        }
        #expect(fake.read { $0.closed["fmem"] } == 1)
        #expect(fake.allReleased)
    }

    @Test func describesTheDomain() throws {
        let named = try XenDomainMemory(domid: 5, maximumGPFN: 1, calls: fake.calls, name: "web")
        #expect(named.sourceDescription == "Xen domain web (domid 5)")
        #expect(try memory().sourceDescription == "Xen domain 5")
    }
}
