import Foundation
import Glibc
import TestSupport
import Testing

/// Warden stopped by a signal in the middle of an attack, as an operator or systemd would stop it.
@Suite(.serialized) struct SignalTests {
    @Test(arguments: [SIGTERM, SIGINT, SIGHUP])
    func aSignalDuringAnAttackTearsDownAndReleasesEveryVCPU(signal: Int32) throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "warden-signal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Files, not pipes: nothing has to drain them while the test waits, so the alerts on stdout
        // can never fill a pipe and stall Warden.
        let output = directory.appending(path: "stdout").path
        let errors = directory.appending(path: "stderr").path
        for path in [output, errors] { try #require(FileManager.default.createFile(atPath: path, contents: nil)) }
        let process = Process()
        process.executableURL = BuiltWarden.executable
        process.arguments = ["demo", "--hold"]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        try process.run()
        defer {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        let seen = { "stderr:\n\(lastLines(ofFile: errors))\nstdout:\n\(lastLines(ofFile: output, count: 5))" }

        // Requests in flight when the signal lands: Warden protects, and a first denied write has
        // been alerted, so the rootkit's attack (restarted whenever the guest goes quiet) is under way.
        try waitUntil(
            "Warden to protect the guest and alert a denied write", deadline: .seconds(120),
            childEnded: { process.endDescription }, seen: seen
        ) { text(errors).contains("until a signal stops Warden") && text(output).contains("action=denied") }
        kill(process.processIdentifier, signal)
        try waitUntil("Warden to exit after signal \(signal)", deadline: .seconds(120), seen: seen) { !process.isRunning }
        process.waitUntilExit()

        let stderr = text(errors)
        #expect(process.terminationReason == .exit, "\(stderr)")
        #expect(process.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("sys_call_table unchanged: yes"))
        #expect(stderr.contains("guest released: altp2m off, views [], paused vCPUs 0, ring gone"))
        #expect(stderr.range(of: #"[1-9]\d* denied"#, options: .regularExpression) != nil, "at least one write was denied")
    }
}
