import ArgumentParser
import Enforcement
import Logging
import Synchronization
import WardenMetrics

/// `--metrics ADDR` and `--metrics-file PATH` (docs/metrics.md).
struct MetricsOptions: ParsableArguments {
    @Option(
        name: .customLong("metrics"),
        help: ArgumentHelp(
            "Serve Prometheus metrics over HTTP (GET /metrics) at HOST:PORT (HOST defaults to 127.0.0.1) or unix:PATH.",
            valueName: "addr"))
    var address: String?

    @Option(
        name: .customLong("metrics-file"),
        help: ArgumentHelp(
            "Write the metrics for node_exporter's textfile collector (a .prom file), atomically, at start, every --metrics-interval and at exit.",
            valueName: "path"))
    var file: String?

    @Option(name: .customLong("metrics-interval"), help: "Seconds between --metrics-file writes.")
    var interval: Double = 15

    /// `--metrics`, parsed (`validate` has rejected what does not parse).
    var parsedAddress: MetricsAddress? { address.flatMap { try? MetricsAddress(parsing: $0) } }

    func validate() throws {
        if let address {
            do throws(MetricsAddress.ParseError) { _ = try MetricsAddress(parsing: address) } catch { throw ValidationError(error.description) }
        }
        guard interval >= 0.1, interval <= 86_400 else { throw ValidationError("--metrics-interval must be 0.1 to 86400 seconds") }
    }
}

/// The metrics outputs of one run. Made before Warden touches the guest, so that a busy address or an
/// unwritable directory fails first; `start` then serves a board until `stop`.
final class MetricsOutput: Sendable {
    private let listener: MetricsListener?
    private let textfile: MetricsTextfile?
    private let interval: Duration

    /// Nil when neither option was given.
    static func make(_ options: MetricsOptions) throws -> MetricsOutput? {
        guard options.address != nil || options.file != nil else { return nil }
        return try MetricsOutput(options)
    }

    private init(_ options: MetricsOptions) throws {
        do {
            listener = try options.parsedAddress.map { address throws(MetricsListener.Failure) in try MetricsListener(address) }
            textfile = try options.file.map { path throws(MetricsTextfile.Failure) in try MetricsTextfile(path: path) }
        } catch let failure as MetricsListener.Failure {
            throw RuntimeFailure(failure.description)
        } catch let failure as MetricsTextfile.Failure {
            throw RuntimeFailure(failure.description)
        }
        interval = .milliseconds(Int(options.interval * 1000))
        if let listener {
            let url = if case .tcp = listener.address { "http://\(listener.address)/metrics" } else { "\(listener.address) (HTTP, /metrics)" }
            Diagnostics.log.notice("metrics: Prometheus text format 0.0.4 at \(url)")
        }
        if let textfile {
            Diagnostics.log.notice("metrics: writing \(textfile.path) every \(options.interval) s and at exit")
            if !textfile.collectorReadsIt {
                Diagnostics.log.warning("metrics: node_exporter's textfile collector reads only files ending in .prom")
            }
        }
    }

    /// A run being measured: its board, the listener serving it, and the periodic textfile writes.
    final class Running: Sendable {
        private let output: MetricsOutput
        private let run: RunSnapshot.Run
        private let board: MetricsBoard
        private let writer: TextfileWriter?
        private let periodic: Task<Void, Never>?

        fileprivate init(_ output: MetricsOutput, _ board: MetricsBoard, _ run: RunSnapshot.Run) {
            self.output = output
            self.board = board
            self.run = run
            let writer = output.textfile.map { TextfileWriter($0, board) }
            self.writer = writer
            periodic = writer.map { writer in
                Task { [interval = output.interval] in
                    while !Task.isCancelled {
                        writer.write()
                        try? await Task.sleep(for: interval)
                    }
                }
            }
        }

        /// The session's thread publishes through this (`MetricsPublisher`).
        func publisher() -> MetricsPublisher { MetricsPublisher(board: board, run: run) }

        /// The last textfile write (with the final state the session published) and the listener's end.
        func stop() {
            periodic?.cancel()
            writer?.write()
            output.listener?.stop()
        }
    }

    /// The periodic write and the final one share the temporary file: one at a time.
    final class TextfileWriter: Sendable {
        private let textfile: MetricsTextfile
        private let board: MetricsBoard
        private let writing = Mutex(())

        init(_ textfile: MetricsTextfile, _ board: MetricsBoard) {
            self.textfile = textfile
            self.board = board
        }

        /// A failed write is logged, not fatal: protection matters more than its metrics.
        func write() {
            writing.withLock { _ in
                do { try textfile.write(board.render()) } catch { Diagnostics.log.error("\(error)") }
            }
        }
    }

    func start(_ session: ProtectionSession) throws -> Running {
        let run = RunSnapshot.Run(session: session, version: Warden.configuration.version)
        let board = MetricsBoard(RunSnapshot(run: run, session: session, state: .starting))
        do { try listener?.serve(board) } catch { throw RuntimeFailure(error.description) }
        return Running(self, board, run)
    }
}
