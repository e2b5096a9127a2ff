import Foundation
import Glibc
import TestSupport
import Testing

/// What systemd receives from the packaged `Type=notify` unit: READY=1 once protection is active,
/// STOPPING=1 when a stop signal arrives; read here from a datagram socket standing in for systemd's.
@Suite(.serialized) struct ServiceNotificationTests {
    final class NotifySocket {
        let descriptor: Int32
        let path: String

        init(_ path: String) throws {
            self.path = path
            descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard descriptor >= 0, bound == 0 else { throw ScratchDirectory.Failure(description: "bind \(path): errno \(errno)") }
        }

        deinit { close(descriptor) }

        /// The datagrams that arrived so far, without waiting.
        func received() -> [String] {
            var messages: [String] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                guard count > 0 else { return messages }
                messages.append(String(decoding: buffer.prefix(count), as: UTF8.self))
            }
        }
    }

    @Test func readyIsSentWithTheReadinessLineAndStoppingOnSIGTERM() throws {
        let directory = try ScratchDirectory("notify")
        defer { directory.remove() }
        let notify = try NotifySocket(directory.file("notify.sock"))
        let warden = try BackgroundWarden(["demo", "--hold"], environment: ["NOTIFY_SOCKET": notify.path], in: directory)
        var messages: [String] = []
        try warden.waitUntil("READY=1 on the notify socket") {
            messages += notify.received()
            return !messages.isEmpty
        }
        #expect(warden.errors.contains("protection active: "), "READY=1 only after the readiness line")
        let frames = try #require(warden.errors.firstMatch(of: /protection active: (\d+) frames/)?.1)
        #expect(messages == ["READY=1\nSTATUS=protecting \(frames) frames of domain demo"])
        #expect(try warden.stop(SIGTERM) == 0, "\(warden.seen)")
        #expect(notify.received() == ["STOPPING=1"])
    }

    @Test func withoutNotifySocketNothingIsSentAndAnInvalidOneIsOnlyAWarning() throws {
        let directory = try ScratchDirectory("notify")
        defer { directory.remove() }
        let plain = try BuiltWarden.run(["demo"])
        #expect(plain.status == 0 && !plain.standardError.contains("NOTIFY_SOCKET"))
        let warden = try BackgroundWarden(["demo"], environment: ["NOTIFY_SOCKET": "relative/path"], in: directory)
        try TestSupport.waitUntil("the demo to finish", deadline: .seconds(180), seen: { warden.seen }) { !warden.process.isRunning }
        warden.process.waitUntilExit()
        #expect(warden.process.terminationStatus == 0, "\(warden.seen)")
        #expect(warden.errors.contains("NOTIFY_SOCKET relative/path: neither a path nor an abstract socket; not notifying"))
    }
}
