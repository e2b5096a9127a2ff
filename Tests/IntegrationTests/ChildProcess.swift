import Foundation
import Glibc
import TestSupport

/// Spawning and reaping the harness's helper processes without blocking the test's threads:
/// the cooperative pool has only as many threads as cores (2 here), so waits poll and sleep.
enum ChildProcess {
    /// Starts `executable` with its output written to `log` (or discarded); `standardOutput`, when
    /// given, takes stdout apart from the log.
    static func start(_ executable: URL, _ arguments: [String], log: URL? = nil, standardOutput: URL? = nil) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        func writing(to url: URL?) throws -> FileHandle {
            guard let url else { return FileHandle.nullDevice }
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw HarnessError.file("cannot create \(url.path)")
            }
            return try FileHandle(forWritingTo: url)
        }
        let logHandle = try writing(to: log)
        process.standardError = logHandle
        process.standardOutput = standardOutput == nil ? logHandle : try writing(to: standardOutput)
        try process.run()
        return process
    }

    /// True once `process` has exited; false if it is still running after `timeout`.
    static func waitForExit(_ process: Process, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return true
    }

    /// Runs a command to completion; a non-zero exit throws with the command's output.
    static func run(
        _ executable: URL, _ arguments: [String], log: URL, standardOutput: URL? = nil, timeout: Duration
    ) async throws {
        let process = try start(executable, arguments, log: log, standardOutput: standardOutput)
        let commandLine = ([executable.path] + arguments).joined(separator: " ")
        guard await waitForExit(process, timeout: timeout) else {
            kill(process.processIdentifier, SIGKILL)
            _ = await waitForExit(process, timeout: .seconds(5))
            // What it printed last says where it was stuck.
            let output = lastLines(ofFile: (standardOutput ?? log).path) + (standardOutput == nil ? "" : "\n" + lastLines(ofFile: log.path))
            throw HarnessError.commandFailed(commandLine, status: -1, output: "still running after \(timeout); last output:\n\(output)")
        }
        guard process.terminationStatus == 0 else {
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw HarnessError.commandFailed(commandLine, status: process.terminationStatus, output: output)
        }
    }

    /// SIGKILLs `process` and waits (bounded) until it is gone.
    static func kill9(_ process: Process) async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        _ = await waitForExit(process, timeout: .seconds(10))
    }

    /// A shell loop that SIGKILLs `pid` when this test process dies first (a crash or a kill -9
    /// skips every Swift cleanup path); it ends by itself when `pid` ends.
    static func startWatchdog(guarding pid: Int32) throws -> Process {
        let script = """
            while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
            kill -9 "$2" 2>/dev/null
            exit 0
            """
        return try start(URL(fileURLWithPath: "/bin/sh"), ["-c", script, "warden-qemu-watchdog", "\(getpid())", "\(pid)"])
    }

    /// The command line of a running process, or nil when there is no such process.
    static func commandLine(of pid: Int32) -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
        return String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }
}
