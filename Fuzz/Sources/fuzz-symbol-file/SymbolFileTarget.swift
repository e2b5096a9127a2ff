import ElfReader
import FuzzSupport
import WardenCore

// Symbol files as `--symbols FILE` reads them, routed by their first bytes as `warden` routes them:
// ELF (`vmlinux`, `.ko`) through libelf, anything else as System.map or /proc/kallsyms text.
// (Compressed kernel images, the third kind, are fuzz-kernel-image's.)

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: ArgumentCount, _ argv: ArgumentVector) -> Int32 {
    SeedCorpus.writeIfAsked(SymbolFileSeeds.all)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = inputBytes(data, size)
    let table: SymbolTable
    if input.starts(with: [0x7F, 0x45, 0x4C, 0x46]) {
        let file = MemoryFile(input)
        do { table = try ElfSymbolReader.load(path: file.path) } catch { return 0 }
    } else {
        let text = String(decoding: input, as: UTF8.self)
        do { table = try SymbolFileParser.parse(text: text, path: "fuzz.map") } catch {
            _ = error.description
            return 0
        }
    }
    precondition(table.count > 0, "a symbol table was made without symbols")
    // What the planner asks of a table: names, the next address, and the symbol around an address.
    if let first = table.symbols.first {
        _ = table.symbol(named: first.name)
        _ = table.nextKernelAddress(after: first.address)
        _ = table.kernelSymbol(containing: first.address &+ 1)
    }
    _ = table.slid(by: 0x1E0_0000)
    return 0
}

/// The tiny guest's symbols as System.map and as /proc/kallsyms with a module, Debian's
/// placeholder System.map, and the ELF objects of the ElfReader tests (built from their .c files).
enum SymbolFileSeeds {
    static func all() throws -> [(name: String, bytes: [UInt8])] {
        let symbols = TinyGuest.kernelSymbols(textBase: KernelLocator.linkTimeTextBase, fillers: 40)
        let systemMap = symbols.map { "\(hex($0.address)) \($0.type) \($0.name)" }.joined(separator: "\n") + "\n"
        let kallsyms = symbols.map { "\(hex($0.address &+ 0x1E0_0000)) \($0.type) \($0.name)" }
            + ["ffffffffc0a01000 t ext4_fill_super\t[ext4]", "ffffffffc0a02000 T ext4_iget\t[ext4]"]
        let placeholder = "ffffffffffffffff B The real System.map is in the linux-image-6.1.0-28-amd64-dbg package\n"
        return [
            ("System.map", Array(systemMap.utf8)), ("kallsyms", Array((kallsyms.joined(separator: "\n") + "\n").utf8)),
            ("debian-placeholder", Array(placeholder.utf8)),
            ("symbols.o", try Repository.bytes("Tests/ElfReaderTests/Fixtures/symbols.o")),
            ("wardentest.ko", try Repository.bytes("Tests/ElfReaderTests/Fixtures/wardentest.ko")),
        ]
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
