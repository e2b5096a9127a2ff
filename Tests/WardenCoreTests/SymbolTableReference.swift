import TestSupport
import WardenCore

/// The symbol table as it was before its compact storage: `[KernelSymbol]` and a `[String: Int]`,
/// kept here as the reference the compact table must agree with.
struct ReferenceSymbolTable {
    let symbols: [KernelSymbol]
    private let indexByName: [String: Int]
    private let kernelAddresses: [UInt64]

    init(_ symbols: [KernelSymbol]) {
        let sorted = symbols.sorted { ($0.address, $0.name) < ($1.address, $1.name) }
        self.symbols = sorted
        var index: [String: Int] = [:]
        for (position, symbol) in sorted.enumerated() {
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

    func symbol(named name: String) -> KernelSymbol? { indexByName[name].map { symbols[$0] } }

    func nextKernelAddress(after address: UInt64) -> UInt64? { kernelAddresses.first { $0 > address } }

    func kernelSymbol(containing address: UInt64) -> (symbol: KernelSymbol, offset: UInt64)? {
        guard symbols.contains(where: { $0.module == nil && $0.address > address }),
            let symbol = symbols.last(where: { $0.module == nil && $0.address <= address })
        else { return nil }
        return (symbol, address - symbol.address)
    }

    func systemMapText() -> String {
        var out = ""
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


enum SymbolTableFixtures {
    static let words = [
        "sys", "read", "write", "page", "alloc", "free", "init", "cpu", "irq", "lock", "x64", "do", "ext4", "tcp",
        "sock", "netif", "rcu", "sched", "mutex", "kmem", "cache", "dev", "pci", "acpi", "bpf", "trace", "event",
    ]

    /// Names shaped like a kernel's (Debian 6.1's average 21.5 bytes): underscore-joined words,
    /// some with a `__x64_sys_` or `__pfx_` prefix, a unique suffix so most are distinct.
    static func realisticName(_ index: Int, _ random: inout SplitMix64) -> String {
        let prefixes = ["", "", "", "__", "__x64_sys_", "__pfx_", "__ksymtab_"]
        var name = prefixes[Int(random.next() % UInt64(prefixes.count))]
        for part in 0..<(2 + Int(random.next() % 3)) {
            if part > 0 { name += "_" }
            name += words[Int(random.next() % UInt64(words.count))]
        }
        return name + "_" + String(index, radix: 36)
    }

    /// A table with many collisions: few addresses, a small name pool, mixed case, some modules,
    /// some sizes, and non-ASCII names.
    static func collisionProne(count: Int, seed: UInt64) -> [KernelSymbol] {
        var random = SplitMix64(seed: seed)
        let pool = ["a", "ab", "abc", "b", "_text", "café", "cafe", "naïve_ü", "x🙂", "helper", "help", "Helper"]
        let types: [Character] = ["T", "t", "D", "d", "A", "W", "b"]
        let modules: [String?] = [nil, nil, nil, "ext4", "nf_conntrack", "ÿmod"]
        return (0..<count).map { _ in
            KernelSymbol(
                name: pool[Int(random.next() % UInt64(pool.count))],
                address: 0xffff_ffff_8100_0000 + (random.next() % 64) * 0x10,
                type: types[Int(random.next() % UInt64(types.count))],
                module: modules[Int(random.next() % UInt64(modules.count))],
                size: random.next() % 3 == 0 ? random.next() % 0x100 : nil)
        }
    }
}
