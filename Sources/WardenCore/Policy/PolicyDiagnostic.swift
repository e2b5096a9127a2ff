/// One problem in a policy file: where it is, which field, what is wrong and what is allowed instead.
public struct PolicyDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// Line 0, column 0 means the file as a whole (it could not be read, or two files clash by name).
    public var location: SourceLocation
    /// Path of the offending field, such as `targets[2].length`; `yaml` for syntax errors, `file` for I/O.
    public var field: String
    public var message: String

    public init(location: SourceLocation, field: String, message: String) {
        self.location = location
        self.field = field
        self.message = message
    }

    public var description: String { "\(location): \(field): \(message)" }
}

/// Every problem found in one or more policy files. A policy with any diagnostic is never applied,
/// so the whole list is reported at once rather than one fix-and-retry round per mistake.
public struct PolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    public var diagnostics: [PolicyDiagnostic]

    public init(diagnostics: [PolicyDiagnostic]) {
        self.diagnostics = diagnostics
    }

    /// One `file:line:col: field: message` line per diagnostic.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

extension [PolicyDiagnostic] {
    /// File order, so the report reads top to bottom; ties keep the order they were found in.
    func sortedByLocation() -> [PolicyDiagnostic] {
        enumerated().sorted { lhs, rhs in
            let left = (lhs.element.location.line, lhs.element.location.column, lhs.offset)
            let right = (rhs.element.location.line, rhs.element.location.column, rhs.offset)
            return left < right
        }.map(\.element)
    }
}
