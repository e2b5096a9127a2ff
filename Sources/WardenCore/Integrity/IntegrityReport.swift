/// The result of checking one kernel structure.
public struct StructureResult: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// Checked: how many entries, and a line saying what was covered.
        case checked(entries: Int, note: String)
        /// An optional structure this kernel does not have (the ia32 and x32 tables since 2024).
        case absent
        /// The guest source cannot show it (an xl dump-core has no IDT register); not a finding.
        case unavailable(String)
        /// It should have been checked and could not be: the check cannot vouch for the guest.
        case notChecked(String)
    }

    public var structure: String
    public var outcome: Outcome
    public var differences: [IntegrityDifference]

    public init(structure: String, outcome: Outcome, differences: [IntegrityDifference] = []) {
        self.structure = structure
        self.outcome = outcome
        self.differences = differences
    }
}

/// What `KernelIntegrity.check` found: one result per structure, in a fixed order.
public struct IntegrityReport: Sendable, Hashable {
    public var results: [StructureResult]

    public init(results: [StructureResult]) {
        self.results = results
    }

    public var differences: [IntegrityDifference] { results.flatMap(\.differences) }

    /// Structures that should have been checked and could not be, with the reason.
    public var uncheckedReasons: [String] {
        results.compactMap { result in
            if case .notChecked(let reason) = result.outcome { "\(result.structure): \(reason)" } else { nil }
        }
    }

    /// No difference, and nothing that should have been checked was left unchecked.
    public var isClean: Bool { differences.isEmpty && uncheckedReasons.isEmpty }

    /// One line per structure, then one per difference, then a verdict line.
    public func renderText() -> String {
        var lines: [String] = []
        for result in results {
            switch result.outcome {
            case .checked(_, let note):
                let count = result.differences.count
                lines.append("\(result.structure): \(note): \(count == 0 ? "clean" : "\(count) difference\(count == 1 ? "" : "s")")")
            case .absent: lines.append("\(result.structure): not in this kernel")
            case .unavailable(let reason): lines.append("\(result.structure): not checked: \(reason)")
            case .notChecked(let reason): lines.append("\(result.structure): CANNOT CHECK: \(reason)")
            }
            lines += result.differences.map { "  \($0)" }
        }
        lines.append(verdict)
        return lines.joined(separator: "\n") + "\n"
    }

    /// `integrity: clean`, or what makes it not.
    public var verdict: String {
        if isClean { return "integrity: clean (0 differences)" }
        var parts: [String] = []
        if !differences.isEmpty { parts.append("\(differences.count) difference\(differences.count == 1 ? "" : "s")") }
        if !uncheckedReasons.isEmpty { parts.append("\(uncheckedReasons.count) structure\(uncheckedReasons.count == 1 ? "" : "s") not checked") }
        return "integrity: NOT CLEAN: " + parts.joined(separator: ", ")
    }
}

/// Attaching to a compromised guest must not bless the compromise (issue 12 §2): before Warden
/// protects anything it checks that the syscall tables and the IDT still lead to the kernel's own
/// code, using the guest's memory and the kernel's symbols at their running addresses.
public enum KernelIntegrity {
    /// Reads each structure through `space` (the kernel's page tables); never traps on guest data:
    /// what cannot be read or measured becomes a `notChecked` result.
    public static func check(space: AddressSpace, symbols: SymbolTable, registers: [VCPURegisters]) -> IntegrityReport {
        let tables = SyscallTableCheck.all.map { $0.run(space: space, symbols: symbols) }
        return IntegrityReport(results: tables + IDTCheck.run(space: space, symbols: symbols, registers: registers))
    }
}
