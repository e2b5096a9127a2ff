import Alerts
import Foundation
import Testing

/// Every alert a test in this target creates or receives goes through `checked`, which renders it
/// as JSON, parses it back with Foundation and checks it against `docs/alert.schema.json`: the
/// schema, the renderer and the documentation cannot drift apart unnoticed.
enum AlertSchema {
    /// The package root, from this file's place in it (Tests/AlertsTests/<file>).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let schemaURL = repositoryRoot.appending(path: "docs/alert.schema.json")
    static let documentURL = repositoryRoot.appending(path: "docs/alerts.md")

    static let checker: Result<SchemaChecker, SchemaLoadError> = {
        do { return .success(try SchemaChecker(contentsOf: schemaURL)) } catch {
            return .failure(SchemaLoadError(message: "cannot load \(schemaURL.path): \(error)"))
        }
    }()

    /// Records an issue for every schema violation (or unparsable JSON) of `alert`; returns the
    /// parsed JSON so callers can inspect fields.
    @discardableResult
    static func check(_ alert: Alert, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> JSONValue? {
        let line = JSONAlertRenderer.line(alert)
        do {
            let parsed = try JSONValue.parse(line)
            for violation in try checker.get().violations(of: parsed) {
                Issue.record("alert JSON breaks the schema: \(violation)\n\(line)", sourceLocation: sourceLocation)
            }
            return parsed
        } catch {
            Issue.record("alert JSON unusable: \(error)\n\(line)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// `check` for each alert; returns them unchanged, for chaining.
    @discardableResult
    static func checked(_ alerts: [Alert], sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [Alert] {
        for alert in alerts { check(alert, sourceLocation: sourceLocation) }
        return alerts
    }
}

struct SchemaLoadError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
