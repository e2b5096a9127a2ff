import Glibc

/// Why a wait for a condition gave up: what was awaited, why the wait stopped, and what the
/// caller saw at that moment, so a failure on a loaded machine says more than "timed out".
public struct WaitFailure: Error, Equatable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// The deadline passed with the condition still false.
        case deadlinePassed(Duration)
        /// The child process the condition depends on ended first; the text is how it ended.
        case childEnded(String)
    }

    public var awaited: String
    public var reason: Reason
    /// The caller's account of the state at the failure: last output lines, files present, …
    public var seen: String

    public init(awaited: String, reason: Reason, seen: String) {
        self.awaited = awaited
        self.reason = reason
        self.seen = seen
    }

    public var description: String {
        let why =
            switch reason {
            case .deadlinePassed(let limit): "still not the case after \(limit)"
            case .childEnded(let exit): "the child process ended first (\(exit))"
            }
        return "waited for \(awaited): \(why)" + (seen.isEmpty ? "" : "; seen:\n\(seen)")
    }
}

/// Blocks the calling thread, polling `condition` every `poll`, until it holds. Throws
/// `WaitFailure` when `childEnded` reports the child gone (it returns nil while the child runs)
/// or when `deadline` passes; `seen` describes the state for that message.
///
/// Tests wait for what they need (a socket that answers, a file at its size, a line of output)
/// instead of sleeping for a time that a busy machine can exceed; the deadline is only a bound
/// for a hang, so callers pick it generously.
public func waitUntil(
    _ what: String, deadline: Duration = .seconds(120), poll: Duration = .milliseconds(20),
    childEnded: () -> String? = { nil }, seen: () -> String = { "" }, condition: () throws -> Bool
) throws {
    let end = ContinuousClock.now + deadline
    while try !holds(what, deadline, end, childEnded, seen, condition) {
        usleep(microseconds(poll))
    }
}

/// `waitUntil` for async callers: sleeps with `Task.sleep`, so the wait holds no thread of the
/// cooperative pool (two threads on a 2-core machine). It runs on the caller's actor
/// (`nonisolated(nonsending)`), so an actor's condition may read the actor's state.
nonisolated(nonsending) public func waitUntil(
    _ what: String, deadline: Duration = .seconds(120), poll: Duration = .milliseconds(20),
    childEnded: () -> String? = { nil }, seen: () -> String = { "" }, condition: () throws -> Bool
) async throws {
    let end = ContinuousClock.now + deadline
    while try !holds(what, deadline, end, childEnded, seen, condition) {
        try await Task.sleep(for: poll)
    }
}

/// One round of a wait: true when the condition holds, false to poll again.
private func holds(
    _ what: String, _ limit: Duration, _ end: ContinuousClock.Instant,
    _ childEnded: () -> String?, _ seen: () -> String, _ condition: () throws -> Bool
) throws -> Bool {
    if try condition() { return true }
    if let exit = childEnded() {
        // A child may meet the condition as its last act (a final line, then exit): look once more.
        if try condition() { return true }
        throw WaitFailure(awaited: what, reason: .childEnded(exit), seen: seen())
    }
    guard ContinuousClock.now < end else { throw WaitFailure(awaited: what, reason: .deadlinePassed(limit), seen: seen()) }
    return false
}

private func microseconds(_ duration: Duration) -> useconds_t {
    let (seconds, attoseconds) = duration.components
    return useconds_t(clamping: max(seconds * 1_000_000 + attoseconds / 1_000_000_000_000, 0))
}

/// How a child ended, from its raw `waitpid` status (glibc's WIFEXITED / WEXITSTATUS / WTERMSIG,
/// which Swift does not import because they are macros).
public func describeWaitStatus(_ status: Int32) -> String {
    let signal = status & 0x7f
    if signal == 0 { return "exit status \((status >> 8) & 0xff)" }
    if signal == 0x7f { return "stopped by signal \((status >> 8) & 0xff)" }
    return "killed by signal \(signal)"
}

/// The last `count` lines of the file at `path` (read from its last 64 KiB), for failure
/// messages; a file that cannot be read says so instead of failing the failure.
public func lastLines(ofFile path: String, count: Int = 20) -> String {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return "(\(path): \(String(cString: strerror(errno))))" }
    defer { close(descriptor) }
    let window = 64 << 10
    let size = lseek(descriptor, 0, SEEK_END)
    guard size >= 0, lseek(descriptor, max(size - off_t(window), 0), SEEK_SET) >= 0 else { return "(\(path): cannot seek)" }
    var bytes = [UInt8](repeating: 0, count: window)
    var filled = 0
    while filled < window {
        let count = bytes[filled...].withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0, errno == EINTR { continue }
        guard count > 0 else { break }
        filled += count
    }
    let text = String(decoding: bytes[..<filled], as: UTF8.self)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let trimmed = lines.last == "" ? lines.dropLast() : lines[...]
    return trimmed.suffix(count).joined(separator: "\n")
}
