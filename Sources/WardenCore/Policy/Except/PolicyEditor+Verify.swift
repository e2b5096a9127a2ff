extension PolicyEditor {
    /// A target without its source locations, which every inserted line shifts.
    struct TargetShape: Equatable {
        var extent: TargetExtent
        var access: Set<ProtectedAccess>
        var action: PolicyAction
        var optional: Bool
        var writers: [String]
        var exclusions: [Range<UInt64>]

        init(_ target: ProtectedTarget) {
            extent = target.extent
            access = target.access
            action = target.action
            optional = target.optional
            writers = target.writers.map(\.function)
            exclusions = target.exclusions.map(\.range)
        }

        mutating func add(_ change: PolicyException.Change) {
            switch change {
            case .writer(let name): writers.append(name)
            case .exclusion(let offset, let length): exclusions.append(offset..<(offset + length))
            }
        }
    }

    /// The edited text must parse and say exactly what the original said plus the exception: a
    /// text edit that went wrong is caught here, before anything is written.
    static func verify(_ edited: String, file: String, original: Policy, exception: PolicyException) throws(PolicyError) {
        let result: Policy
        do { result = try Policy.parse(yaml: edited, file: file) } catch {
            let problems = error.diagnostics.map(\.description).joined(separator: "; ")
            throw failure(
                file, line: 1, "targets",
                "the edited policy would not be valid (\(problems)); the file is unchanged, add the exception by hand:\n"
                    + exception.entryLines().joined(separator: "\n"))
        }
        var expected = original.targets.map(TargetShape.init)
        if let index = original.targets.firstIndex(where: { $0.extent.identity == exception.target.extent.identity }) {
            expected[index].add(exception.change)
        } else {
            var added = TargetShape(exception.target)
            added.writers = []
            added.exclusions = []
            added.add(exception.change)
            expected.append(added)
        }
        guard result.name == original.name, result.description == original.description,
            result.targets.map(TargetShape.init) == expected
        else {
            throw failure(
                file, line: 1, "targets",
                "the edit would change more than the exception; the file is unchanged, add it by hand:\n"
                    + exception.entryLines().joined(separator: "\n"))
        }
    }
}
