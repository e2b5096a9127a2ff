import Alerts
import Foundation
import Testing

@Suite struct AlertSchemaConformance {
    @Test func everySampleAlertConformsToTheSchemaFile() throws {
        _ = try AlertSchema.checker.get()
        // `make` already checked each; this states the expectation explicitly for the whole set.
        for alert in AlertSamples.variety + AlertSamples.findings {
            let parsed = try #require(AlertSchema.check(alert))
            #expect(parsed["schema"] == .integer(Int64(Alert.schemaVersion)))
        }
    }

    @Test func schemaDeclaresEveryMemberTheRendererCanEmit() throws {
        // additionalProperties:false at every level: a renderer field the schema lacks fails the check.
        // Every optional member at once, though `via` and `reason` never meet in one real alert.
        let full = AlertSamples.make(
            outcome: .logged, via: .emulation, reason: .emulationUnimplemented, written: AlertSamples.writtenBytes,
            after: ProtectedSnapshot(offset: 1, bytes: [1]), finding: AlertSamples.hookedEntry)
        var summary = full
        summary.repeats = 3
        summary.repeatedSince = AlertSamples.time
        let parsed = try #require(AlertSchema.check(summary))
        guard case .object(let members) = parsed else { throw JSONValueError(message: "not an object") }
        let documented = try declaredMembers()
        #expect(Set(members.keys).isSubset(of: documented))
        #expect(Set(members.keys) == documented, "a fully populated alert uses every top-level schema member")
    }

    @Test func alertDocumentMentionsEverySchemaField() throws {
        let document = try String(contentsOf: AlertSchema.documentURL, encoding: .utf8)
        let nested = ["domain.id", "domain.name", "target.symbol", "target.offset", "ripSymbol.symbol",
                      "ripSymbol.offset", "after.offset", "after.bytes", "finding.structure", "finding.index", "finding.found",
                      "finding.foundSymbol", "finding.foundRegion", "finding.foundAttributes", "finding.expected"]
        for field in try declaredMembers().sorted() + nested {
            #expect(document.contains("`\(field)`"), "docs/alerts.md does not document `\(field)`")
        }
    }

    @Test func checkerRejectsWhatTheSchemaForbids() throws {
        let checker = try AlertSchema.checker.get()
        let valid = try #require(AlertSchema.check(AlertSamples.make()))
        guard case .object(var members) = valid else { throw JSONValueError(message: "not an object") }
        #expect(checker.violations(of: valid).isEmpty)

        let broken: [(String, JSONValue)] = [
            ("gpa", .string("0X12")), ("gpa", .integer(12)), ("time", .string("2025-01-02T03:04:05Z")),
            ("action", .string("deny")), ("repeats", .integer(-1)), ("vcpu", .number(1.5)),
            ("old", .string("abc")), ("extra", .bool(true)), ("domain", .object(["id": .integer(1)])),
        ]
        for (name, value) in broken {
            var mutated = members
            mutated[name] = value
            #expect(!checker.violations(of: .object(mutated)).isEmpty, "schema accepted \(name) = \(value)")
        }
        members["rule"] = nil
        #expect(checker.violations(of: .object(members)) == ["$: required member rule is missing"])
    }

    /// Schema 2: an access alert still needs its vCPU, address and instruction; only a finding at
    /// attach goes without them, and it must say what it found.
    @Test func accessAlertsNeedVCPUAndRIPAndFindingsNeedTheirFinding() throws {
        let checker = try AlertSchema.checker.get()
        guard case .object(var access) = try #require(AlertSchema.check(AlertSamples.make())) else { return }
        access["rip"] = nil
        access["vcpu"] = nil
        #expect(
            checker.violations(of: .object(access)) == ["$: required member vcpu is missing", "$: required member rip is missing"])
        guard case .object(var found) = try #require(AlertSchema.check(AlertSamples.found(AlertSamples.hookedEntry))) else { return }
        #expect(found["vcpu"] == nil && found["rip"] == nil)
        found["finding"] = nil
        #expect(checker.violations(of: .object(found)) == ["$: required member finding is missing"])
    }

    @Test func checkerRefusesSchemasUsingKeywordsItDoesNotImplement() {
        for schema in [#"{"type":"object","oneOf":[]}"#, #"{"type":["string","null"]}"#,
                       #"{"properties":{"a":{"format":"date-time"}}}"#, #"{"additionalProperties":true}"#] {
            #expect(throws: JSONValueError.self) { try SchemaChecker(schema: JSONValue.parse(schema)) }
        }
    }

    private func declaredMembers() throws -> Set<String> {
        guard case .object(let properties) = try AlertSchema.checker.get().root["properties"] else {
            throw JSONValueError(message: "schema has no properties")
        }
        return Set(properties.keys)
    }
}
