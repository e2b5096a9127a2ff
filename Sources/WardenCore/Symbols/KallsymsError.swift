/// Why no kallsyms tables could be recovered from a kernel image. The image may be hostile, so each
/// case says what was looked for and which check failed, with offsets into the searched bytes.
public enum KallsymsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No run of the single-character tokens "0"…"9" followed by a consistent `kallsyms_token_index`.
    case tokenTableNotFound(searchedBytes: Int, digitRuns: Int)
    /// A token table was found but no `kallsyms_num_syms` / `kallsyms_names` / `kallsyms_markers`
    /// arrangement before it fits; `reason` is the last check that failed.
    case tablesNotFound(tokenTableOffset: Int, reason: String)
    /// The tables were located but a decoded entry is inconsistent.
    case corruptNames(namesOffset: Int, symbolIndex: Int, reason: String)

    public var description: String {
        switch self {
        case .tokenTableNotFound(let size, let runs):
            "no kallsyms_token_table in \(size) bytes: \(runs) run(s) of the digit tokens \"0\"…\"9\", "
                + "none followed by a kallsyms_token_index that matches the table"
        case .tablesNotFound(let offset, let reason):
            "kallsyms_token_table at offset 0x\(String(offset, radix: 16)), but no kallsyms_num_syms, "
                + "kallsyms_names, kallsyms_markers and kallsyms_offsets consistent with it: \(reason)"
        case .corruptNames(let offset, let index, let reason):
            "kallsyms_names at offset 0x\(String(offset, radix: 16)) is corrupt at symbol \(index): \(reason)"
        }
    }
}

/// The kallsyms tables of one kernel, decoded.
public struct KallsymsTables: Sendable {
    /// Byte offsets of the tables within the searched buffer.
    public struct Locations: Sendable, Equatable {
        public var offsets: Int
        public var relativeBase: Int
        public var numSyms: Int
        public var names: Int
        public var markers: Int
        /// nil when the kernel predates `kallsyms_seqs_of_names` (upstream v6.1).
        public var seqsOfNames: Int?
        public var tokenTable: Int
        public var tokenIndex: Int
    }

    public var layout: KallsymsLayout
    /// `kallsyms_relative_base`: the link-time (image) or runtime (guest memory) `_text`.
    public var relativeBase: UInt64
    /// Whether non-negative offsets are absolute addresses (`CONFIG_KALLSYMS_ABSOLUTE_PERCPU`).
    public var absolutePercpu: Bool
    public var locations: Locations
    /// In table order: sorted by address, as scripts/kallsyms.c writes them, so that
    /// `kallsyms_seqs_of_names` indexes it. `SymbolTable(origin:symbols:)` takes it as it is.
    public var symbols: SymbolList
}
