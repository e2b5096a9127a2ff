import Foundation
import Glibc
import Testing

/// Warden stopped by a signal in the middle of an attack, as an operator or systemd would stop it.
@Suite(.serialized) struct SignalTests {
    /// Waits (bounded) until `text` appears in what `pipe` has delivered so far.
    static func wait(for text: String, in pipe: Pipe, collected: inout String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        let descriptor = pipe.fileHandleForReading.fileDescriptor
        while Date() < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let data = pipe.fileHandleForReading.availableData
            if data.isEmpty { return collected.contains(text) }
            collected += String(decoding: data, as: UTF8.self)
            if collected.contains(text) { return true }
        }
        return false
    }

    @Test(arguments: [SIGTERM, SIGINT, SIGHUP])
    func aSignalDuringAnAttackTearsDownAndReleasesEveryVCPU(signal: Int32) throws {
        let process = Process()
        process.executableURL = BuiltWarden.executable
        process.arguments = ["demo", "--hold"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        var stderr = ""
        #expect(Self.wait(for: "until a signal stops Warden", in: errors, collected: &stderr, seconds: 30), "\(stderr)")
        usleep(300_000)  // let the rootkit keep requests in flight
        kill(process.processIdentifier, signal)
        #expect(Self.wait(for: "ring gone", in: errors, collected: &stderr, seconds: 30), "\(stderr)")
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        #expect(stderr.contains("sys_call_table unchanged: yes"))
        #expect(stderr.contains("guest released: altp2m off, views [], paused vCPUs 0, ring gone"))
        #expect(stderr.range(of: #"\d+ denied"#, options: .regularExpression) != nil)
    }
}
