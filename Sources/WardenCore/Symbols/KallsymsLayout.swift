/// How a kernel's build lays the kallsyms tables out in `.rodata` (scripts/kallsyms.c, `write_src`).
///
/// Common to both layouts (64-bit, `CONFIG_KALLSYMS_BASE_RELATIVE`, as Debian amd64 builds):
/// - every table starts at an 8-aligned address (`ALGN` is `.balign 8` when `BITS_PER_LONG == 64`),
///   the padding is zero bytes;
/// - `kallsyms_offsets`: one `s32` per symbol, sorted by address;
/// - `kallsyms_relative_base`: one pointer (`PTR` = `.quad`), `_text`-relative at link time;
/// - `kallsyms_num_syms`: one `u32`;
/// - `kallsyms_names`: per symbol a ULEB128 length (one byte, or two when the length exceeds 0x7F,
///   since v6.1's "kallsyms: support big kernel symbols") then that many token codes; the first
///   decoded character is the `nm` type letter;
/// - `kallsyms_markers`: one `u32` per 256 symbols, the offset of that symbol's entry in the names;
/// - `kallsyms_seqs_of_names`: per symbol the 3-byte big-endian index of the N-th name in name order
///   (v6.2, "kallsyms: Improve the performance of kallsyms_lookup_name()"; Debian's 6.1.y has it too);
/// - `kallsyms_token_table`: 256 NUL-terminated expansions; `kallsyms_token_index`: 256 `u16` offsets.
public enum KallsymsLayout: Sendable, CaseIterable, Hashable, CustomStringConvertible {
    /// Linux 6.1.y as Debian 12 ships it (checked on 6.1.0-56-amd64): offsets, relative_base,
    /// num_syms, names, markers, seqs_of_names, token_table, token_index. Upstream v6.1.0 has no
    /// seqs_of_names; the finder accepts that form as this layout too.
    case linux6_1
    /// Linux 6.4+ order ("scripts/kallsyms: change the output order"), checked on Debian's
    /// 6.12.117: num_syms, names, markers, token_table, token_index, offsets, relative_base,
    /// seqs_of_names. 6.12 dropped `CONFIG_KALLSYMS_BASE_RELATIVE` (always base-relative).
    case linux6_12

    public var description: String {
        switch self {
        case .linux6_1: "Linux 6.1 kallsyms layout"
        case .linux6_12: "Linux 6.4+ (6.12) kallsyms layout"
        }
    }
}

/// Constants of the kallsyms format shared by the encoder and the decoder.
public enum KallsymsFormat {
    /// `ALGN` on 64-bit kernels.
    public static let alignment = 8
    /// One marker every 256 names (`(i & 0xFF) == 0` in `write_src`).
    public static let namesPerMarker = 256
    /// `KSYM_NAME_LEN` since v6.1 (include/linux/kallsyms.h): names, type letter excluded, are shorter.
    public static let maximumNameLength = 512
    /// `seqs_of_names` entries are three bytes.
    public static let sequenceEntrySize = 3

    /// `value` rounded up to the alignment, nil on overflow.
    @inlinable public static func aligned(_ value: Int) -> Int? {
        let (sum, overflow) = value.addingReportingOverflow(alignment - 1)
        return overflow ? nil : sum & ~(alignment - 1)
    }
}
