import Foundation
import Glibc
import Testing
import WardenCore

/// The `warden` executable run on a real guest, its output compared with the ground truth.
enum WardenCLIChecks {
    /// SwiftPM builds `warden` beside the test runner (…/debug/wardenPackageTests.xctest).
    static var executable: URL? {
        guard let runner = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        let candidate = URL(fileURLWithPath: runner).deletingLastPathComponent().appending(path: "warden")
        return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil
    }

    static var available: Bool { executable != nil }

    /// Runs `warden arguments…` and returns its standard output; a non-zero exit fails with stderr.
    static func run(_ arguments: [String], in guest: RunningGuest) async throws -> String {
        let warden = try #require(executable, "the warden executable is not built beside the test runner")
        let name = "warden-\(arguments[0])-\(UUID().uuidString.prefix(8))"
        let output = guest.runDirectory.appending(path: "\(name).out")
        defer { try? FileManager.default.removeItem(at: output) }
        try await ChildProcess.run(
            warden, arguments, log: guest.runDirectory.appending(path: "\(name).log"), standardOutput: output,
            timeout: .seconds(300))
        return try String(contentsOf: output, encoding: .utf8)
    }

    static func guestArguments(_ path: WardenChecks.MemoryPath, of guest: RunningGuest) async throws -> [String] {
        switch path {
        case .sharedRAM: ["--qemu-ram", guest.ramFile.path, "--qmp", guest.qmpSocketPath]
        case .elfDump: ["--memory", try await guest.coreDump().url.path]
        }
    }

    /// `warden symbols` prints, in System.map format, exactly the guest's own kernel symbols.
    static func symbolsCommandPrintsTheGuestKallsyms(_ guest: RunningGuest, via path: WardenChecks.MemoryPath) async throws {
        let text = try await run(["symbols"] + guestArguments(path, of: guest), in: guest)
        let printed = try GuestKallsyms.symbols(in: text, source: URL(fileURLWithPath: "warden symbols"))
        SymbolComparison.expectSame(
            SymbolComparison.entries(printed), "warden symbols (\(path))",
            SymbolComparison.entries(GuestKallsyms.coreKernelSymbols(guest.kallsyms)), "the guest's /proc/kallsyms")
    }

    /// `warden symbols --image` prints what kallsyms-finder reads from the same vmlinuz.
    static func symbolsCommandReadsTheImage(_ guest: RunningGuest) async throws {
        let text = try await run(["symbols", "--image", guest.kernel.vmlinuz.path], in: guest)
        let printed = try GuestKallsyms.symbols(in: text, source: URL(fileURLWithPath: "warden symbols --image"))
        SymbolComparison.expectSame(
            SymbolComparison.entries(printed), "warden symbols --image",
            SymbolComparison.entries(try await ImageGroundTruth.kallsymsFinderSymbols(for: guest)), "kallsyms-finder")
    }

    /// `warden plan --json` with the syscall-table policy: the kernel it reports is the guest's,
    /// sys_call_table is where the guest says, and every frame of every target is where QEMU's
    /// page walk puts those bytes.
    static func planFramesAreWhereQEMUMapsTheTargets(_ guest: RunningGuest, via path: WardenChecks.MemoryPath) async throws {
        let policy = IntegrationEnvironment.repositoryRoot.appending(path: "policies/linux-syscall-tables.yaml").path
        let text = try await run(["plan", "--policy", policy] + guestArguments(path, of: guest) + ["--json"], in: guest)
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let kernel = try #require(plan["kernel"] as? [String: Any])
        #expect(hex(kernel["textBase"]) == (try GroundTruthChecks.symbol("_text", in: guest).address))
        #expect(kernel["pagingLevels"] as? Int == (guest.configuration.expectsFiveLevelPaging ? 5 : 4))
        let targets = try #require(plan["targets"] as? [[String: Any]])
        let table = try #require(targets.first { $0["symbol"] as? String == "sys_call_table" }, "no sys_call_table target")
        #expect(hex(table["va"]) == (try GroundTruthChecks.symbol("sys_call_table", in: guest).address))
        for target in targets {
            let name = target["symbol"] as? String ?? "?"
            var virtual = try #require(hex(target["va"]), "\(name): no va")
            let frames = try #require(target["frames"] as? [[String: Any]], "\(name): no frames")
            #expect(!frames.isEmpty, "\(name): no frames")
            for frame in frames {
                let gfn = try #require(hex(frame["gfn"]))
                let offset = try #require(frame["offset"] as? Int)
                let length = try #require(frame["length"] as? Int)
                let expected = try #require(await guest.gva2gpa(virtual), "QEMU cannot translate \(name)")
                #expect((gfn << 12) + UInt64(offset) == expected, "\(name) at 0x\(String(virtual, radix: 16))")
                virtual += UInt64(length)
            }
        }
    }

    private static func hex(_ value: Any?) -> UInt64? {
        guard let text = value as? String, text.hasPrefix("0x") else { return nil }
        return UInt64(text.dropFirst(2), radix: 16)
    }
}
