/// Why no plan was made. Nothing is applied when any required target fails.
public enum PlanError: Error, Sendable, CustomStringConvertible {
    /// Required targets whose symbols are missing, one message each.
    case unresolved([String])
    case conflict(first: ProtectedTarget, second: ProtectedTarget, overlapStart: UInt64)
    case translation(target: ProtectedTarget, RangeError)

    public var description: String {
        switch self {
        case .unresolved(let messages):
            (["cannot resolve \(messages.count) required target(s):"] + messages.map { "  " + $0 })
                .joined(separator: "\n")
        case .conflict(let first, let second, let overlapStart):
            "targets overlap at 0x\(String(overlapStart, radix: 16)) with different rules: "
                + "\(first.location) (\(first.extent), \(first.action.rawValue), \(Self.accessText(first))) and "
                + "\(second.location) (\(second.extent), \(second.action.rawValue), \(Self.accessText(second))); "
                + "give overlapping targets the same action and access, or drop one"
        case .translation(let target, let error):
            "\(target.location): \(target.extent) is not backed by guest memory: \(error)"
        }
    }

    static func accessText(_ target: ProtectedTarget) -> String {
        target.access.sorted().map(\.rawValue).joined(separator: "+")
    }
}
