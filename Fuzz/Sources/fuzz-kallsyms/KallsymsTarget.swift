import FuzzSupport
import SyntheticGuest
import WardenCore

// kallsyms location and decoding over an arbitrary memory window, as `KernelImage.kallsyms()` runs
// it on a vmlinux and `GuestKernel.read` on the windows it copies out of guest memory.

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: ArgumentCount, _ argv: ArgumentVector) -> Int32 {
    SeedCorpus.writeIfAsked(KallsymsSeeds.all)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = inputBytes(data, size)
    // The finder requires an 8-aligned window: kallsyms tables are 8-aligned in the image.
    let window = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 4096)
    defer { window.deallocate() }
    window.copyMemory(from: input)
    let bytes = UnsafeRawBufferPointer(window)
    let anchored = KallsymsFinder.containsAnchor(bytes)
    if let tables = try? KallsymsFinder.find(in: bytes) {
        // Tables are found only around their anchor, and never hold more symbols than the cap.
        precondition(anchored, "kallsyms found without the token table's anchor")
        precondition(tables.symbols.count <= KallsymsFinder.maximumSymbolCount, "symbol count over the cap")
        _ = tables.symbols.last.map { "\($0.name) \($0.type) \($0.address)" }
    }
    return 0
}

/// Tables as `KallsymsEncoder` lays them out for `SyntheticGuest`, behind a page of text-like bytes.
enum KallsymsSeeds {
    static func all() throws -> [(name: String, bytes: [UInt8])] {
        let textBase = KernelLocator.linkTimeTextBase
        let small = TinyGuest.kernelSymbols(textBase: textBase, fillers: 40)
        let markers = TinyGuest.kernelSymbols(textBase: textBase, fillers: 300)
        // Names over 127 bytes take a two-byte length (v6.1 "kallsyms: support big kernel symbols").
        let long = small + [KernelSymbol(name: String(repeating: "long_name_", count: 20), address: textBase + 0x900, type: "t")]
        // Per-CPU symbols sit below the relative base and are stored as absolute offsets.
        let percpu = small + [0, 0x40, 0x2000].map { KernelSymbol(name: "percpu_\($0)", address: $0, type: "A") }
        var seeds: [(String, [UInt8])] = []
        for layout in KallsymsLayout.allCases {
            let tag = layout == .linux6_1 ? "6.1" : "6.12"
            for (name, symbols) in [("small", small), ("two-markers", markers), ("long-name", long), ("percpu", percpu)] {
                let tables = try KallsymsEncoder(layout: layout).encode(symbols: symbols, relativeBase: textBase)
                seeds.append(("\(tag)-\(name)", [UInt8](repeating: 0xCC, count: 4096) + tables))
            }
        }
        return seeds
    }
}
