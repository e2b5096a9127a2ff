import Glibc

/// A child process started with posix_spawn and a clean signal state.
///
/// Foundation's `Process` passes on the spawning thread's signal mask, and Swift's worker
/// threads block SIGTERM (measured: rsyslogd started that way showed SigBlk with SIGTERM set and
/// sat out every SIGTERM). Here the child gets an empty mask and default dispositions.
final class ChildProcess {
    let pid: pid_t
    private var exitStatus: Int32?

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts `executable` with stdin and stdout on /dev/null and stderr appended to `stderrPath`.
    init(executable: String, arguments: [String], stderrPath: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard result == 0 else { throw Failure(description: "posix_spawn \(executable): errno \(result)") }
        pid = child
    }

    deinit { stop() }

    /// Whether the child still runs (reaps it once it has exited).
    var isRunning: Bool {
        guard exitStatus == nil else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exitStatus = status }
        return exitStatus == nil
    }

    /// The raw wait status once the child has exited.
    var status: Int32? { isRunning ? nil : exitStatus }

    /// SIGTERM, up to 5 s to exit, then SIGKILL; always reaps the child.
    func stop() {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        for _ in 0..<250 where isRunning { usleep(20_000) }
        if isRunning { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while exitStatus == nil {
            if waitpid(pid, &status, 0) == pid { exitStatus = status } else if errno != EINTR { break }
        }
    }
}
