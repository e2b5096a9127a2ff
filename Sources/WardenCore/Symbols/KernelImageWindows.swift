/// Reads the kallsyms tables out of a running kernel's image mapping without copying the whole
/// image (tens of MB): the image is streamed in fixed chunks to find the token table's anchor, and
/// only a window around each anchor is copied and searched. The window is sized for the largest
/// real tables with room to spare; anything that does not decode in its windows (an unusual or
/// hostile layout) falls back to searching a copy of the whole mapping. Either copy is released
/// before the symbol table is built from a second copy of the names alone.
struct KernelImageWindows {
    /// Streaming chunk; the next chunk starts `anchor.count - 1` bytes early so no anchor is cut.
    var chunk = 1 << 20
    /// Bytes kept before and after an anchor, smallest first: each anchor is tried with the first
    /// size, then all again with the next. Before the token table lie kallsyms_names, the markers,
    /// seqs_of_names (6.1.y) and, in 6.1, the offsets; after it the token index and, from 6.4, the
    /// offsets and seqs_of_names. Debian's 6.1 (94,266 symbols) fits the first size, 6.12 (163,205)
    /// the second (3.5 and 1.5 MiB), and the last has about four times that room. A size too small
    /// costs a copy and a failed search; they start small because a window is resident on its own
    /// and its size is part of the controller's memory peak.
    var sizes: [(before: Int, after: Int)] = [(2 << 20, 1 << 20), (7 << 19, 3 << 19), (16 << 20, 8 << 20)]
    /// Whether `tables()` may end with the whole-image copy; tests turn it off to see windows alone work.
    var fallBackToWholeImage = true

    let space: AddressSpace
    let start: UInt64
    let length: Int
    let ledger = Ledger()

    init(space: AddressSpace, start: UInt64, length: Int) {
        self.space = space
        self.start = start
        self.length = length
    }

    /// Around a token table's anchor: its start is at most a u16 index entry back, and the 208
    /// tokens from "0" on (each at most 513 bytes) and the 512-byte index follow it.
    static let probeBefore = 64 << 10
    static let probeAfter = 208 * (KallsymsTokenTable.maximumTokenLength + 1) + 1024

    /// The tables from the first anchor whose window decodes, else from the whole mapping (whose
    /// error, on failure, is the whole-image search's, with what that copy read). Only anchors that
    /// hold a valid token table get a window, at most as many as the finder itself tries, so digit
    /// runs planted in guest memory cannot force many windows or the whole-image copy before the
    /// real table is reached.
    func tables() -> Result<KallsymsTables, KernelImageSearchFailure> {
        var anchors: [Int] = []
        for anchor in anchorOffsets(limit: KallsymsFinder.maximumDigitRuns) where holdsTokenTable(anchor) {
            anchors.append(anchor)
            if anchors.count == KallsymsFinder.maximumTokenTables { break }
        }
        for size in sizes {
            for anchor in anchors {
                if case .success(let tables) = tables(around: anchor, before: size.before, after: size.after) {
                    return .success(tables)
                }
            }
        }
        guard fallBackToWholeImage else {
            return .failure(KernelImageSearchFailure(error: .tokenTableNotFound(searchedBytes: 0, digitRuns: anchors.count)))
        }
        return wholeImageTables()
    }

    /// The tables searched in one copy of the whole mapping, the last resort of `tables()`.
    func wholeImageTables() -> Result<KallsymsTables, KernelImageSearchFailure> {
        let found = withCopy(from: 0, to: length) { buffer, coverage in
            Result { () throws(KallsymsError) in try KallsymsFinder.locate(in: buffer) }
                .mapError { KernelImageSearchFailure(error: $0, wholeImage: coverage) }
        }
        return found.flatMap { located in
            let span = located.namesSpan
            return withCopy(from: span.lowerBound, to: span.upperBound) { buffer, _ in
                Result { () throws(KallsymsError) in
                    try located.tables(names: KallsymsBytes(raw: buffer), from: span.lowerBound)
                }
            }
            .mapError { KernelImageSearchFailure(error: $0) }
        }
    }

    /// Frames the copies made so far could not read (searched as zeros).
    var unreadableFrames: UnreadableImageFrames { ledger.frames }

    /// Offsets of the anchor in the mapping, at most `limit`, in order.
    func anchorOffsets(limit: Int) -> [Int] {
        let anchor = KallsymsFinder.anchor
        // A chunk must hold more than an anchor, or the overlap would stop it advancing.
        let chunk = max(self.chunk, 2 * anchor.count)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 4096)
        defer { buffer.deallocate() }
        var found: [Int] = []
        var offset = 0
        while offset < length, found.count < limit {
            let count = min(chunk, length - offset)
            let view = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
            ledger.frames.record(space.copyMapped(from: start + UInt64(offset), into: view))
            let bytes = KallsymsBytes(raw: UnsafeRawBufferPointer(view))
            for hit in bytes.occurrences(of: anchor, limit: limit - found.count) where found.last != offset + hit {
                found.append(offset + hit)
            }
            if offset + count >= length { break }
            offset += count - (anchor.count - 1)
        }
        return found
    }

    /// The tables decoded from the window around `anchor`, or the finder's error there. The window
    /// is only searched; the symbols are built from a second, smaller copy of the names through the
    /// token index, made once the window is gone: the window (megabytes) is released before the
    /// names are expanded into the symbol table (tens of bytes a symbol), not held alongside it.
    func tables(around anchor: Int, before: Int, after: Int) -> Result<KallsymsTables, KallsymsError> {
        let found = withCopy(around: anchor, before: before, after: after) { buffer, anchorInCopy in
            Result { () throws(KallsymsError) in (anchor - anchorInCopy, try KallsymsFinder.locate(in: buffer)) }
        }
        return found.flatMap { windowStart, located in
            let span = located.namesSpan
            return withCopy(from: windowStart + span.lowerBound, to: windowStart + span.upperBound) { buffer, _ in
                Result { () throws(KallsymsError) in
                    try located.tables(names: KallsymsBytes(raw: buffer), from: span.lowerBound)
                }
            }
        }
    }

    /// Whether a valid token table and index sit at `anchor` (a small copy around it).
    func holdsTokenTable(_ anchor: Int) -> Bool {
        withCopy(around: anchor, before: Self.probeBefore, after: Self.probeAfter) { buffer, anchorInCopy in
            KallsymsTokenTable(anchor: anchorInCopy, in: KallsymsBytes(raw: buffer)) != nil
        }
    }

    /// Runs `body` over a copy of the mapping from `before` bytes ahead of `anchor` (rounded down to a
    /// page, so the copy starts 8-aligned in the image as the kallsyms tables require) to `after`
    /// bytes past it, clamped to the mapping; `body` also gets the anchor's offset in the copy.
    private func withCopy<T>(
        around anchor: Int, before: Int, after: Int, _ body: (UnsafeRawBufferPointer, Int) -> T
    ) -> T {
        let lower = max(0, anchor - before) & ~4095
        return withCopy(from: lower, to: min(length, anchor + after)) { buffer, _ in body(buffer, anchor - lower) }
    }

    /// Runs `body` over a copy of the mapping's bytes `lower..<upper` (within the mapping), with
    /// what the copy read; frames it could not read go into the ledger.
    private func withCopy<T>(from lower: Int, to upper: Int, _ body: (UnsafeRawBufferPointer, CopyCoverage) -> T) -> T {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: upper - lower, alignment: 4096)
        defer { buffer.deallocate() }
        let coverage = space.copyMapped(from: start + UInt64(lower), into: buffer)
        ledger.frames.record(coverage)
        return body(UnsafeRawBufferPointer(buffer), coverage)
    }

    /// Shared by copies of this value: the frames lost over one search, whichever copy lost them.
    final class Ledger {
        var frames = UnreadableImageFrames()
    }
}

/// Why the kallsyms tables were not read from a kernel image mapping: the finder's error and, when
/// the whole mapping was searched, what that copy read (issue 9: "no token table in 54 MiB" must
/// say whether those 54 MiB were the guest's bytes or zeros standing in for frames never read).
struct KernelImageSearchFailure: Error {
    var error: KallsymsError
    var wholeImage: CopyCoverage?
}
