import Alerts
import Dispatch
import Glibc
import Synchronization
import Testing

@Suite struct StandardOutputSinkLines {
    /// Runs `body` with the write end of a pipe whose read end another thread drains; returns
    /// everything written once the write end is closed.
    func capture(_ body: (Int32) throws -> Void) throws -> String {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw UnixSocketServer.Failure(description: "pipe: errno \(errno)") }
        let collector = PipeCollector(reading: ends[0])
        let result = Result { try body(ends[1]) }
        close(ends[1])
        let output = collector.finish()
        try result.get()
        return output
    }

    @Test(arguments: AlertFormat.allCases)
    func writesEachAlertAsOneNewlineTerminatedLine(format: AlertFormat) throws {
        let alerts = AlertSamples.variety
        let output = try capture { descriptor in
            let sink = StandardOutputSink(format: format, fileDescriptor: descriptor, destination: "test pipe")
            for alert in alerts { try sink.emit(alert) }
        }
        #expect(output == alerts.map { format.line($0) + "\n" }.joined())
    }

    @Test func issuesExactlyOneWriteCallPerAlertLine() throws {
        // A SOCK_SEQPACKET pair keeps the boundary of every write(2): one record per call.
        var ends: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0, &ends) == 0 else {
            throw UnixSocketServer.Failure(description: "socketpair: errno \(errno)")
        }
        defer { ends.forEach { close($0) } }
        let long = AlertSamples.make(outcome: .logged, after: ProtectedSnapshot(offset: 0, bytes: Array(repeating: 0x5a, count: 6000)))
        let alerts = AlertSamples.variety + [long]
        for format in AlertFormat.allCases {
            let sink = StandardOutputSink(format: format, fileDescriptor: ends[1], destination: "test socket")
            for alert in alerts {
                try sink.emit(alert)
                var record = [UInt8](repeating: 0, count: 65_536)
                let count = recv(ends[0], &record, record.count, Int32(MSG_DONTWAIT))
                #expect(count > 0 && String(decoding: record.prefix(count), as: UTF8.self) == format.line(alert) + "\n")
            }
        }
    }

    @Test func returnsBrokenPipeAsAnErrorInsteadOfDyingOfSIGPIPE() async {
        // In a child process with SIGPIPE at its default action (terminate), which the test runner
        // itself may not have: if the sink let the signal through, the child would die of it.
        await #expect(processExitsWith: .success) {
            signal(SIGPIPE, SIG_DFL)
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { exit(2) }
            close(ends[0])
            let sink = StandardOutputSink(format: .text, fileDescriptor: ends[1], destination: "closed pipe")
            do {
                try sink.emit(AlertSamples.make())
                exit(3)
            } catch let error as AlertSinkError {
                exit(error == .writeFailed(destination: "closed pipe", errno: EPIPE) && error.description.contains("reading process exited") ? 0 : 4)
            } catch {
                exit(5)
            }
        }
    }

    @Test func reportsAClosedDescriptor() {
        let sink = StandardOutputSink(format: .json, fileDescriptor: -1, destination: "nowhere")
        #expect(throws: AlertSinkError.writeFailed(destination: "nowhere", errno: EBADF)) { try sink.emit(AlertSamples.make()) }
    }
}

/// Reads a pipe to end-of-file on a Dispatch thread.
final class PipeCollector: Sendable {
    private let received = Mutex<[UInt8]>([])
    private let done = DispatchSemaphore(value: 0)
    private let descriptor: Int32

    init(reading descriptor: Int32) {
        self.descriptor = descriptor
        DispatchQueue.global().async { [self] in
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(descriptor, &chunk, chunk.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                received.withLock { $0 += chunk.prefix(count) }
            }
            done.signal()
        }
    }

    /// Waits for end-of-file (the caller has closed every write end), closes the read end.
    func finish() -> String {
        done.wait()
        close(descriptor)
        return received.withLock { String(decoding: $0, as: UTF8.self) }
    }
}
