/// Finds and decodes the kallsyms tables in a contiguous kernel image: a decompressed vmlinux, or
/// guest memory copied from `_text` on. No debug profile is needed: the kernel's own tables are read.
///
/// The buffer must start at an 8-aligned address of the image (a vmlinux file's sections keep their
/// address alignment in the file; `_text` is page-aligned), since every table is 8-aligned.
public enum KallsymsFinder {
    /// More symbols than any kernel has (Debian's 6.12 has about 163,000); bounds hostile counts.
    public static let maximumSymbolCount = 4_000_000
    /// Digit runs tried, and token tables fully searched, before giving up on a hostile image.
    static let maximumDigitRuns = 4096
    static let maximumTokenTables = 16
    /// Names walked while testing num_syms guesses, over the whole search.
    static let maximumCandidateSteps = 1 << 26

    /// Bytes that every kallsyms token table contains (its single-digit tokens).
    public static var anchor: [UInt8] { KallsymsTokenTable.digitRun }

    /// True when `buffer` holds the anchor: a decoder that streams an image waits for it before
    /// trying `find`. Uses the same vectorised search as `find`.
    public static func containsAnchor(_ buffer: UnsafeRawBufferPointer) -> Bool {
        !KallsymsBytes(raw: buffer).occurrences(of: KallsymsTokenTable.digitRun, limit: 1).isEmpty
    }

    public static func find(in buffer: UnsafeRawBufferPointer) throws(KallsymsError) -> KallsymsTables {
        try search(in: buffer) { (located, bytes) throws(KallsymsError) in try located.tables(names: bytes) }
    }

    /// The tables `find` would accept, with every name checked but none kept: their symbols can then
    /// be built from a copy of `LocatedKallsyms.namesSpan` alone, after `buffer` is gone.
    static func locate(in buffer: UnsafeRawBufferPointer) throws(KallsymsError) -> LocatedKallsyms {
        try search(in: buffer) { (located, bytes) throws(KallsymsError) in
            try KallsymsDecoder.checkNames(bytes: bytes, candidate: located.candidate, tokens: located.tokens)
            return located
        }
    }

    /// The first tables in `buffer` that `finish` accepts; `finish` checks the names.
    private static func search<T>(
        in buffer: UnsafeRawBufferPointer, _ finish: (LocatedKallsyms, KallsymsBytes) throws(KallsymsError) -> T
    ) throws(KallsymsError) -> T {
        let bytes = KallsymsBytes(raw: buffer)
        let runs = bytes.occurrences(of: KallsymsTokenTable.digitRun, limit: maximumDigitRuns)
        var failure: KallsymsError?
        var tables = 0
        var steps = 0
        for run in runs {
            guard let tokens = KallsymsTokenTable(anchor: run, in: bytes) else { continue }
            tables += 1
            do {
                return try decode(bytes: bytes, tokens: tokens, steps: &steps, finish)
            } catch {
                failure = error
            }
            if tables >= maximumTokenTables { break }
        }
        throw failure ?? .tokenTableNotFound(searchedBytes: buffer.count, digitRuns: runs.count)
    }

    /// Scans back from the token table for an 8-aligned `kallsyms_num_syms` (a `u32` then zero
    /// padding) whose names, markers and offsets all check out; the nearest consistent one wins.
    private static func decode<T>(
        bytes: KallsymsBytes, tokens: KallsymsTokenTable, steps: inout Int,
        _ finish: (LocatedKallsyms, KallsymsBytes) throws(KallsymsError) -> T
    ) throws(KallsymsError) -> T {
        var failure: KallsymsError = .tablesNotFound(
            tokenTableOffset: tokens.tableOffset,
            reason: "no 8-aligned kallsyms_num_syms whose kallsyms_names end at the 8-aligned kallsyms_markers")
        var numSyms = tokens.tableOffset - 2 * KallsymsFormat.alignment
        while numSyms >= 0 {
            defer { numSyms -= KallsymsFormat.alignment }
            guard let count = bytes.u32(numSyms), count > 0, count <= maximumSymbolCount, bytes.u32(numSyms + 4) == 0
            else { continue }
            for arrangement in KallsymsCandidate.Arrangement.allCases {
                guard steps < maximumCandidateSteps else {
                    throw .tablesNotFound(tokenTableOffset: tokens.tableOffset, reason: "search budget exhausted")
                }
                guard let candidate = KallsymsCandidate(
                    numSymsOffset: numSyms, count: Int(count), arrangement: arrangement, tokens: tokens,
                    bytes: bytes, steps: &steps)
                else { continue }
                do {
                    return try decode(candidate: candidate, tokens: tokens, bytes: bytes, finish)
                } catch {
                    failure = error
                }
            }
        }
        throw failure
    }

    private static func decode<T>(
        candidate: KallsymsCandidate, tokens: KallsymsTokenTable, bytes: KallsymsBytes,
        _ finish: (LocatedKallsyms, KallsymsBytes) throws(KallsymsError) -> T
    ) throws(KallsymsError) -> T {
        var failure = KallsymsError.tablesNotFound(
            tokenTableOffset: tokens.tableOffset,
            reason: "kallsyms_num_syms \(candidate.count) at offset 0x\(String(candidate.numSymsOffset, radix: 16)) "
                + "has names and markers, but no kallsyms_offsets and kallsyms_relative_base that decode to "
                + "sorted addresses with a matching kallsyms_seqs_of_names")
        for placement in candidate.offsetPlacements(tokens: tokens) {
            if let sequences = placement.sequences,
               !KallsymsDecoder.sequencesArePermutation(bytes: bytes, at: sequences, count: candidate.count) {
                continue
            }
            guard let decoded = KallsymsDecoder.addresses(
                bytes: bytes, offsets: placement.offsets, base: placement.base, count: candidate.count)
            else { continue }
            let locations = KallsymsTables.Locations(
                offsets: placement.offsets, relativeBase: placement.base, numSyms: candidate.numSymsOffset,
                names: candidate.namesOffset, markers: candidate.markersOffset,
                seqsOfNames: placement.sequences, tokenTable: tokens.tableOffset, tokenIndex: tokens.indexOffset)
            let located = LocatedKallsyms(
                layout: placement.layout, relativeBase: decoded.base, absolutePercpu: decoded.absolutePercpu,
                locations: locations, candidate: candidate, tokens: tokens, addresses: decoded.addresses)
            do {
                return try finish(located, bytes)
            } catch {
                failure = error
            }
        }
        throw failure
    }
}
