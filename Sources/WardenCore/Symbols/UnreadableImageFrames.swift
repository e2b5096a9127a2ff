/// Frames of a kernel image that a kallsyms search could not read and searched as zeros, over every
/// copy it made. The search can still succeed (the tables were in other frames), so callers warn
/// rather than fail: a frame the hypervisor will not map is worth knowing about (issue 9).
public struct UnreadableImageFrames: Sendable, Equatable, CustomStringConvertible {
    private var frames: Set<UInt64> = []
    /// The first frame met, with the memory source's reason.
    public private(set) var first: CopyCoverage.UnreadableFrame?

    public init() {}

    public var isEmpty: Bool { frames.isEmpty }
    public var count: Int { frames.count }
    public var gfns: [UInt64] { frames.sorted() }

    mutating func record(_ coverage: CopyCoverage) {
        frames.formUnion(coverage.unreadableGFNs)
        if first == nil { first = coverage.firstUnreadable }
    }

    /// Names at most eight frames, then how many more.
    public var description: String {
        let shown = gfns.prefix(8).map(hex).joined(separator: ", ")
        let more = count > 8 ? " and \(count - 8) more" : ""
        let reason = first.map { " (\(hex($0.gfn)): \($0.error))" } ?? ""
        return "\(count) frame(s) of the kernel image could not be read and were searched as zeros: "
            + "gfn \(shown)\(more)\(reason)"
    }
}
