import Alerts
import WardenCore

/// What Warden does with one trapped access. Carries the index of the deciding target in the
/// plan, not the target itself: this is built once per event on the hot path.
public enum Verdict: Sendable, Equatable {
    /// The write never happens: emulate it without its memory writes.
    case deny(target: Int, offset: UInt64)
    /// Let it happen once in the unrestricted view, single-stepping back.
    case allowOnce(Report)

    public enum Report: Sendable, Equatable {
        /// The access hit the unprotected part of a protected frame.
        case silent
        /// Allowed by the target's action or a trusted writer; `outcome` says which.
        case target(Int, offset: UInt64, outcome: AlertOutcome)
    }
}

/// Decides per trapped access from the plan and the kernel's symbols. Pure: no hypervisor here.
/// Everything a decision needs is precomputed into flat arrays at construction, so deciding is a
/// binary search and a few comparisons, with no reference counting.
public struct DecisionEngine: Sendable {
    public let frames: ProtectedFrames
    public let symbols: SymbolTable
    private let rules: [Rule]
    /// Trusted-writer functions as address ranges, all targets' in one array (`Rule.writers` slices it).
    private let writerRanges: [Range<UInt64>]

    struct Rule {
        var trapsWrite: Bool
        var trapsExecute: Bool
        var action: PolicyAction
        var writers: Range<Int>
    }

    public init(frames: ProtectedFrames, symbols: SymbolTable) {
        self.frames = frames
        self.symbols = symbols
        var rules: [Rule] = []
        var ranges: [Range<UInt64>] = []
        for planned in frames.plan.targets {
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
                    action: planned.target.action, writers: first..<ranges.count))
        }
        self.rules = rules
        self.writerRanges = ranges
    }

    /// The kernel function an instruction pointer is in, with the offset.
    public func function(containing rip: UInt64) -> SymbolOffset? {
        symbols.kernelSymbol(containing: rip).map { SymbolOffset(symbol: $0.symbol.name, offset: $0.offset) }
    }

    public func decide(gfn: UInt64, offset: UInt64, access: ProtectedAccess, rip: UInt64) -> Verdict {
        guard let (index, offsetInTarget) = frames.targetIndex(gfn: gfn, offset: offset) else { return .allowOnce(.silent) }
        let rule = rules[index]
        guard access == .write ? rule.trapsWrite : rule.trapsExecute else { return .allowOnce(.silent) }
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
