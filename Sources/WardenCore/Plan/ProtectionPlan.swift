/// Where a target's size came from; the plan says which, so a reader can judge it.
public enum SizeSource: String, Sendable, Hashable {
    case policy = "policy length"
    case symbolSize = "symbol size"
    case nextSymbol = "up to next symbol"
    case symbolRange = "symbol range"
}

/// The kernel facts a plan was made against.
public struct KernelFacts: Sendable, Equatable {
    public var textBase: UInt64
    public var kaslrSlide: UInt64
    public var physicalBase: UInt64
    public var pagingLevels: Int

    public init(textBase: UInt64, kaslrSlide: UInt64, physicalBase: UInt64, pagingLevels: Int) {
        self.textBase = textBase
        self.kaslrSlide = kaslrSlide
        self.physicalBase = physicalBase
        self.pagingLevels = pagingLevels
    }

    public init(_ located: LocatedKernel) {
        self.init(
            textBase: located.textBase, kaslrSlide: located.kaslrSlide, physicalBase: located.physicalBase,
            pagingLevels: located.pagingLevels)
    }
}

/// One policy target resolved down to the guest frames that hold it.
public struct PlannedTarget: Sendable, Equatable {
    public var target: ProtectedTarget
    /// Runtime virtual address of the first protected byte; nil for a `physical:` range, which
    /// names frames directly.
    public var virtualAddress: UInt64?
    public var size: UInt64
    public var sizeSource: SizeSource
    /// Where the addresses came from; includes the KASLR adjustment when one was applied. For an
    /// address range, that the policy gave the address.
    public var symbolSource: String
    public var frames: [FrameSpan]

    /// Contiguous runs of guest frames, for a readable summary: (first gfn, count).
    public var frameRuns: [(first: UInt64, count: Int)] {
        var runs: [(first: UInt64, count: Int)] = []
        for span in frames {
            if let last = runs.last, last.first + UInt64(last.count) == span.gfn {
                runs[runs.count - 1].count += 1
            } else {
                runs.append((span.gfn, 1))
            }
        }
        return runs
    }
}

/// The result of `warden plan`: every target with its frames, and the optional targets left out.
public struct ProtectionPlan: Sendable, Equatable {
    public var kernel: KernelFacts
    public var targets: [PlannedTarget]
    /// Optional targets whose symbols this kernel lacks, one message each.
    public var warnings: [String]

    public init(kernel: KernelFacts, targets: [PlannedTarget], warnings: [String]) {
        self.kernel = kernel
        self.targets = targets
        self.warnings = warnings
    }

    /// Where the plan's symbol addresses came from; nil when every target is an address range.
    public var symbolSource: String? {
        targets.first { !$0.target.extent.symbolNames.isEmpty }?.symbolSource
    }

    /// Distinct guest frames the plan protects.
    public var distinctFrames: Int { Set(targets.flatMap { $0.frames.map(\.gfn) }).count }
}
