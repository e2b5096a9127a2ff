import Hypervisor

/// What setup changed in the guest, undone in reverse order on every exit path. Undo is best
/// effort: a failing step is recorded and the rest still run, so the guest ends unrestricted even
/// when one call fails.
struct UndoStack {
    private var steps: [(name: String, undo: () throws -> Void)] = []

    mutating func push(_ name: String, _ undo: @escaping () throws -> Void) {
        steps.append((name, undo))
    }

    var names: [String] { steps.map(\.name) }

    /// Runs every undo, newest first, and returns the failures.
    mutating func unwind() -> [HypervisorError] {
        var failures: [HypervisorError] = []
        while let step = steps.popLast() {
            do { try step.undo() } catch {
                failures.append(error as? HypervisorError ?? HypervisorError(operation: "\(step.name) (\(error))", errno: 22))
            }
        }
        return failures
    }
}
