/// Turns the `.xen_pfn` array of an `xl dump-core` file into guest-physical segments of `.xen_pages`.
/// Line numbers are Xen RELEASE-4.17.7, tools/libs/guest/xg_core.c.
///
/// Page `j` of `.xen_pages` holds guest frame `pfn[j]` (lines 858-871, 877). Xen walks frames in
/// ascending order and leaves out those it cannot map (lines 873-876: the slot is reused), the VGA
/// and MMIO holes (xg_core_x86.c lines 39-48); when the domain shrank during a live dump it pads
/// with zero pages whose entry is XC_CORE_INVALID_PFN, ~0 (lines 905-924, xg_core.h line 107).
/// Consecutive frames in consecutive pages become one segment, so a real dump is a few segments.
enum XenPageIndex {
    static let invalidPFN = UInt64.max
    /// x86-64 physical addresses have at most 52 bits.
    static let maximumPFN: UInt64 = (1 << 40) - 1
    static let pageSize: UInt64 = 4096

    /// - Parameters:
    ///   - pfnsOffset: where `.xen_pfn` starts (checked to hold `count` entries of 8 bytes).
    ///   - pagesOffset: where `.xen_pages` starts (checked to hold `count` pages).
    static func segments(
        file: MappedFile, pfnsOffset: UInt64, pagesOffset: UInt64, count: Int
    ) throws(ElfCoreError) -> [PhysicalSegment] {
        func damaged(_ problem: String) -> ElfCoreError { .xenDump(path: file.path, part: ".xen_pfn", problem: problem) }
        /// Entry `page`, nil for a padding entry. Read one at a time: a dump of a large guest has
        /// millions, and the usual ascending list needs no copy.
        func pfn(_ page: Int) throws(ElfCoreError) -> UInt64? {
            guard let value = file.uint64(at: pfnsOffset + UInt64(page) * 8) else {
                throw damaged("runs past the end of the file")
            }
            if value == invalidPFN { return nil }
            guard value <= maximumPFN else {
                throw damaged("entry \(page) is pfn 0x\(String(value, radix: 16)), beyond x86's 52-bit physical addresses")
            }
            return value
        }
        var runs = Runs(pagesOffset: pagesOffset)
        var ascending = true
        for page in 0..<count {
            guard let frame = try pfn(page) else { continue }
            if let last = runs.lastPFN, last >= frame {
                ascending = false
                break
            }
            runs.add(pfn: frame, page: page)
        }
        if !ascending {
            // Xen writes frames in ascending order; anything else is sorted, which also finds repeats.
            var pages: [(pfn: UInt64, page: Int)] = []
            for page in 0..<count { if let frame = try pfn(page) { pages.append((frame, page)) } }
            pages.sort { ($0.pfn, $0.page) < ($1.pfn, $1.page) }
            runs = Runs(pagesOffset: pagesOffset)
            for (index, next) in pages.enumerated() {
                if index > 0, pages[index - 1].pfn == next.pfn {
                    throw damaged(
                        "lists pfn 0x\(String(next.pfn, radix: 16)) twice (entries \(pages[index - 1].page) and \(next.page))")
                }
                runs.add(pfn: next.pfn, page: next.page)
            }
        }
        guard runs.lastPFN != nil else { throw damaged("lists no guest frame (every entry is ~0)") }
        return runs.finished()
    }

    /// Frames in consecutive pages of `.xen_pages` that are also consecutive guest frames, merged.
    /// `count`, the pfns and page indices are bounded by the caller, so no arithmetic here overflows.
    private struct Runs {
        let pagesOffset: UInt64
        var segments: [PhysicalSegment] = []
        var start: (pfn: UInt64, page: Int)?
        var length = 0
        var lastPFN: UInt64? { start.map { $0.pfn + UInt64(length) - 1 } }

        init(pagesOffset: UInt64) { self.pagesOffset = pagesOffset }

        mutating func add(pfn: UInt64, page: Int) {
            if let start, pfn == start.pfn + UInt64(length), page == start.page + length {
                length += 1
                return
            }
            flush()
            (start, length) = ((pfn, page), 1)
        }

        private mutating func flush() {
            guard let start else { return }
            segments.append(
                PhysicalSegment(
                    physical: start.pfn * pageSize, fileOffset: pagesOffset + UInt64(start.page) * pageSize,
                    length: UInt64(length) * pageSize))
        }

        mutating func finished() -> [PhysicalSegment] {
            flush()
            start = nil
            return segments
        }
    }
}
