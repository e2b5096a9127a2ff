import WardenCore

/// Shared helpers for the policy suites.
enum PolicyTestSupport {
    /// Every diagnostic parsing `yaml` produces; empty when it parses.
    static func diagnostics(_ yaml: String, file: String = "test.yaml") -> [PolicyDiagnostic] {
        do throws(PolicyError) {
            _ = try Policy.parse(yaml: yaml, file: file)
            return []
        } catch {
            return error.diagnostics
        }
    }

    /// A valid header around target lines; the first target line is line 4 of the document.
    static func document(name: String = "test", targets: String) -> String {
        "warden-policy: 1\nname: \(name)\ntargets:\n" + targets
    }

    /// Diagnostics of a document whose only target is `target` (one line of flow mapping).
    static func targetDiagnostics(_ target: String) -> [PolicyDiagnostic] {
        diagnostics(document(targets: "  - \(target)\n"))
    }
}
