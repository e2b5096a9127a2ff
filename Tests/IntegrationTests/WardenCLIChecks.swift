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
            timeout: .seconds(900))
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
        let plan = try await planJSON("linux-syscall-tables.yaml", guest, via: path)
        let targets = try #require(plan["targets"] as? [[String: Any]])
        let table = try #require(targets.first { $0["symbol"] as? String == "sys_call_table" }, "no sys_call_table target")
        #expect(hex(table["va"]) == (try GroundTruthChecks.symbol("sys_call_table", in: guest).address))
        try await expectFramesMatchQEMU(targets, guest, sampleEvery: 1)
    }

    /// `warden plan --json` with the whole kernel-core policy: every required target resolves on a
    /// real Debian kernel, each starts at the guest's own kallsyms address, and frames sampled
    /// across every target (kernel text alone spans thousands) are where QEMU's page walk puts them.
    static func kernelCorePlanResolvesEveryRequiredTarget(_ guest: RunningGuest, via path: WardenChecks.MemoryPath) async throws {
        let plan = try await planJSON("linux-kernel-core.yaml", guest, via: path)
        let targets = try #require(plan["targets"] as? [[String: Any]])
        let policy = try Policy.load(path: IntegrationEnvironment.repositoryRoot.appending(path: "policies/linux-kernel-core.yaml").path)
        let planned = Set(targets.compactMap { $0["symbol"] as? String })
        for required in policy.targets where !required.optional {
            #expect(planned.contains(required.extent.description), "required target \(required.extent) not planned")
        }
        for target in targets {
            let extent = try #require(target["symbol"] as? String)
            let first = String(extent.split(separator: ".").first ?? "").split(separator: "+").first.map(String.init) ?? extent
            #expect(hex(target["va"]) == (try GroundTruthChecks.symbol(first, in: guest).address), "\(extent) start")
        }
        try await expectFramesMatchQEMU(targets, guest, sampleEvery: 97)
    }

    static func planJSON(_ policyFile: String, _ guest: RunningGuest, via path: WardenChecks.MemoryPath) async throws -> [String: Any] {
        let policy = IntegrationEnvironment.repositoryRoot.appending(path: "policies/\(policyFile)").path
        let text = try await run(["plan", "--policy", policy] + guestArguments(path, of: guest) + ["--json"], in: guest)
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let kernel = try #require(plan["kernel"] as? [String: Any])
        #expect(hex(kernel["textBase"]) == (try GroundTruthChecks.symbol("_text", in: guest).address))
        #expect(kernel["pagingLevels"] as? Int == (guest.configuration.expectsFiveLevelPaging ? 5 : 4))
        return plan
    }

    /// Checks every `sampleEvery`-th frame of each target, plus its first and last, against gva2gpa.
    static func expectFramesMatchQEMU(_ targets: [[String: Any]], _ guest: RunningGuest, sampleEvery: Int) async throws {
        for target in targets {
            let name = target["symbol"] as? String ?? "?"
            var virtual = try #require(hex(target["va"]), "\(name): no va")
            let frames = try #require(target["frames"] as? [[String: Any]], "\(name): no frames")
            #expect(!frames.isEmpty, "\(name): no frames")
            for (index, frame) in frames.enumerated() {
                let length = try #require(frame["length"] as? Int)
                defer { virtual += UInt64(length) }
                guard index % sampleEvery == 0 || index == frames.count - 1 else { continue }
                let gfn = try #require(hex(frame["gfn"]))
                let offset = try #require(frame["offset"] as? Int)
                let expected = try #require(await guest.gva2gpa(virtual), "QEMU cannot translate \(name)")
                #expect((gfn << 12) + UInt64(offset) == expected, "\(name) at 0x\(String(virtual, radix: 16))")
            }
        }
    }

    private static func hex(_ value: Any?) -> UInt64? {
        guard let text = value as? String, text.hasPrefix("0x") else { return nil }
        return UInt64(text.dropFirst(2), radix: 16)
    }
}
