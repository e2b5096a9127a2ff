import Foundation
import Glibc

/// Runs a program to completion and returns its exit status and peak resident set size: the way
/// to compare our memory use with another tool's. The program runs under `peak-rss` (built next to
/// this binary), so that its peak is its own and not this large process's size at spawn.
enum ChildProcess {
    struct Outcome {
        var status: Int32
        var maxResidentKiB: Int
    }

    /// Standard output goes to the file `standardOutput` when given, else nowhere.
    static func run(_ path: String, _ arguments: [String], standardOutput: String? = nil) -> Outcome? {
        guard let helper = sibling("peak-rss") else { return nil }
        let result = "/tmp/warden-peak-rss-\(getpid())"
        defer { unlink(result) }
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The tools print megabytes of symbols: send their output nowhere.
        posix_spawn_file_actions_addopen(&actions, 1, standardOutput ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([helper, result, path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, helper, &actions, nil, argv, environ) == 0 else { return nil }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return nil }
        }
        guard status == 0, let text = try? String(contentsOfFile: result, encoding: .utf8) else { return nil }
        let fields = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        guard fields.count == 2, let childStatus = Int32(exactly: fields[0]) else { return nil }
        return Outcome(status: childStatus, maxResidentKiB: fields[1])
    }

    /// This binary's path.
    static var executable: String? {
        var path = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &path, path.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: path[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A program built next to this binary.
    static func sibling(_ name: String) -> String? {
        guard let executable, let slash = executable.lastIndex(of: "/") else { return nil }
        let path = String(executable[...slash]) + name
        return access(path, X_OK) == 0 ? path : nil
    }
}
