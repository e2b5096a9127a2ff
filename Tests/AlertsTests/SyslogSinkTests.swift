import Alerts
import Glibc
import Testing

@Suite(.serialized) struct SyslogSinkDelivery {
    let format = SyslogMessageFormat(hostname: "dom0.example", processID: 4242)

    @Test func sendsOneRFC5424DatagramPerAlert() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try UnixSocketServer(path: directory.file("log"), type: SOCK_DGRAM)
        let sink = SyslogSink(socketPath: server.path, format: format)
        for alert in AlertSamples.variety { try sink.emit(alert) }
        #expect(sink.transport == .datagram)
        for alert in AlertSamples.variety {
            let datagram = try #require(try server.receiveDatagram())
            #expect(datagram == format.message(for: alert))
            #expect(try RFC5424Message(parsing: datagram).structuredData.first?["action"] == alert.outcome.rawValue)
        }
    }

    @Test func fallsBackToAStreamSocketWithOctetCountingFrames() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try UnixSocketServer(path: directory.file("log"), type: SOCK_STREAM)
        let sink = SyslogSink(socketPath: server.path, format: format)
        let alerts = [AlertSamples.make(), AlertSamples.make(outcome: .alerted, target: SymbolOffset(symbol: "línea\nnueva", offset: 1))]
        for alert in alerts { try sink.emit(alert) }
        #expect(sink.transport == .stream)
        for alert in alerts {
            // The frame length counts bytes, so a multi-byte name or a newline cannot split a message.
            #expect(try server.receiveFrame() == format.message(for: alert))
        }
    }

    @Test func reconnectsOnceWhenTheDaemonRestarted() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("log")
        let first = try UnixSocketServer(path: path, type: SOCK_DGRAM)
        let sink = SyslogSink(socketPath: path, format: format)
        try sink.emit(AlertSamples.make(vcpu: 1))
        #expect(try first.receiveDatagram() != nil)
        first.close()
        unlink(path)
        let second = try UnixSocketServer(path: path, type: SOCK_DGRAM)
        try sink.emit(AlertSamples.make(vcpu: 2))
        let datagram = try #require(try second.receiveDatagram())
        #expect(try RFC5424Message(parsing: datagram).structuredData.first?["vcpu"] == "2")
    }

    @Test func reportsAMissingSocketAsAnErrorValue() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = SyslogSink(socketPath: directory.file("absent"), format: format)
        let error = try #require(throws: AlertSinkError.self) { try sink.emit(AlertSamples.make()) }
        #expect(error == .connectFailed(path: directory.file("absent"), errno: ENOENT))
        #expect(error.description.contains("check that a syslog daemon"))
        #expect(sink.transport == nil)
    }

    @Test func reportsADeadDaemonsLeftoverSocketAsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try UnixSocketServer(path: directory.file("log"), type: SOCK_DGRAM)
        let sink = SyslogSink(socketPath: server.path, format: format)
        try sink.emit(AlertSamples.make())
        server.close()
        // The retry reconnects, is refused too, and the error says so: no second retry, no crash.
        #expect(throws: AlertSinkError.connectFailed(path: server.path, errno: ECONNREFUSED)) { try sink.emit(AlertSamples.make()) }
    }

    // The time limit catches an emit that blocks for ever; no elapsed-time check on the emits, whose
    // duration depends on the machine's load (speed goals belong in benchmarks).
    @Test(.timeLimit(.minutes(1))) func givesUpAfterTheSendTimeoutWhenTheDaemonStopsReading() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try UnixSocketServer(path: directory.file("log"), type: SOCK_DGRAM)
        let sink = SyslogSink(socketPath: server.path, format: format, sendTimeout: .milliseconds(200))
        var outcome: AlertSinkError?
        for _ in 0..<100_000 where outcome == nil {
            do { try sink.emit(AlertSamples.make()) } catch { outcome = error }
        }
        #expect(outcome == .timedOut(path: server.path, timeout: .milliseconds(200)))
        withExtendedLifetime(server) {}
    }

    @Test func treatsAZeroOrNegativeTimeoutAsOneMillisecondRatherThanForever() {
        #expect(SyslogSink(socketPath: "/dev/log", sendTimeout: .zero).sendTimeout == .milliseconds(1))
        #expect(SyslogSink(socketPath: "/dev/log", sendTimeout: .seconds(-5)).sendTimeout == .milliseconds(1))
        #expect(SyslogSink(socketPath: "/dev/log", sendTimeout: .seconds(2)).sendTimeout == .seconds(2))
    }

    @Test func refusesASocketPathLongerThanAUnixAddressHolds() {
        let path = "/tmp/" + String(repeating: "p", count: 200)
        #expect(throws: AlertSinkError.socketPathTooLong(path: path, limit: 107)) {
            try SyslogSink(socketPath: path, format: format).emit(AlertSamples.make())
        }
    }
}
