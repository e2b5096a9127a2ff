/// An address-sorted table of kernel symbols with lookups by name and by address.
public struct SymbolTable: Sendable {
    public let origin: SymbolOrigin
    /// Sorted by address, then by name; module symbols included.
    public let symbols: [KernelSymbol]
    private let indexByName: [String: Int]
    /// Sorted distinct addresses of the kernel's own (non-module) symbols, for "size up to the next symbol".
    private let kernelAddresses: [UInt64]

    public init(origin: SymbolOrigin, symbols: [KernelSymbol]) {
        self.origin = origin
        let sorted = symbols.sorted { ($0.address, $0.name) < ($1.address, $1.name) }
        self.symbols = sorted
        var index: [String: Int] = [:]
        for (position, symbol) in sorted.enumerated() {
            // A kernel symbol beats a module symbol of the same name; among kernel symbols a global
            // (upper-case type) beats a local one, and the first seen wins otherwise.
            guard let existing = index[symbol.name] else {
                index[symbol.name] = position
                continue
            }
            if Self.rank(symbol) > Self.rank(sorted[existing]) { index[symbol.name] = position }
        }
        indexByName = index
        var addresses: [UInt64] = []
        for symbol in sorted where symbol.module == nil && addresses.last != symbol.address {
            addresses.append(symbol.address)
        }
        kernelAddresses = addresses
    }

    private static func rank(_ symbol: KernelSymbol) -> Int {
        (symbol.module == nil ? 2 : 0) + (symbol.type.isUppercase ? 1 : 0)
    }

    public var count: Int { symbols.count }

    /// True when the source records symbol sizes (ELF symbol tables do; kallsyms and System.map do not).
    public var knowsSizes: Bool { symbols.contains { $0.size != nil } }

    public func symbol(named name: String) -> KernelSymbol? {
        indexByName[name].map { symbols[$0] }
    }

    /// The lowest kernel-symbol address strictly above `address`.
    public func nextKernelAddress(after address: UInt64) -> UInt64? {
        var low = 0
        var high = kernelAddresses.count
        while low < high {
            let mid = (low + high) / 2
            if kernelAddresses[mid] <= address { low = mid + 1 } else { high = mid }
        }
        return low < kernelAddresses.count ? kernelAddresses[low] : nil
    }

    /// The kernel symbol at or below `address` (the one an instruction pointer falls in), with the offset.
    public func kernelSymbol(containing address: UInt64) -> (symbol: KernelSymbol, offset: UInt64)? {
        var low = 0
        var high = symbols.count
        while low < high {
            let mid = (low + high) / 2
            if symbols[mid].address <= address { low = mid + 1 } else { high = mid }
        }
        var position = low - 1
        while position >= 0 {
            let candidate = symbols[position]
            if candidate.module == nil { return (candidate, address - candidate.address) }
            position -= 1
        }
        return nil
    }

    /// The table in System.map format (`ffffffff81000000 T _text`), module symbols as `[mod]`.
    public func systemMapText() -> String {
        var out = ""
        out.reserveCapacity(symbols.count * 40)
        for symbol in symbols {
            let hex = String(symbol.address, radix: 16)
            out += String(repeating: "0", count: max(0, 16 - hex.count)) + hex
            out += " \(symbol.type) \(symbol.name)"
            if let module = symbol.module { out += "\t[\(module)]" }
            out += "\n"
        }
        return out
    }
}
