/// A validated `kallsyms_token_table` + `kallsyms_token_index` pair inside an image.
///
/// The anchor: every kernel symbol set uses all ten digits, so scripts/kallsyms.c keeps each digit
/// as a token for itself (`insert_real_symbols_in_table`) and the table holds "0\0" … "9\0" at codes
/// 0x30…0x39, consecutively. From a run, the table is walked forward to its end; the index follows
/// at the next 8-aligned offset, and its entry for 0x30 says where the table starts. Every one of the
/// 256 index entries must then land on a token boundary of that table.
struct KallsymsTokenTable {
    static let digitRun: [UInt8] = Array("0\u{0}1\u{0}2\u{0}3\u{0}4\u{0}5\u{0}6\u{0}7\u{0}8\u{0}9\u{0}".utf8)
    /// A token is part of one entry (type letter + name shorter than `KSYM_NAME_LEN`), so at most 512 bytes.
    static let maximumTokenLength = KallsymsFormat.maximumNameLength
    static let indexSize = 256 * 2

    private(set) var tableOffset: Int
    private(set) var indexOffset: Int
    /// Buffer offset and length of each code's expansion.
    private(set) var tokenStart: [Int]
    let tokenLength: [Int]

    /// The first offset after `kallsyms_token_index`.
    var end: Int { indexOffset + Self.indexSize }

    /// The same table in a copy of the bytes from offset `start` on.
    func rebased(to start: Int) -> KallsymsTokenTable {
        var copy = self
        copy.tableOffset -= start
        copy.indexOffset -= start
        copy.tokenStart = tokenStart.map { $0 - start }
        return copy
    }

    /// Validates the token table around a digit run starting at `anchor`; nil when anything disagrees.
    init?(anchor: Int, in bytes: KallsymsBytes) {
        // Walk from the "0" token (code 0x30) over the remaining 208 tokens to the table's end.
        var position = anchor
        for _ in 0x30...0xFF {
            guard let length = bytes.stringLength(at: position, limit: Self.maximumTokenLength + 1) else { return nil }
            position += length + 1
        }
        let tableEnd = position
        guard let indexOffset = KallsymsFormat.aligned(tableEnd),
              bytes.contains(indexOffset, length: Self.indexSize),
              let zeroIndex = bytes.u16(indexOffset + 0x30 * 2) else { return nil }
        for padding in tableEnd..<indexOffset where bytes.u8(padding) != 0 { return nil }
        let tableOffset = anchor - Int(zeroIndex)
        guard tableOffset >= 0, tableOffset % KallsymsFormat.alignment == 0 else { return nil }

        var starts: [Int] = []
        var lengths: [Int] = []
        starts.reserveCapacity(256)
        lengths.reserveCapacity(256)
        position = tableOffset
        for code in 0..<256 {
            guard let index = bytes.u16(indexOffset + code * 2), tableOffset + Int(index) == position,
                  let length = bytes.stringLength(at: position, limit: Self.maximumTokenLength + 1) else { return nil }
            starts.append(position)
            lengths.append(length)
            position += length + 1
        }
        guard position == tableEnd else { return nil }
        self.tableOffset = tableOffset
        self.indexOffset = indexOffset
        tokenStart = starts
        tokenLength = lengths
    }
}
