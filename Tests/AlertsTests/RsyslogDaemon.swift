import Foundation
import Glibc

/// A private rsyslogd for one test: its config, input socket, output file and pid file live in a
/// temp directory; it never touches /dev/log or the system configuration, and needs no root.
///
/// The input parses RFC 5424 with rsyslog's own parser chain (the imuxsock special parser would
/// assume syslog(3)'s format), keeps the sender's hostname and timestamp, does not rate-limit,
/// and passes control characters through. mmpstrucdata then decodes the structured data, so the
/// output file holds, per message, rsyslog's reading of every header field, the raw SD, the MSG
/// and each SD parameter as rsyslog unescaped it: one JSON object per line.
final class RsyslogDaemon {
    static let appName = "warden-rsyslog-test"

    static var executable: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return (path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"])
            .map { $0 + "/rsyslogd" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let directory: TemporaryDirectory
    var socketPath: String { directory.file("log.sock") }
    var outputPath: String { directory.file("received.jsonl") }
    private var process: ChildProcess?

    init() throws {
        guard let executable = Self.executable else {
            throw Failure(description: "rsyslogd not found on PATH or in /usr/sbin (Debian package rsyslog)")
        }
        directory = try TemporaryDirectory()
        do {
            try configuration.write(toFile: directory.file("rsyslog.conf"), atomically: true, encoding: .utf8)
            process = try ChildProcess(
                executable: executable,
                arguments: ["-n", "-f", directory.file("rsyslog.conf"), "-i", directory.file("rsyslogd.pid")],
                stderrPath: directory.file("stderr"))
            try waitUntil("rsyslogd to create \(socketPath)") { FileManager.default.fileExists(atPath: self.socketPath) }
        } catch {
            stop()
            throw error
        }
    }

    /// Terminates rsyslogd (SIGKILL if it ignores SIGTERM for 5 s) and removes the directory.
    func stop() {
        process?.stop()
        directory.remove()
    }

    /// The output file's lines once there are `count` of them (rsyslog writes asynchronously).
    func receivedLines(count: Int) throws -> [String] {
        var lines: [String] = []
        try waitUntil("\(count) messages in \(outputPath)") {
            let text = (try? String(contentsOfFile: self.outputPath, encoding: .utf8)) ?? ""
            lines = text.split(separator: "\n").map(String.init)
            return lines.count >= count
        }
        return lines
    }

    /// Polls `condition` for up to 10 s; fails with rsyslogd's stderr when it stays false.
    private func waitUntil(_ what: String, _ condition: () -> Bool) throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            let running = process?.isRunning ?? false
            guard ContinuousClock.now < deadline, running else {
                let stderr = (try? String(contentsOfFile: directory.file("stderr"), encoding: .utf8)) ?? ""
                let state = running ? "still running" : "exited (wait status \(process?.status.map(String.init) ?? "unknown"))"
                throw Failure(description: "timed out waiting for \(what); rsyslogd \(state); its stderr: \(stderr)")
            }
            usleep(20_000)
        }
    }

    private var configuration: String {
        """
        global(workDirectory="\(directory.path)" parser.escapeControlCharactersOnReceive="off")
        module(load="imuxsock" SysSock.Use="off")
        module(load="mmpstrucdata")
        input(type="imuxsock" Socket="\(socketPath)" UseSpecialParser="off" ParseHostname="on"
              UseSysTimeStamp="off" IgnoreTimestamp="off" RateLimit.Interval="0")
        template(name="received" type="list" option.jsonf="on") {
            property(outname="protocol" name="protocol-version" format="jsonf")
            property(outname="facility" name="syslogfacility-text" format="jsonf")
            property(outname="severity" name="syslogseverity-text" format="jsonf")
            property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
            property(outname="hostname" name="hostname" format="jsonf")
            property(outname="appName" name="app-name" format="jsonf")
            property(outname="procid" name="procid" format="jsonf")
            property(outname="msgid" name="msgid" format="jsonf")
            property(outname="structuredData" name="structured-data" format="jsonf")
            property(outname="msg" name="msg" format="jsonf")
            property(outname="decoded" name="$!rfc5424-sd" format="jsonf")
        }
        if $app-name == "\(Self.appName)" then {
            action(type="mmpstrucdata" sd_name.lowercase="off")
            action(type="omfile" file="\(outputPath)" template="received")
        }

        """
    }
}
