import WardenCore

/// Deterministic symbol sets shaped like a kernel's: per-CPU variables below `_text`, text, data,
/// names long enough for two-byte lengths, and enough entries for several markers.
enum KallsymsTestSymbols {
    static let text: UInt64 = 0xffff_ffff_8100_0000

    /// A small linear congruential generator so sets are varied but reproducible.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
    }

    static func kernelLike(count: Int, seed: UInt64 = 1) -> [KernelSymbol] {
        var random = Generator(state: seed)
        let words = ["sys", "read", "write", "page", "alloc", "free", "init", "cpu", "irq", "lock", "x64", "do", "ext4"]
        var symbols = [
            KernelSymbol(name: "__per_cpu_start", address: 0, type: "A"),
            KernelSymbol(name: "cpu_tss_rw", address: 0x6000, type: "A"),
            KernelSymbol(name: "_text", address: text, type: "T"),
            KernelSymbol(name: "startup_64", address: text, type: "T"),
        ]
        var address = text + 0x1000
        for index in 0..<count {
            var name = (0..<(1 + Int(random.next() % 4))).map { _ in words[Int(random.next() % UInt64(words.count))] }
                .joined(separator: "_")
            name += "_\(index)"
            if index % 97 == 0 { name += "_" + String(repeating: "long", count: 40) }  // > 0x7F: two-byte length
            let types: [Character] = ["T", "t", "D", "d", "R", "r", "B", "b", "W"]
            symbols.append(KernelSymbol(name: name, address: address, type: types[Int(random.next() % 9)]))
            address += random.next() % 0x400
        }
        symbols.append(KernelSymbol(name: "_end", address: address + 0x1000, type: "B"))
        return symbols
    }
}
