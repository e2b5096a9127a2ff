import ArgumentParser
import Foundation
import SyntheticGuest
import Testing
import WardenCore

@testable import warden

/// `warden run --symbols FILE` and the kernel line it logs at attach. A run needs a Xen dom0, so
/// these check the parsing and the pipeline `run` calls, on the generated guest.
@Suite struct RunSymbolsTests {
    /// The policy `warden demo` plans on the generated guest.
    static let policy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/warden/Resources/linux-kernel-core.yaml").path

    @Test func runTakesASymbolFileLikePlan() throws {
        let given = try Warden.parseAsRoot(["run", "--domain", "web1", "--policy", "p.yaml", "--symbols", "/boot/System.map-6.1"])
        #expect((given as? Warden.Run)?.symbols == "/boot/System.map-6.1")
        let plain = try Warden.parseAsRoot(["run", "--domain", "web1", "--policy", "p.yaml"])
        #expect((plain as? Warden.Run)?.symbols == nil)
    }

    /// A System.map at link-time addresses plans the same frames as the guest's own kallsyms, and
    /// the decisions name writers by the same running addresses: the file's table is moved by the
    /// KASLR slide, which the attach line reports.
    @Test func aLinkTimeSymbolFilePlansAndDecidesAtTheRunningAddresses() throws {
        let guest = try SyntheticGuest()
        let slide = guest.configuration.kaslrSlide
        let map = guest.symbols.map { symbol in
            let hex = String(symbol.address - slide, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex + " \(symbol.type) \(symbol.name)\n"
        }.joined()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("System.map-\(UUID().uuidString)").path
        try Data(map.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let targets = try PolicySet.load(paths: [Self.policy]).targets

        let fromFile = try PlanPipeline.resolve(
            targets: targets, memory: guest.memory, registers: guest.vcpuRegisters(), symbolFile: path)
        let own = try PlanPipeline.resolve(targets: targets, memory: guest.memory, registers: guest.vcpuRegisters(), symbolFile: nil)

        #expect(!fromFile.plan.targets.isEmpty)
        #expect(fromFile.plan.targets.map(\.frames) == own.plan.targets.map(\.frames))
        #expect(Array(fromFile.runningSymbols.symbols) == Array(own.runningSymbols.symbols))
        #expect(fromFile.runningSymbols.symbol(named: "_text")?.address == guest.textBase)

        let text = "0x" + String(guest.textBase, radix: 16)
        let kaslr = "0x" + String(slide, radix: 16)
        #expect(Warden.Run.attachLine(fromFile).hasPrefix("kernel _text \(text) (KASLR slide \(kaslr)), "))
        #expect(Warden.Run.attachLine(fromFile).hasSuffix("; symbols: System.map \(path) + KASLR slide \(kaslr)"))
        #expect(Warden.Run.attachLine(own).hasPrefix("kernel _text \(text) (KASLR slide \(kaslr)), "))
        #expect(Warden.Run.attachLine(own).contains("; symbols: kallsyms in guest memory"))
    }
}
