import WardenCore

/// Why symbols could not be laid out as kallsyms tables.
public enum KallsymsEncoderError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSymbols
    case invalidName(String, reason: String)
    case invalidType(name: String, type: Character)
    case addressOutOfRange(name: String, address: UInt64, relativeBase: UInt64)
    case noSymbolAtRelativeBase(UInt64)
    case tooManySymbols(Int)
    case tokenTableTooLarge(Int)

    public var description: String {
        switch self {
        case .noSymbols: "kallsyms needs at least one symbol"
        case .invalidName(let name, let reason): "symbol name \"\(name)\" cannot be stored in kallsyms: \(reason)"
        case .invalidType(let name, let type): "symbol \(name) has type \"\(type)\", not one ASCII letter"
        case .addressOutOfRange(let name, let address, let base):
            "symbol \(name) at 0x\(String(address, radix: 16)) is out of the 32-bit range of relative base "
                + "0x\(String(base, radix: 16))"
        case .noSymbolAtRelativeBase(let base):
            "the lowest symbol at or above the relative base must sit at it (0x\(String(base, radix: 16))), "
                + "as scripts/kallsyms.c record_relative_base makes it"
        case .tooManySymbols(let count): "\(count) symbols do not fit the 24-bit kallsyms_seqs_of_names"
        case .tokenTableTooLarge(let size): "token table of \(size) bytes exceeds the 16-bit token index"
        }
    }
}

/// Lays symbols out as the kallsyms tables a 64-bit `CONFIG_KALLSYMS_ABSOLUTE_PERCPU` kernel carries
/// (scripts/kallsyms.c `write_src`, order per `KallsymsLayout`).
public struct KallsymsEncoder: Sendable {
    public let layout: KallsymsLayout

    public init(layout: KallsymsLayout) {
        self.layout = layout
    }

    /// One table row: address, stored offset, and the uncompressed entry (type letter + name).
    private struct Entry {
        var address: UInt64
        var offset: Int32
        var raw: [UInt8]
    }

    /// Bytes of the kallsyms tables exactly as the kernel's build lays them out in .rodata, to be
    /// placed at an address aligned to 4096 in a kernel image whose _text is at `relativeBase`.
    /// As in the kernel, `relativeBase` must be the lowest address of a non-per-CPU symbol.
    ///
    /// Symbols below `relativeBase` are per-CPU style: stored as absolute non-negative offsets with
    /// type `A`, as kallsyms.c `make_percpus_absolute` does. The others are stored as
    /// `relativeBase - 1 - address` (negative), the `--absolute-percpu` encoding.
    public func encode(symbols: [KernelSymbol], relativeBase: UInt64) throws -> [UInt8] {
        guard !symbols.isEmpty else { throw KallsymsEncoderError.noSymbols }
        guard symbols.count < 1 << 24 else { throw KallsymsEncoderError.tooManySymbols(symbols.count) }
        var entries = try symbols.map { try Self.entry(for: $0, relativeBase: relativeBase) }
        // kallsyms.c sorts by address; ties keep input order (its finer tie-breaks only rank aliases).
        entries = entries.enumerated().sorted { ($0.element.address, $0.offset) < ($1.element.address, $1.offset) }
            .map(\.element)
        guard entries.first(where: { $0.address >= relativeBase })?.address == relativeBase else {
            throw KallsymsEncoderError.noSymbolAtRelativeBase(relativeBase)
        }
        var tokens = KallsymsTokenCompressor(entries: entries.map(\.raw))
        tokens.compress()
        let tokenTable = try Self.tokenTableAndIndex(tokens.expansions)

        var names: [UInt8] = []
        var markers: [UInt32] = []
        for (index, compressed) in tokens.symbols.enumerated() {
            if index % KallsymsFormat.namesPerMarker == 0 { markers.append(UInt32(names.count)) }
            if compressed.count <= 0x7F {
                names.append(UInt8(compressed.count))
            } else {
                names += [UInt8(compressed.count & 0x7F) | 0x80, UInt8(compressed.count >> 7)]
            }
            names += compressed
        }

        var out = TableWriter()
        switch layout {
        case .linux6_1:
            out.offsets(entries); out.base(relativeBase); out.count(entries.count)
            out.table(names); out.markers(markers); out.sequences(entries)
            out.table(tokenTable.table); out.table(tokenTable.index)
        case .linux6_12:
            out.count(entries.count); out.table(names); out.markers(markers)
            out.table(tokenTable.table); out.table(tokenTable.index)
            out.offsets(entries); out.base(relativeBase); out.sequences(entries)
        }
        return out.bytes
    }

    private static func entry(for symbol: KernelSymbol, relativeBase: UInt64) throws -> Entry {
        let name = Array(symbol.name.utf8)
        if name.isEmpty { throw KallsymsEncoderError.invalidName(symbol.name, reason: "empty") }
        if name.contains(0) { throw KallsymsEncoderError.invalidName(symbol.name, reason: "contains NUL") }
        if name.count >= KallsymsFormat.maximumNameLength {
            throw KallsymsEncoderError.invalidName(symbol.name, reason: "not shorter than KSYM_NAME_LEN (512)")
        }
        guard let type = symbol.type.asciiValue, symbol.type.isLetter else {
            throw KallsymsEncoderError.invalidType(name: symbol.name, type: symbol.type)
        }
        let outOfRange = KallsymsEncoderError.addressOutOfRange(
            name: symbol.name, address: symbol.address, relativeBase: relativeBase)
        if symbol.address < relativeBase {
            guard symbol.address <= UInt64(Int32.max) else { throw outOfRange }
            return Entry(address: symbol.address, offset: Int32(symbol.address), raw: [UInt8(ascii: "A")] + name)
        }
        let delta = symbol.address - relativeBase
        guard delta <= UInt64(Int32.max) else { throw outOfRange }
        return Entry(address: symbol.address, offset: -Int32(delta) - 1, raw: [type] + name)
    }

    /// `kallsyms_token_table` (256 NUL-terminated expansions) and `kallsyms_token_index` (u16 each).
    private static func tokenTableAndIndex(_ expansions: [[UInt8]]) throws -> (table: [UInt8], index: [UInt8]) {
        var table: [UInt8] = []
        var index: [UInt8] = []
        for expansion in expansions {
            guard table.count <= Int(UInt16.max) else { throw KallsymsEncoderError.tokenTableTooLarge(table.count) }
            index += [UInt8(table.count & 0xFF), UInt8(table.count >> 8)]
            table += expansion
            table.append(0)
        }
        return (table, index)
    }

    /// Appends tables, each at an 8-aligned offset (`ALGN`), zero padding between.
    private struct TableWriter {
        var bytes: [UInt8] = []

        mutating func align() {
            while bytes.count % KallsymsFormat.alignment != 0 { bytes.append(0) }
        }

        mutating func table(_ data: [UInt8]) {
            align()
            bytes += data
        }

        mutating func littleEndian<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
        }

        mutating func offsets(_ entries: [Entry]) {
            align()
            for entry in entries { littleEndian(entry.offset) }
        }

        mutating func base(_ relativeBase: UInt64) {
            align()
            littleEndian(relativeBase)
        }

        mutating func count(_ count: Int) {
            align()
            littleEndian(UInt32(count))
        }

        mutating func markers(_ markers: [UInt32]) {
            align()
            for marker in markers { littleEndian(marker) }
        }

        /// `kallsyms_seqs_of_names`: table positions in order of name (then address, then position),
        /// as kallsyms.c `compare_names` sorts them; each as three big-endian bytes.
        mutating func sequences(_ entries: [Entry]) {
            align()
            let order = entries.indices.sorted { left, right in
                let (a, b) = (entries[left], entries[right])
                if a.raw.dropFirst() != b.raw.dropFirst() {
                    return a.raw.dropFirst().lexicographicallyPrecedes(b.raw.dropFirst())
                }
                return (a.address, left) < (b.address, right)
            }
            for position in order {
                bytes += [UInt8(truncatingIfNeeded: position >> 16), UInt8(truncatingIfNeeded: position >> 8),
                          UInt8(truncatingIfNeeded: position)]
            }
        }
    }
}
