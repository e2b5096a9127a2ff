import Alerts
import Enforcement
import Foundation
import Glibc
import Hypervisor
import Logging
import Synchronization
import UnixSignals
import WardenCore
import WardenMetrics

/// Runs one enforcement session on a dedicated thread (the ring loop blocks in poll and must not
/// hold a cooperative-pool thread), stopping on SIGINT, SIGTERM or SIGHUP or when `until` says so.
/// Teardown runs on that same thread, on every path.
enum EnforcementDriver {
    final class StopFlag: Sendable {
        private let stopped = Atomic<Bool>(false)
        func stop() { stopped.store(true, ordering: .releasing) }
        var isStopped: Bool { stopped.load(ordering: .acquiring) }
    }

    struct Outcome: Sendable {
        var statistics: ProtectionSession.Statistics
        var teardownFailures: [HypervisorError]
        /// Why the session stopped on its own: Xen stamped another vm_event interface version.
        var versionMismatch: VMEventVersionMismatch? = nil
    }

    /// - Parameter metrics: served and written from the session's counts (docs/metrics.md).
    /// - Parameter until: checked between ring waits on the session thread, besides the stop flag.
    static func run(
        session: ProtectionSession, alerts: AlertOutput, metrics: MetricsOutput? = nil,
        until: @escaping @Sendable () -> Bool = { false }
    ) async throws -> Outcome {
        let flag = StopFlag()
        unblockStopSignals()
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint, .sighup)
        let watcher = Task {
            for await _ in signals {
                flag.stop()
                ServiceNotification.send("STOPPING=1")
                return
            }
        }
        defer { watcher.cancel() }
        let measured = try metrics?.start(session)
        // After the session thread's last publication (it publishes before resuming us): the final
        // textfile tells whether the guest was released.
        defer { measured?.stop() }
        let box = SessionBox(session)
        let outcome: Result<Outcome, ProtectionSession.SetupError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                let session = box.session
                var publisher = measured?.publisher()
                let setUp = Result { () throws(ProtectionSession.SetupError) in try session.setUp() }
                if case .failure(let error) = setUp {
                    publisher?.publish(session, error.undoFailures.isEmpty ? .released : .incomplete(failedSteps: error.undoFailures.count))
                    continuation.resume(returning: .failure(error))
                    return
                }
                publisher?.publish(session, .protecting)
                // The readiness line: from here on every planned frame is restricted (tests and
                // service managers wait for it).
                let frames = session.engine.frames.accessByFrame.count
                Diagnostics.log.notice("protection active: \(frames) frames restricted in \(session.restrictedView)")
                ServiceNotification.send("READY=1\nSTATUS=protecting \(frames) frames of domain \(session.domain.name)")
                let failures = session.run(shouldStop: { flag.isStopped || until() }, afterPass: { publisher?.publishIfDue(session) })
                publisher?.publish(session, failures.isEmpty ? .released : .incomplete(failedSteps: failures.count))
                let outcome = Outcome(
                    statistics: session.statistics, teardownFailures: failures, versionMismatch: session.versionMismatch)
                continuation.resume(returning: .success(outcome))
            }
            thread.name = "warden-enforcement"
            thread.start()
        }
        alerts.flush()
        return try outcome.get()
    }

    /// A parent can start us with these signals blocked (Foundation's Process passes its mask on, and
    /// so do shells for background jobs); blocked, they would stay pending and the guest would stay
    /// protected with no way to stop us but SIGKILL. The enforcement thread inherits this mask.
    static func unblockStopSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, signal) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Hands the session to its thread: after that only the thread touches it.
    final class SessionBox: @unchecked Sendable {
        let session: ProtectionSession
        init(_ session: ProtectionSession) { self.session = session }
    }
}
