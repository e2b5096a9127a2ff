import Foundation
import Glibc
import TestSupport

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
            try waitUntilAProbeRoundTrips()
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

    /// The output file's lines once there are `count` of them besides the readiness probe
    /// (rsyslog writes asynchronously).
    func receivedLines(count: Int) throws -> [String] {
        var lines: [String] = []
        try wait(for: "\(count) messages besides the probe in \(outputPath)") {
            lines = self.outputLines().filter { !$0.contains(self.probeText) }
            return lines.count >= count
        }
        return lines
    }

    /// Waits until rsyslogd has written a probe message sent to its socket. Its socket file alone
    /// does not say the input thread reads or the output action writes, and a unix datagram
    /// queue holds only net.unix.max_dgram_qlen (10 by default) unread messages: a test that
    /// sends more before rsyslogd reads would block and hit the sink's send timeout.
    private func waitUntilAProbeRoundTrips() throws {
        var probeSent = false
        try wait(for: "rsyslogd to write a probe sent to \(socketPath) into \(outputPath)") {
            guard probeSent else {
                probeSent = Self.sendDatagram(self.probeMessage, to: self.socketPath)
                return false
            }
            return self.outputLines().contains { $0.contains(self.probeText) }
        }
    }

    /// A unique MSG, so the probe's line can be told from the test's messages.
    private let probeText = "warden readiness probe \(UUID().uuidString)"

    /// RFC 5424, daemon.debug, from this test's app-name, so the output rule writes it.
    private var probeMessage: String {
        "<31>1 2026-01-01T00:00:00.000000Z probe.example \(Self.appName) - probe - \(probeText)"
    }

    private func outputLines() -> [String] {
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// True when the datagram was queued; false while nothing is bound there yet or its queue is full.
    private static func sendDatagram(_ text: String, to path: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        let bytes = Array(text.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes {
                    sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT), socketAddress, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
        return sent == bytes.count
    }

    /// Polls `condition` (deadline generous: it only bounds a hang); fails at once if rsyslogd
    /// exits, and either way with rsyslogd's stderr.
    private func wait(for what: String, _ condition: () -> Bool) throws {
        try waitUntil(
            what, deadline: .seconds(120),
            childEnded: {
                guard let process = self.process else { return "never started" }
                return process.status.map(describeWaitStatus)
            },
            seen: { "rsyslogd's stderr:\n" + lastLines(ofFile: self.directory.file("stderr")) },
            condition: condition)
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
