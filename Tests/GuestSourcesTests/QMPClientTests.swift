import Foundation
import Glibc
import Testing

@testable import GuestSources

/// The client against a scripted peer on a socket pair: the peer's lines are queued before the
/// client reads, so each test is deterministic. Request ids start at 1 (qmp_capabilities).
@Suite struct QMPClientTests {
    static let greeting = #"{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}}, "capabilities": ["oob"]}}"#

    /// Returns the client end (wrapped) and the peer's descriptor, or nil when socketpair fails.
    func pair(script: [String]) throws -> (QMPSocket, Int32) {
        var fds: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        let text = script.map { $0 + "\n" }.joined()
        let written = Array(text.utf8).withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        try #require(written == text.utf8.count)
        return (QMPSocket(connectedDescriptor: fds[0], name: "test.sock"), fds[1])
    }

    @Test func eventsAndStaleRepliesAreSetAsideUntilTheReplyArrives() throws {
        let (socket, peer) = try pair(script: [
            Self.greeting, #"{"return": {}, "id": 1}"#,
            #"{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 2}}"#,
            #"{"return": "stale", "id": 99}"#,
            #"{"return": "CPU#0\r\nEIP=0000fff0\r\n", "id": 2}"#,
        ])
        defer { close(peer) }
        let client = try QMPClient(socket: socket, timeout: .seconds(5))
        #expect(client.qemuVersion["major"] as? Int == 7)
        #expect(try client.hmp("info registers") == "CPU#0\r\nEIP=0000fff0\r\n")
        #expect(client.events.count == 1)
        #expect(client.events.first?["event"] as? String == "STOP")
    }

    @Test func qemuErrorsKeepTheirClassAndDescription() throws {
        let (socket, peer) = try pair(script: [
            Self.greeting, #"{"return": {}, "id": 1}"#,
            #"{"error": {"class": "CommandNotFound", "desc": "The command bogus has not been found"}, "id": 2}"#,
        ])
        defer { close(peer) }
        let client = try QMPClient(socket: socket, timeout: .seconds(5))
        #expect(throws: QMPError.commandFailed(
            command: "bogus", errorClass: "CommandNotFound", description: "The command bogus has not been found")
        ) { try client.execute("bogus") }
    }

    // The time limit, not an elapsed-time check, catches a hang: how long the 200 ms timeout takes
    // to fire depends on the machine's load, and speed goals belong in benchmarks.
    @Test(.timeLimit(.minutes(1))) func silentPeerTimesOutInsteadOfHanging() throws {
        let (socket, peer) = try pair(script: [])
        defer { close(peer) }
        #expect(throws: QMPError.timeout(socket: "test.sock", waitingFor: "the QMP greeting")) {
            try QMPClient(socket: socket, timeout: .milliseconds(200))
        }
    }

    @Test func garbageAndClosedPeersAreErrors() throws {
        let (socket, peer) = try pair(script: ["this is not json"])
        defer { close(peer) }
        do {
            _ = try QMPClient(socket: socket, timeout: .seconds(2))
            Issue.record("garbage accepted")
        } catch {
            guard case .protocolViolation(_, let detail) = error else { throw error }
            #expect(detail.contains("this is not json"))
        }
        let (closing, closingPeer) = try pair(script: [Self.greeting])
        close(closingPeer)
        #expect(throws: QMPError.closed(socket: "test.sock")) { try QMPClient(socket: closing, timeout: .seconds(2)) }
    }

    @Test func hmpReplyThatIsNotTextIsAnError() throws {
        let (socket, peer) = try pair(script: [Self.greeting, #"{"return": {}, "id": 1}"#, #"{"return": {}, "id": 2}"#])
        defer { close(peer) }
        let client = try QMPClient(socket: socket, timeout: .seconds(5))
        #expect(throws: QMPError.self) { try client.hmp("info mtree -f") }
    }

    @Test func missingSocketNamesTheExpectedQemuOption() {
        do {
            _ = try QMPClient(socketPath: "/nonexistent/qmp.sock", timeout: .seconds(1))
            Issue.record("connected to nothing")
        } catch {
            #expect(error.description.contains("-qmp unix:/nonexistent/qmp.sock,server,nowait"))
        }
    }
}
