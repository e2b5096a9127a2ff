import ElfReader
import Foundation
import Testing
import WardenCore

/// The fixtures are committed together with the C files they were built from (see their headers).
func fixturePath(_ name: String) throws -> String {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil))
    return url.path
}

@Suite struct ElfSymbolsTests {
    @Test func objectFileSymbolsGetNMTypesAndSizes() throws {
        let path = try fixturePath("symbols.o")
        let table = try ElfSymbolReader.load(path: path)
        #expect(table.origin == .elfSymbolTable(path: path))
        let expected: [String: Character] = [
            "warden_data": "D", "warden_local_data": "d", "warden_rodata": "R", "warden_bss": "B",
            "warden_local_bss": "b", "warden_weak": "W", "warden_local_text": "t", "warden_text": "T",
        ]
        for (name, type) in expected {
            #expect(table.symbol(named: name)?.type == type, "type of \(name)")
            #expect(table.symbol(named: name)?.module == nil, "module of \(name)")
        }
        #expect(table.symbol(named: "warden_rodata")?.size == 32)
        #expect(table.symbol(named: "warden_bss")?.size == 64)
        #expect(table.knowsSizes)
    }

    @Test func undefinedFileAndSectionSymbolsAreSkipped() throws {
        let table = try ElfSymbolReader.load(path: try fixturePath("symbols.o"))
        #expect(table.symbol(named: "warden_undefined") == nil)
        #expect(table.symbol(named: "symbols.c") == nil)
        #expect(table.symbols.allSatisfy { !$0.name.isEmpty })
        #expect(table.count == 8)
    }

    @Test func moduleSymbolsCarryTheModinfoName() throws {
        let table = try ElfSymbolReader.load(path: try fixturePath("wardentest.ko"))
        let initSymbol = try #require(table.symbol(named: "warden_module_init"))
        #expect(initSymbol.module == "wardentest")
        #expect(initSymbol.type == "T")
        #expect(table.symbol(named: "warden_module_helper")?.type == "t")
        #expect(table.symbol(named: "warden_module_helper")?.size == 11)
        #expect(table.symbols.allSatisfy { $0.module == "wardentest" })
    }

    @Test func moduleWithoutModinfoIsNamedAfterItsFile() throws {
        let directory = NSTemporaryDirectory() + "warden-elf-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let copy = directory + "/nf-conntrack.ko"
        try FileManager.default.copyItem(atPath: try fixturePath("symbols.o"), toPath: copy)
        let table = try ElfSymbolReader.load(path: copy)
        #expect(table.symbol(named: "warden_text")?.module == "nf_conntrack")
    }

    static let libc = "/usr/lib/x86_64-linux-gnu/libc.so.6"

    @Test(.enabled(if: FileManager.default.fileExists(atPath: libc), "this system has no \(libc)"))
    func strippedSharedLibraryIsReportedAsStripped() throws {
        let libc = Self.libc
        #expect(throws: ElfSymbolError.stripped(path: libc, hasDynamicSymbols: true)) {
            try ElfSymbolReader.load(path: libc)
        }
        let message = ElfSymbolError.stripped(path: libc, hasDynamicSymbols: true).description
        #expect(message.contains("no .symtab"))
        #expect(message.contains("-dbg"))
    }

    @Test func nonElfAndMissingFilesGiveClearErrors() throws {
        let path = try fixturePath("symbols.c")
        do {
            _ = try ElfSymbolReader.load(path: path)
            Issue.record("a C source was read as ELF")
        } catch {
            guard case .notElf(path, _) = error else {
                Issue.record("wrong error \(error)")
                return
            }
        }
        do {
            _ = try ElfSymbolReader.load(path: "/nonexistent/vmlinux")
            Issue.record("a missing file was read")
        } catch {
            #expect(error.description.contains("/nonexistent/vmlinux"))
        }
    }

    @Test func truncatedElfIsAnErrorNotATrap() throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: try fixturePath("symbols.o")))
        let path = NSTemporaryDirectory() + "warden-truncated-\(UUID().uuidString).o"
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Cut inside the section table and inside section data: both must fail cleanly.
        for length in [70, 200, original.count - 100, original.count - 1] {
            try original.prefix(length).write(to: URL(fileURLWithPath: path))
            #expect(throws: ElfSymbolError.self) { try ElfSymbolReader.load(path: path) }
        }
    }

    /// fuzz-symbol-file's finding: symbols.o with its string table moved past the end of the file
    /// (section 9's offset 0x24000) loaded as a table of no symbols, every name unreadable, so a plan
    /// would have reported each target's symbol as missing instead of the file as broken.
    @Test func aSymbolTableWhoseNamesCannotBeReadIsAnError() throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try fixturePath("symbols.o"))))
        func integer(_ offset: Int, _ width: Int) -> Int { (0..<width).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) } }
        let sections = integer(0x28, 8)
        let count = integer(0x3C, 2)
        let symtab = try #require((0..<count).map { sections + $0 * 64 }.first { integer($0 + 4, 4) == 2 })
        let strings = sections + integer(symtab + 40, 4) * 64
        for byte in 0..<8 { bytes[strings + 24 + byte] = UInt8(truncatingIfNeeded: 0x24000 >> (8 * byte)) }
        let path = NSTemporaryDirectory() + "warden-unreadable-names-\(UUID().uuidString).o"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: ElfSymbolError.malformed(
            path: path, reason: ".symtab (12 entries) has no defined symbol with a readable name (string table: section 9)")) {
            try ElfSymbolReader.load(path: path)
        }
    }
}
