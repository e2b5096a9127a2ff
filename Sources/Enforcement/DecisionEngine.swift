import Alerts
import WardenCore

/// Decides per trapped access from the plan and the kernel's symbols. Pure: no hypervisor here.
/// Everything a decision needs is precomputed into flat arrays at construction, so deciding is a
/// hash probe and a few comparisons, with no reference counting.
public struct DecisionEngine: Sendable {
    public let frames: ProtectedFrames
    public let symbols: SymbolTable
    // Visible to inlinable code: `decide` inlines into the raw event path of its callers.
    @usableFromInline let rules: [Rule]
    /// Trusted-writer functions as address ranges, all targets' in one array (`Rule.writers` slices it).
    @usableFromInline let writerRanges: [Range<UInt64>]
    /// Excluded bytes as offsets into their target, all targets' in one array (`Rule.exclusions` slices it).
    @usableFromInline let excludedRanges: [Range<UInt64>]

    @usableFromInline
    struct Rule: Sendable {
        @usableFromInline var trapsWrite: Bool
        @usableFromInline var trapsExecute: Bool
        @usableFromInline var action: PolicyAction
        @usableFromInline var writers: Range<Int>
        @usableFromInline var exclusions: Range<Int>
    }

    public init(frames: ProtectedFrames, symbols: SymbolTable) {
        self.frames = frames
        self.symbols = symbols
        var rules: [Rule] = []
        var ranges: [Range<UInt64>] = []
        var excluded: [Range<UInt64>] = []
        for planned in frames.plan.targets {
            let firstExclusion = excluded.count
            excluded += planned.target.exclusions.map(\.range)
            let first = ranges.count
            for writer in planned.target.writers {
                // A writer absent from this kernel just removes that exception.
                guard let symbol = symbols.symbol(named: writer.function), symbol.module == nil else { continue }
                let end = symbol.size.map { symbol.address + $0 } ?? symbols.nextKernelAddress(after: symbol.address)
                if let end, end > symbol.address { ranges.append(symbol.address..<end) }
            }
            rules.append(
                Rule(
                    trapsWrite: planned.target.access.contains(.write), trapsExecute: planned.target.access.contains(.execute),
                    action: planned.target.action, writers: first..<ranges.count,
                    exclusions: firstExclusion..<excluded.count))
        }
        self.rules = rules
        self.writerRanges = ranges
        self.excludedRanges = excluded
    }

    /// The address ranges of the target's trusted writers found in this kernel.
    public func trustedWriters(ofTarget index: Int) -> [Range<UInt64>] {
        Array(writerRanges[rules[index].writers])
    }

    /// The kernel function an instruction pointer is in, with the offset.
    public func function(containing rip: UInt64) -> SymbolOffset? {
        symbols.kernelSymbol(containing: rip).map { SymbolOffset(symbol: $0.symbol.name, offset: $0.offset) }
    }

    @inlinable
    public func decide(gfn: UInt64, offset: UInt64, access: ProtectedAccess, rip: UInt64) -> Verdict {
        guard let (index, offsetInTarget) = frames.targetIndex(gfn: gfn, offset: offset) else { return .allowOnce(.silent) }
        let rule = rules[index]
        guard access == .write ? rule.trapsWrite : rule.trapsExecute else { return .allowOnce(.silent) }
        // Excluded bytes belong to the deciding (smallest) target, so an enclosing target cannot
        // take the access back: the exception reads where it was written.
        for position in rule.exclusions where excludedRanges[position].contains(offsetInTarget) {
            return .allowOnce(.target(index, offset: offsetInTarget, outcome: .allowed))
        }
        if access == .write {
            for position in rule.writers where writerRanges[position].contains(rip) {
                return .allowOnce(.target(index, offset: offsetInTarget, outcome: .allowedTrustedWriter))
            }
        }
        switch rule.action {
        case .deny: return .deny(target: index, offset: offsetInTarget)
        case .allow: return .allowOnce(.target(index, offset: offsetInTarget, outcome: .allowed))
        case .alert: return .allowOnce(.target(index, offset: offsetInTarget, outcome: .alerted))
        case .log: return .allowOnce(.target(index, offset: offsetInTarget, outcome: .logged))
        }
    }
}
