/// Why no plan was made. Nothing is applied when any required target fails.
public enum PlanError: Error, Sendable, CustomStringConvertible {
    /// Required targets whose symbols are missing, one message each.
    case unresolved([String])
    case conflict(first: ProtectedTarget, second: ProtectedTarget, overlapStart: UInt64)
    case translation(target: ProtectedTarget, RangeError)
    /// Two targets share guest-physical bytes (found by frame, not by virtual address) with different rules.
    case frameConflict(first: ProtectedTarget, second: ProtectedTarget, physical: UInt64)
    /// A `physical:` range the guest cannot hold.
    case addressRange(target: ProtectedTarget, String)
    /// An exclusion past the end of a target whose size only the guest's symbols told.
    case exclusionPastEnd(target: ProtectedTarget, excluded: ExcludedBytes, size: UInt64, source: SizeSource)

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
        case .frameConflict(let first, let second, let physical):
            "targets share guest-physical bytes at \(hex(physical)) with different rules: "
                + "\(first.location) (\(first.extent), \(first.action.rawValue), \(Self.accessText(first))) and "
                + "\(second.location) (\(second.extent), \(second.action.rawValue), \(Self.accessText(second))); "
                + "give targets on the same frames the same action and access, or drop one"
        case .addressRange(let target, let reason):
            "\(target.location): \(target.extent): \(reason)"
        case .exclusionPastEnd(let target, let excluded, let size, let source):
            "\(excluded.location): exclude: bytes \(hex(excluded.offset))..\(hex(excluded.offset + excluded.length)) run "
                + "past the end of \(target.extent), which is \(size) bytes in this kernel (\(source.rawValue)); "
                + "exclude only bytes inside the target"
        }
    }

    static func accessText(_ target: ProtectedTarget) -> String {
        target.access.sorted().map(\.rawValue).joined(separator: "+")
    }
}
