import Foundation

/// `warden run` in the lab's dom0, in the background: started, waited for (its readiness line),
/// stopped by a signal, its JSON alerts read back. One at a time, like the lab itself.
enum LabWarden {
    static let output = "/tmp/warden.alerts"
    static let errors = "/tmp/warden.err"
    static let pidFile = "/tmp/warden.pid"

    /// Starts `warden run` against the domU and returns once it reports protection active; throws
    /// with its stderr if it exits first.
    static func start(_ arguments: String) async throws {
        try await XenLab.check(
            "rm -f \(output) \(errors); warden run --domain domu \(arguments) --output json >\(output) 2>\(errors) & echo $! >\(pidFile)")
        try await waitFor(
            "grep -q 'protection active' \(errors)", what: "warden's readiness line", whileRunning: true)
    }

    /// Sends `signal` and waits for the process to exit; returns its stderr.
    @discardableResult
    static func stop(signal: String = "TERM") async throws -> String {
        try await XenLab.check("kill -\(signal) $(cat \(pidFile))")
        try await waitFor("! kill -0 $(cat \(pidFile)) 2>/dev/null", what: "warden's exit", whileRunning: false)
        return try await XenLab.check("cat \(errors)")
    }

    /// The alerts written so far, one decoded JSON object per line.
    static func alerts() async throws -> [[String: Any]] {
        let text = try await XenLab.check("cat \(output)")
        return try text.split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw HarnessError.unexpectedReply(command: "cat \(output)", reply: String(line))
            }
            return object
        }
    }

    /// Waits until alerts number at least `count` (the controller writes them as it decides).
    static func waitForAlerts(_ count: Int) async throws -> [[String: Any]] {
        try await waitFor("[ $(wc -l <\(output)) -ge \(count) ]", what: "\(count) alert(s)", whileRunning: true)
        return try await alerts()
    }

    /// Polls `condition` in dom0 (a shell test) until it holds; with `whileRunning`, warden exiting
    /// first is an error carrying its stderr. The deadline is in emulated seconds, generous.
    static func waitFor(_ condition: String, what: String, whileRunning: Bool) async throws {
        let alive = whileRunning ? "kill -0 $(cat \(pidFile)) 2>/dev/null || { echo \"warden exited:\"; cat \(errors); exit 3; }; " : ""
        let script = "i=0; while ! { \(condition); }; do \(alive)i=$((i+1)); [ $i -lt 1200 ] || { echo timeout; cat \(errors); exit 124; }; sleep 0.25; done"
        let result = try await XenLab.run(script)
        guard result.status == 0 else {
            throw HarnessError.commandFailed("waiting for \(what)", status: result.status, output: result.text)
        }
    }
}

/// `xen-state DOMID` (scripts/lab/probe) in dom0: altp2m, views, pause flag, ring.
struct LabXenState: Equatable, CustomStringConvertible {
    var fields: [String: String]

    static func read() async throws -> LabXenState {
        let text = try await XenLab.check("xen-state $(xl domid domu)")
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        return LabXenState(fields: fields)
    }

    /// What an untouched guest looks like: no altp2m, not paused, no monitor ring.
    var isReleased: Bool { fields["altp2m"] == "0" && fields["paused"] == "0" && fields["ring"] == "free" }
    var description: String { fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
}
