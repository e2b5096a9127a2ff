import Glibc

/// Runs a program to completion and returns its exit status and peak resident set size, from
/// wait4(2)'s rusage: the way to compare our memory use with another tool's.
enum ChildProcess {
    struct Outcome {
        var status: Int32
        var maxResidentKiB: Int
    }

    /// Standard output goes to the file `standardOutput` when given, else nowhere.
    static func run(_ path: String, _ arguments: [String], standardOutput: String? = nil) -> Outcome? {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The tools print megabytes of symbols: send their output nowhere.
        posix_spawn_file_actions_addopen(&actions, 1, standardOutput ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { return nil }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            if errno != EINTR { return nil }
        }
        return Outcome(status: status, maxResidentKiB: usage.ru_maxrss)
    }
}
