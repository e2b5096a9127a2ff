import Foundation

/// Runs a tool to completion with `input` on its stdin and returns its status and its stdout and
/// stderr together (the tools the tests run report problems on either).
public enum ChildOutput {
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
    }

    public static func run(
        _ executable: String, _ arguments: [String], input: String = "", environment: [String: String]? = nil,
        directory: String? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        // The input from a file, not a pipe: a tool that exits without reading it cannot raise SIGPIPE here.
        let inputPath = FileManager.default.temporaryDirectory.appendingPathComponent("warden-input-\(UUID().uuidString)").path
        try Data(input.utf8).write(to: URL(fileURLWithPath: inputPath))
        defer { try? FileManager.default.removeItem(atPath: inputPath) }
        process.standardInput = FileHandle(forReadingAtPath: inputPath)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}
