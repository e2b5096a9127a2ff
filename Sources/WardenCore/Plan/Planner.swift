/// Turns policy targets into guest frames: symbols → virtual range → page walk → frames.
public struct Planner {
    public let symbols: SymbolTable
    public let space: AddressSpace
    public let kernel: KernelFacts
    /// Added to every kernel (non-module) symbol address: the KASLR slide when symbols carry
    /// link-time addresses (System.map, vmlinux, an image), 0 when they came from the running kernel.
    public let symbolAdjustment: UInt64

    /// - Parameter symbols: any symbol table; if its `_text` differs from the running kernel's,
    ///   its kernel symbols are shifted by the difference (the KASLR slide).
    public init(symbols: SymbolTable, space: AddressSpace, kernel: KernelFacts) {
        self.symbols = symbols
        self.space = space
        self.kernel = kernel
        let fileText = symbols.symbol(named: "_text")?.address ?? kernel.textBase
        symbolAdjustment = kernel.textBase &- fileText
    }

    /// Where the symbols came from, with the KASLR slide when they were moved by it.
    public var sourceDescription: String {
        symbolAdjustment == 0
            ? symbols.origin.description
            : "\(symbols.origin) + KASLR slide 0x\(String(symbolAdjustment, radix: 16))"
    }

    func address(of name: String) -> UInt64? {
        guard let symbol = symbols.symbol(named: name) else { return nil }
        return symbol.module == nil ? symbol.address &+ symbolAdjustment : symbol.address
    }

    public func plan(_ targets: [ProtectedTarget]) throws(PlanError) -> ProtectionPlan {
        var planned: [PlannedTarget] = []
        var warnings: [String] = []
        var missing: [String] = []
        for target in targets {
            if let addressed = try plan(addressRange: target) {
                planned.append(addressed)
                continue
            }
            let absent = target.extent.symbolNames.filter { address(of: $0) == nil }
            if !absent.isEmpty {
                let message = "\(target.location): \(target.extent): symbol \(absent.joined(separator: ", ")) "
                    + "not found in \(symbols.origin)"
                if target.optional { warnings.append(message + " (optional, skipped)") } else { missing.append(message) }
                continue
            }
            guard let (start, size, source) = extent(of: target) else {
                missing.append("\(target.location): \(target.extent): empty or reversed range, or no size known")
                continue
            }
            // Only now is a symbol's size known, so only now can its exclusions be held against it.
            if let excluded = target.exclusions.first(where: { $0.offset + $0.length > size }) {
                throw .exclusionPastEnd(target: target, excluded: excluded, size: size, source: source)
            }
            let frames: [FrameSpan]
            do { frames = try space.frames(virtual: start, length: size) } catch {
                throw .translation(target: target, error)
            }
            planned.append(
                PlannedTarget(
                    target: target, virtualAddress: start, size: size, sizeSource: source,
                    symbolSource: sourceDescription, frames: frames))
        }
        guard missing.isEmpty else { throw .unresolved(missing) }
        try checkOverlaps(planned)
        try checkSharedFrames(planned)
        return ProtectionPlan(kernel: kernel, targets: planned, warnings: warnings)
    }

    /// Virtual start, size and where the size came from; nil when no positive size can be known.
    func extent(of target: ProtectedTarget) -> (UInt64, UInt64, SizeSource)? {
        switch target.extent {
        case .symbolWithLength(let name, let length):
            guard let start = address(of: name), length > 0 else { return nil }
            return (start, length, .policy)
        case .range(let from, let to):
            guard let start = address(of: from), let end = address(of: to), end > start else { return nil }
            return (start, end - start, .symbolRange)
        case .symbol(let name):
            guard let symbol = symbols.symbol(named: name), let start = address(of: name) else { return nil }
            if let size = symbol.size, size > 0 { return (start, size, .symbolSize) }
            guard let next = symbols.nextKernelAddress(after: symbol.address) else { return nil }
            return (start, next - symbol.address, .nextSymbol)
        case .virtual(let start, let length):
            return (start, length, .policy)
        case .physical:
            return nil
        }
    }

    /// Virtual overlaps, named by virtual address; `checkSharedFrames` then catches the rest.
    func checkOverlaps(_ planned: [PlannedTarget]) throws(PlanError) {
        let ordered = planned.compactMap { target in target.virtualAddress.map { (start: $0, planned: target) } }
            .sorted { $0.start < $1.start }
        for (index, current) in ordered.enumerated() {
            for later in ordered[(index + 1)...] {
                guard later.start < current.start + current.planned.size else { break }
                let (first, second) = (current.planned.target, later.planned.target)
                if first.action != second.action || first.access != second.access {
                    throw .conflict(first: first, second: second, overlapStart: later.start)
                }
            }
        }
    }
}
