import Foundation

extension Process {
    /// Nil while the process runs; once it has ended, how: the text `waitUntil(childEnded:)` reports.
    public var endDescription: String? {
        guard !isRunning else { return nil }
        return terminationReason == .uncaughtSignal ? "killed by signal \(terminationStatus)" : "exit status \(terminationStatus)"
    }
}
