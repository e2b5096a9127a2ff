import Foundation

/// Why a System.map or kallsyms text could not be turned into a symbol table.
public enum SymbolFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case tooLarge(path: String, bytes: UInt64, limit: UInt64)
    case malformedLine(path: String, line: Int, text: String, expected: String)
    /// Every address is zero: the file was read by a user that `kptr_restrict` hides pointers from.
    case addressesHidden(path: String)
    /// Debian ships a one-line placeholder System.map that points to the -dbg package.
    case debianPlaceholder(path: String, package: String)
    case noSymbols(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read symbol file \(path): \(reason)"
        case .tooLarge(let path, let bytes, let limit):
            "symbol file \(path) has \(bytes) bytes, more than the \(limit) a System.map or kallsyms can have;"
                + " is it the right file?"
        case .malformedLine(let path, let line, let text, let expected):
            "\(path):\(line): expected \(expected), found \"\(text)\""
        case .addressesHidden(let path):
            "\(path): every address is 0000000000000000, so the kernel hid its pointers from the reader;"
                + " read it as root with kernel.kptr_restrict=0 or 1 (sysctl kernel.kptr_restrict)"
        case .debianPlaceholder(let path, let package):
            "\(path) is Debian's placeholder System.map, which holds no symbols; the real one is in the package"
                + " \(package). Install it, or use --image with the kernel image, or read the symbols from the"
                + " guest's memory"
        case .noSymbols(let path):
            "\(path) holds no symbol lines (expected lines like \"ffffffff81000000 T _text\")"
        }
    }
}

/// Parses System.map (`nm -n vmlinux`) and /proc/kallsyms text.
public enum SymbolFileParser {
    /// Real System.map files are a few MiB and kallsyms with modules some tens; this bounds a wrong path.
    public static let maximumFileSize: UInt64 = 512 << 20

    public static func load(path: String) throws(SymbolFileError) -> SymbolTable {
        try parse(text: try readText(path: path), path: path)
    }

    public static func parse(text: String, path: String) throws(SymbolFileError) -> SymbolTable {
        var symbols: [KernelSymbol] = []
        var sawModule = false
        var lineNumber = 0
        // "\r\n" is a single Character, so split on isNewline rather than on "\n".
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let parsed: KernelSymbol?
            do { parsed = try parseLine(line, path: path, lineNumber: lineNumber) } catch {
                // The placeholder's one line does not parse; say what the file is instead.
                if let package = placeholderPackage(line) { throw .debianPlaceholder(path: path, package: package) }
                throw error
            }
            guard let symbol = parsed else { continue }
            if symbol.module != nil { sawModule = true }
            symbols.append(symbol)
        }
        guard !symbols.isEmpty else { throw .noSymbols(path: path) }
        if !symbols.contains(where: { $0.address != 0 }) { throw .addressesHidden(path: path) }
        let origin: SymbolOrigin =
            sawModule || path.contains("kallsyms") ? .procKallsyms(path: path) : .systemMap(path: path)
        return SymbolTable(origin: origin, symbols: symbols)
    }

    /// Reads through FileHandle because /proc files report a size of 0 and must be read to EOF.
    static func readText(path: String) throws(SymbolFileError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw .unreadable(path: path, reason: reason)
        }
        defer { try? handle.close() }
        var data = Data()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                data.append(chunk)
                if UInt64(data.count) > maximumFileSize {
                    throw SymbolFileError.tooLarge(path: path, bytes: UInt64(data.count), limit: maximumFileSize)
                }
            }
        } catch let error as SymbolFileError {
            throw error
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Debian's line is `ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package`.
    private static func placeholderPackage(_ line: Substring) -> String? {
        guard let marker = line.range(of: "The real System.map is in the ") else { return nil }
        let rest = line[marker.upperBound...]
        let package = rest.split(separator: " ").first.map(String.init) ?? "linux-image-<version>-dbg"
        return package
    }

    private static let expectedLine = "\"<hex address> <type letter> <name>\" optionally followed by a tab and \"[module]\""

    /// One line: `<8 or 16 hex digits> <type> <name>[\t[module]]`. Returns nil for undefined
    /// symbols (`U`, and the weak undefined `w`/`v`), which have no address in this kernel.
    private static func parseLine(
        _ line: Substring, path: String, lineNumber: Int
    ) throws(SymbolFileError) -> KernelSymbol? {
        func fail(_ expected: String) -> SymbolFileError {
            .malformedLine(path: path, line: lineNumber, text: String(line.prefix(120)), expected: expected)
        }
        // The name and the module are separated by a tab; the first three fields by spaces.
        let tabParts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
        let fields = tabParts[0].split(separator: " ", omittingEmptySubsequences: true)
        // `nm` prints undefined symbols without an address: "                 U printk".
        if fields.count == 2, ["U", "w", "v"].contains(fields[0]) { return nil }
        guard fields.count == 3 else { throw fail(expectedLine) }
        let hex = fields[0]
        guard hex.count == 8 || hex.count == 16, let address = UInt64(hex, radix: 16) else {
            throw fail("an address of 8 or 16 hex digits at the start of the line")
        }
        guard fields[1].count == 1, let type = fields[1].first, type.isASCII, type.isLetter else {
            throw fail("a one-letter symbol type (T, t, D, R, B, A, …) after the address")
        }
        let name = String(fields[2])
        var module: String? = nil
        if tabParts.count == 2 {
            let column = tabParts[1].trimmingCharacters(in: .whitespaces)
            guard column.count > 2, column.first == "[", column.last == "]" else {
                throw fail("a module column like \"[ext4]\" after the tab")
            }
            module = String(column.dropFirst().dropLast())
        }
        if type == "U" || type == "w" || type == "v" { return nil }
        return KernelSymbol(name: name, address: address, type: type, module: module)
    }
}
