import Foundation
import Testing

/// Every fuzz target (the nested package in Fuzz/, run by scripts/fuzz) replays its seed corpus and
/// then fuzzes for a few seconds: a change that makes one of Warden's readers of hostile input trap,
/// hang or exhaust memory on those inputs, or on what a short random budget finds, fails the suite.
/// The long campaigns are run by hand (README "Fuzzing").
@Suite struct FuzzCorpusTests {
    /// libFuzzer's runtime in the toolchain that runs this suite (clang's compiler-rt, next to swiftc).
    static var libFuzzerRuntime: URL? {
        guard let swiftc = IntegrationEnvironment.executable(named: "swiftc") else { return nil }
        let clang = swiftc.resolvingSymlinksInPath().deletingLastPathComponent().appending(path: "../lib/clang").standardized
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: clang.path)) ?? []
        return versions.map { clang.appending(path: "\($0)/lib/linux/libclang_rt.fuzzer-x86_64.a") }
            .first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// Ten targets at six seconds each: about a minute of fuzzing, after a cold instrumented build
    /// of the Fuzz package (about five minutes on two idle cores).
    @Test(
        .enabled(
            if: IntegrationEnvironment.isCI || libFuzzerRuntime != nil,
            "the Swift toolchain has no libFuzzer runtime (libclang_rt.fuzzer-x86_64.a beside swiftc)"))
    func everyFuzzTargetRunsItsCorpusWithoutAFinding() async throws {
        // Under the Fuzz package's build directory (ignored by git), so findings outlive the test; the
        // working corpus is dropped first, so each run starts from the seeds alone.
        let work = IntegrationEnvironment.repositoryRoot.appending(path: "Fuzz/.build/suite")
        try? FileManager.default.removeItem(at: work.appending(path: "corpus"))
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        do {
            try await ChildProcess.run(
                IntegrationEnvironment.repositoryRoot.appending(path: "scripts/fuzz"),
                ["--seconds", "6", "--timeout", "120", "--work", work.path], log: work.appending(path: "fuzz.log"), timeout: .seconds(45 * 60))
        } catch {
            // The output's table names each finding's file under Fuzz/.build/suite/findings.
            Issue.record("scripts/fuzz found a problem or failed: \(error)")
        }
    }
}
