import Foundation
import Testing
import WardenCore

/// kallsyms-finder (vmlinux-to-elf) reads the link-time symbol table out of the guest's vmlinuz.
/// It is the reference for Warden's image path, so first it is itself checked against the guest.
enum ImageGroundTruth {
    static var toolAvailable: Bool { IntegrationEnvironment.kallsymsFinder != nil }

    /// kallsyms-finder's symbols for the guest's kernel image, at link-time addresses. Run once
    /// per guest: the output is renamed into place only when the tool succeeded.
    static func kallsymsFinderSymbols(for guest: RunningGuest) async throws -> [KernelSymbol] {
        let tool = try #require(IntegrationEnvironment.kallsymsFinder, "kallsyms-finder missing: run scripts/setup --integration")
        let output = guest.runDirectory.appending(path: "kallsyms-finder.map")
        if !FileManager.default.fileExists(atPath: output.path) {
            let partial = output.appendingPathExtension("partial")
            try await ChildProcess.run(
                tool, [guest.kernel.vmlinuz.path], log: guest.runDirectory.appending(path: "kallsyms-finder.log"),
                standardOutput: partial, timeout: .seconds(900))
            try FileManager.default.moveItem(at: partial, to: output)
        }
        let text = try String(contentsOf: output, encoding: .utf8)
        return try GuestKallsyms.symbols(in: text, source: output)
    }

    /// Every kernel symbol the guest lists is kallsyms-finder's, moved by one KASLR slide;
    /// absolute (`A`) symbols, the per-CPU offsets, do not move.
    static func guestSymbolsAreImageSymbolsPlusSlide(_ guest: RunningGuest) async throws {
        let image = try await kallsymsFinderSymbols(for: guest)
        let imageText = try #require(image.first { $0.name == "_text" }, "kallsyms-finder found no _text").address
        #expect(imageText == GroundTruthChecks.linkTimeText)
        let slide = try GroundTruthChecks.symbol("_text", in: guest).address &- imageText
        let relocated = image.map { symbol in
            SymbolComparison.Entry(
                name: symbol.name, type: symbol.type, address: symbol.type == "A" ? symbol.address : symbol.address &+ slide)
        }
        SymbolComparison.expectSame(
            relocated, "kallsyms-finder + slide", SymbolComparison.entries(GuestKallsyms.coreKernelSymbols(guest.kallsyms)),
            "the guest's /proc/kallsyms")
    }
}
