import Alerts
import Testing
import WardenCore

/// Reading alerts back from their JSON lines (`warden except`'s input).
@Suite struct AlertJSONLineReaderTests {
    @Test func everyRenderedAlertReadsBackAsTheSameAlert() throws {
        var summary = AlertSamples.make(outcome: .alerted, written: AlertSamples.writtenBytes)
        summary.repeats = 41
        summary.repeatedSince = AlertTimestamp(seconds: 1_735_787_000, microseconds: 7)
        for alert in AlertSamples.variety + [summary] {
            #expect(try Alert(jsonLine: JSONAlertRenderer.line(alert)) == alert)
        }
    }

    @Test func membersTheSchemaDoesNotDefineAreIgnored() throws {
        let line = JSONAlertRenderer.line(AlertSamples.make())
        let extended = String(line.dropLast()) + #","futureField":{"nested":[1,2.5e3,true,null]}}"#
        #expect(try Alert(jsonLine: extended) == AlertSamples.make())
    }

    /// Replaces the member `name`'s value in the sample's line, or removes it when `value` is nil.
    func sample(replacing name: String, with value: String?) -> String {
        let line = JSONAlertRenderer.line(AlertSamples.make(written: AlertSamples.writtenBytes))
        guard let range = line.firstRange(of: "\"\(name)\":") else { return line }
        var end = range.upperBound
        var depth = 0
        var inString = false
        while end < line.endIndex {
            let character = line[end]
            if inString {
                if character == "\\" { end = line.index(after: end) } else if character == "\"" { inString = false }
            } else if character == "\"" {
                inString = true
            } else if character == "{" || character == "[" {
                depth += 1
            } else if character == "}" || character == "]" {
                if depth == 0 { break }
                depth -= 1
            } else if character == ",", depth == 0 {
                break
            }
            end = line.index(after: end)
        }
        var edited = line
        if let value {
            edited.replaceSubrange(range.upperBound..<end, with: value)
        } else {
            let start = line[..<range.lowerBound].last == "," ? line.index(before: range.lowerBound) : range.lowerBound
            edited.removeSubrange(start..<end)
        }
        return edited
    }

    @Test(arguments: [
        ("schema", "3", "schema", "schemas 1 and 2"),
        ("gpa", "\"0x0220\"", "gpa", "expected an address"),
        ("gpa", "\"0xFF\"", "gpa", "expected an address"),
        ("gpa", "33554456", "gpa", "expected a string"),
        ("rip", nil, "rip", "required member is missing"),
        ("target", "{\"symbol\":\"t\",\"offset\":-1}", "target.offset", "whole number"),
        ("target", "{\"symbol\":\"t\"}", "target.offset", "required member is missing"),
        ("domain", "{\"id\":4294967296,\"name\":\"x\"}", "domain.id", "4294967295"),
        ("vcpu", "1.0", "vcpu", "whole number"),
        ("action", "\"permitted\"", "action", "expected one of denied, allowed"),
        ("time", "\"2025-02-30T00:00:00.000000Z\"", "time", "expected a time"),
        ("time", "\"2025-01-02T03:04:05Z\"", "time", "expected a time"),
        ("policy", "\"policies/x.yaml\"", "policy", "file:line:column"),
        ("new", nil, "old", "come together"),
        ("old", "\"0g\"", "old", "hex digits"),
        ("ripSymbol", "[]", "ripSymbol", "expected a JSON object"),
    ])
    func badMembersAreNamedWithWhatIsExpected(member: String, value: String?, field: String, problem: String) throws {
        let line = sample(replacing: member, with: value)
        do {
            let alert = try Alert(jsonLine: line)
            Issue.record("read \(alert) from \(line)")
        } catch {
            #expect(error.field == field, "\(error)")
            #expect(error.message.contains(problem), "\(error)")
        }
    }

    @Test(arguments: [
        ("", "the text ends"), ("{\"a\":1,}", "member name"), ("{\"a\":1}x", "after the JSON value"),
        ("{\"a\":1,\"a\":2}", "appears twice"), ("{\"a\":\"x\ny\"}", "control character"), ("{\"a\":01}", "leading zeros"),
        ("{\"a\":\"\\ud800\"}", "low one"), ("{\"a\":\"\\u00+1\"}", "four hex digits"),
        (String(repeating: "[", count: 40) + String(repeating: "]", count: 40), "nested more than 32"),
    ])
    func malformedJSONIsRefusedWithItsColumn(text: String, problem: String) {
        do {
            _ = try JSONText.parse(text)
            Issue.record("parsed \(text)")
        } catch {
            #expect(error.message.contains(problem), "\(error)")
            #expect(error.column >= 1)
        }
    }

    @Test func escapesAndSurrogatePairsDecode() throws {
        let parsed = try JSONText.parse(#"{"s":"q\"b\\s\/n\nu\u00e9\ud83d\ude00"}"#)
        #expect(parsed["s"] == .string("q\"b\\s/n\nué😀"))
    }

    @Test func exactlyOneAlertIsTakenFromTheInputAndOthersAreNamedByLine() throws {
        let line = JSONAlertRenderer.line(AlertSamples.make())
        #expect(try Alert.only(inJSONLines: "\n  \n\(line)\n\n") == AlertSamples.make())
        do {
            _ = try Alert.only(inJSONLines: "\(line)\n\n\(line)\n")
            Issue.record("two alerts were accepted")
        } catch {
            #expect(error.line == 3)
            #expect(error.message.contains("holds 2 alerts (lines 1, 3)"))
        }
        do {
            _ = try Alert.only(inJSONLines: "\n\n{\"schema\":1}\n")
            Issue.record("an incomplete alert was accepted")
        } catch {
            #expect(error.line == 3)
            #expect(error.field == "domain")
        }
        #expect(throws: AlertReadError.self) { try Alert.only(inJSONLines: " \n") }
        do {
            _ = try Alert.only(inJSONLines: "\(line)\r\n\(line)\r\n")
            Issue.record("two CRLF-separated alerts were accepted")
        } catch {
            #expect(error.message.contains("holds 2 alerts (lines 1, 2)"))
        }
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00.000000Z", Int64(0), Int32(0)), ("2024-02-29T23:59:59.999999Z", Int64(1_709_251_199), Int32(999_999)),
        ("2025-01-02T03:04:05.123456Z", Int64(1_735_787_045), Int32(123_456)), ("1969-12-31T23:59:59.000001Z", Int64(-1), Int32(1)),
    ])
    func timestampsReadBackToTheInstantTheyName(text: String, seconds: Int64, microseconds: Int32) throws {
        let time = try #require(AlertTimestamp(rfc3339: text))
        #expect(time == AlertTimestamp(seconds: seconds, microseconds: microseconds))
        #expect(time.description == text)
    }

    @Test(arguments: ["2023-02-29T00:00:00.000000Z", "2025-13-01T00:00:00.000000Z", "2025-01-01T24:00:00.000000Z", "2025-01-01 00:00:00.000000Z",
                      "2025-01-01T00:00:00.000000+00:00", "2025-01-01T00:00:60.000000Z", "+025-01-01T00:00:00.000000Z"])
    func timestampsInAnyOtherFormAreRefused(text: String) {
        #expect(AlertTimestamp(rfc3339: text) == nil)
    }
}
