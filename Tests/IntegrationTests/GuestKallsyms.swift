import Foundation
import WardenCore

/// The guest's /proc/kallsyms as its init script copied it to the second serial port, and
/// kallsyms-finder's System.map-style output. Parsed by a plain split on purpose: these are the
/// ground truth Warden's own parsers are checked against.
enum GuestKallsyms {
    /// The guest's copy, up to `endMarker`; a file without the marker was cut short and is rejected.
    static func parse(_ url: URL, endMarker: String) throws -> SymbolTable {
        let lines = try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline)
        guard let end = lines.firstIndex(of: endMarker[...]) else {
            throw HarnessError.file("\(url.path) ends before \(endMarker): the guest's copy was cut short")
        }
        return SymbolTable(origin: .procKallsyms(path: url.path), symbols: try symbols(in: lines[..<end], source: url))
    }

    /// Parses System.map-style text such as kallsyms-finder's or `warden symbols`' output.
    static func symbols(in text: String, source: URL) throws -> [KernelSymbol] {
        try symbols(in: text.split(whereSeparator: \.isNewline)[...], source: source)
    }

    /// Lines `ffffffffa2400000 T _text` and `ffffffffc03757d0 t minix_delete_entry\t[minix]`.
    /// (Split on `isNewline`: Swift reads "\r\n" as one Character, which "\n" would not match.)
    static func symbols(in lines: ArraySlice<Substring>, source: URL) throws -> [KernelSymbol] {
        try lines.map { line in
            let columns = line.split(separator: "\t")
            let fields = columns[0].split(separator: " ")
            guard fields.count == 3, let address = UInt64(fields[0], radix: 16), let type = fields[1].first else {
                throw HarnessError.file("\(source.path): not a symbol line: \(line)")
            }
            let module = columns.count > 1 ? columns[1].trimmingCharacters(in: CharacterSet(charactersIn: "[] ")) : nil
            return KernelSymbol(name: String(fields[2]), address: address, type: type, module: module)
        }
    }

    /// The kernel's own symbols (no module, no BPF or ftrace pseudo-module), which are what
    /// kallsyms in the kernel image and in guest memory describe.
    static func coreKernelSymbols(_ table: SymbolTable) -> [KernelSymbol] {
        table.symbols.filter { $0.module == nil }
    }
}
