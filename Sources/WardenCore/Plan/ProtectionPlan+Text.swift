extension KernelFacts {
    /// `_text 0x… (KASLR slide 0x…), physical base 0x…, N-level paging`: the plan's first line, and
    /// what `warden run` logs when it attaches.
    public var summary: String {
        "_text \(hex(textBase)) (KASLR slide \(hex(kaslrSlide))), physical base \(hex(physicalBase)), "
            + "\(pagingLevels)-level paging"
    }
}

extension ProtectionPlan {
    /// The human-readable plan: one block per target, then warnings and a summary line.
    public func renderText() -> String {
        var lines: [String] = []
        lines.append("kernel: \(kernel.summary)")
        if let symbolSource { lines.append("symbols: \(symbolSource)") }
        for planned in targets {
            let target = planned.target
            lines.append("")
            lines.append(
                "\(target.extent)  \(target.action.rawValue)  \(PlanError.accessText(target))"
                    + (target.optional ? "  (optional)" : ""))
            let (space, start) = planned.virtualAddress.map { ("virtual", $0) } ?? ("physical", planned.frames.first?.physical ?? 0)
            lines.append(
                "  \(space) \(hex(start))-\(hex(start + planned.size)), \(planned.size) bytes (\(planned.sizeSource.rawValue))")
            lines.append("  rule \(target.rule) at \(target.location)")
            if !target.writers.isEmpty {
                lines.append("  trusted writers: " + target.writers.map(\.function).joined(separator: ", "))
            }
            if !target.exclusions.isEmpty {
                lines.append(
                    "  excluded bytes: "
                        + target.exclusions.map { "+\(hex($0.offset))..+\(hex($0.offset + $0.length))" }.joined(separator: ", "))
            }
            lines.append("  frames: " + describeFrames(planned))
        }
        for warning in warnings { lines.append("warning: \(warning)") }
        lines.append("")
        lines.append(
            "summary: \(targets.count) targets, \(distinctFrames) distinct guest frames, "
                + "\(warnings.count) optional targets absent")
        return lines.joined(separator: "\n") + "\n"
    }

    private func describeFrames(_ planned: PlannedTarget) -> String {
        if planned.frames.count <= 4 {
            return planned.frames.map { "gfn \(hex($0.gfn)) +\(hex($0.offset)) \($0.length) bytes" }
                .joined(separator: "; ")
        }
        let runs = planned.frameRuns
        let shown = runs.prefix(6).map { run in
            run.count == 1 ? "gfn \(hex(run.first))" : "gfn \(hex(run.first))-\(hex(run.first + UInt64(run.count) - 1))"
        }
        let more = runs.count > 6 ? ", … (\(runs.count - 6) more runs)" : ""
        return "\(planned.frames.count) frames in \(runs.count) run\(runs.count == 1 ? "" : "s"): " + shown.joined(separator: ", ") + more
    }
}
