import Foundation
import Testing
import WardenCore

@Suite struct SymbolFileParserTests {
    @Test func parsesSystemMapLinesWithTypesAndSkipsUndefined() throws {
        let text = """
            ffffffff81000000 T _text
            ffffffff82200300 R sys_call_table
                             U undefined_here
            ffffffff81001000 t helper\r
            0000000000000000 D __per_cpu_start

            """
        let table = try SymbolFileParser.parse(text: text, path: "/boot/System.map-6.1.0")
        #expect(table.origin == .systemMap(path: "/boot/System.map-6.1.0"))
        #expect(table.count == 4)
        #expect(table.symbol(named: "sys_call_table")?.address == 0xffff_ffff_8220_0300)
        #expect(table.symbol(named: "sys_call_table")?.type == "R")
        #expect(table.symbol(named: "helper")?.type == "t")
        #expect(table.symbol(named: "undefined_here") == nil)
    }

    @Test func undefinedLineWithAddressIsSkipped() throws {
        let text = "ffffffff81000000 T _text\n0000000000000000 U printk\n"
        let table = try SymbolFileParser.parse(text: text, path: "map")
        #expect(table.count == 1)
    }

    @Test func moduleColumnMakesKallsymsOrigin() throws {
        let text = "ffffffff81000000 T _text\nffffffffc0a01000 t foo\t[ext4]\n"
        let table = try SymbolFileParser.parse(text: text, path: "/tmp/symbols.txt")
        #expect(table.origin == .procKallsyms(path: "/tmp/symbols.txt"))
        let foo = try #require(table.symbols.first { $0.name == "foo" })
        #expect(foo.module == "ext4")
        #expect(foo.address == 0xffff_ffff_c0a0_1000)
    }

    @Test func pathNamingKallsymsMakesKallsymsOrigin() throws {
        let table = try SymbolFileParser.parse(text: "ffffffff81000000 T _text\n", path: "/proc/kallsyms")
        #expect(table.origin == .procKallsyms(path: "/proc/kallsyms"))
    }

    @Test func acceptsThirtyTwoBitAddresses() throws {
        let table = try SymbolFileParser.parse(text: "c1000000 T _text\nc1800000 D data\n", path: "map32")
        #expect(table.symbol(named: "_text")?.address == 0xc100_0000)
    }

    @Test func zeroedAddressesAskForRoot() {
        let text = "0000000000000000 T _text\n0000000000000000 t foo\t[ext4]\n"
        #expect(throws: SymbolFileError.addressesHidden(path: "/proc/kallsyms")) {
            try SymbolFileParser.parse(text: text, path: "/proc/kallsyms")
        }
        let message = SymbolFileError.addressesHidden(path: "/proc/kallsyms").description
        #expect(message.contains("root"))
        #expect(message.contains("kptr_restrict"))
    }

    @Test func debianPlaceholderNamesTheDbgPackageAndAlternatives() throws {
        let text = "ffffffffffffffff B The real System.map is in the linux-image-6.1.0-18-amd64-dbg package\n"
        do {
            _ = try SymbolFileParser.parse(text: text, path: "/boot/System.map-6.1.0-18-amd64")
            Issue.record("placeholder was accepted")
        } catch {
            #expect(error == .debianPlaceholder(
                path: "/boot/System.map-6.1.0-18-amd64", package: "linux-image-6.1.0-18-amd64-dbg"))
            #expect(error.description.contains("--image"))
            #expect(error.description.contains("guest's memory"))
        }
    }

    @Test func malformedLinesNameFileLineAndExpectation() {
        let cases: [(String, Int, String)] = [
            ("ffffffff81000000 T _text\nzzzzzzzzzzzzzzzz T bad\n", 2, "hex digits"),
            ("ffffffff81000000 T _text\nffffffff8100000 T short\n", 2, "hex digits"),
            ("ffffffff81000000 TT _text\n", 1, "one-letter"),
            ("ffffffff81000000 7 _text\n", 1, "one-letter"),
            ("ffffffff81000000 T\n", 1, "<name>"),
            ("ffffffff81000000 T a b\n", 1, "<name>"),
            ("ffffffff81000000 T foo\text4\n", 1, "[ext4]"),
        ]
        for (text, line, expected) in cases {
            do {
                _ = try SymbolFileParser.parse(text: text, path: "map")
                Issue.record("accepted \(text.debugDescription)")
            } catch {
                guard case .malformedLine(let path, let number, _, let what) = error else {
                    Issue.record("wrong error \(error)")
                    continue
                }
                #expect(path == "map")
                #expect(number == line)
                #expect(what.contains(expected))
                #expect(error.description.hasPrefix("map:\(line): expected"))
            }
        }
    }

    @Test func emptyTextIsAnError() {
        #expect(throws: SymbolFileError.noSymbols(path: "empty")) {
            try SymbolFileParser.parse(text: "\n\n", path: "empty")
        }
    }

    @Test func loadReadsAFileAndReportsMissingOnes() throws {
        let path = NSTemporaryDirectory() + "warden-systemmap-\(UUID().uuidString)"
        try "ffffffff81000000 T _text\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try SymbolFileParser.load(path: path)
        #expect(table.symbol(named: "_text")?.address == 0xffff_ffff_8100_0000)
        #expect(throws: SymbolFileError.unreadable(path: path + ".missing", reason: "no such file")) {
            try SymbolFileParser.load(path: path + ".missing")
        }
    }

    /// /proc/kallsyms exists on every Linux host; its addresses are real only for root.
    @Test(.enabled(if: FileManager.default.isReadableFile(atPath: "/proc/kallsyms"), "/proc/kallsyms is not readable"))
    func loadsThisMachinesKallsymsWhenReadable() throws {
        do {
            let table = try SymbolFileParser.load(path: "/proc/kallsyms")
            #expect(table.origin == .procKallsyms(path: "/proc/kallsyms"))
            #expect(table.count > 1000)
            #expect(table.symbol(named: "_text") != nil)
        } catch {
            #expect(error == .addressesHidden(path: "/proc/kallsyms"))
        }
    }
}
