import Foundation
import Glibc
import TestSupport

/// The built `warden` started in the background, its stdout and stderr in files (nothing has to drain
/// them while a test waits), stopped by a signal as an operator or systemd would.
final class BackgroundWarden {
    let directory: ScratchDirectory
    let process = Process()
    var errorsPath: String { directory.file("stderr") }
    var outputPath: String { directory.file("stdout") }

    init(_ arguments: [String], environment: [String: String] = [:], in directory: ScratchDirectory) throws {
        self.directory = directory
        for path in [outputPath, errorsPath] {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw ScratchDirectory.Failure(description: "create \(path)") }
        }
        process.executableURL = BuiltWarden.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorsPath))
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var errors: String { (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? "" }
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    var seen: String { "stderr:\n\(lastLines(ofFile: errorsPath))\nstdout:\n\(lastLines(ofFile: outputPath, count: 5))" }

    /// Waits (generously: a loaded 2-core machine) until `condition` holds while Warden runs.
    func waitUntil(_ what: String, _ condition: () throws -> Bool) throws {
        try TestSupport.waitUntil(what, deadline: .seconds(180), childEnded: { process.endDescription }, seen: { seen }, condition: condition)
    }

    /// Sends `signal` and waits for the exit; returns the exit status.
    func stop(_ signal: Int32 = SIGTERM) throws -> Int32 {
        kill(process.processIdentifier, signal)
        try TestSupport.waitUntil("warden to exit after signal \(signal)", deadline: .seconds(120), seen: { seen }) { !process.isRunning }
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
    }

    /// The counts of the summary line `warden run` and `warden demo` log at exit ("N events, D denied, …").
    var summary: (events: Int, denied: Int, alerts: Int)? {
        guard let match = errors.firstMatch(of: /(\d+) events, (\d+) denied, .* (\d+) alerts/) else { return nil }
        return (Int(match.1)!, Int(match.2)!, Int(match.3)!)
    }
}
