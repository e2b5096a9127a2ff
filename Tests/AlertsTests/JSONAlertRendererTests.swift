import Alerts
import Foundation
import Testing

@Suite struct JSONAlertLines {
    @Test func rendersTheDocumentedObjectInFieldOrder() {
        let line = JSONAlertRenderer.line(AlertSamples.make(outcome: .alerted, written: WrittenBytes(old: [0x01], new: [0xff])))
        #expect(line == #"{"schema":2,"time":"2025-01-02T03:04:05.123456Z","action":"alerted","access":"write","#
            + #""domain":{"id":7,"name":"web-1"},"vcpu":1,"target":{"symbol":"sys_call_table","offset":24},"#
            + #""gla":"0xffffffff82200018","gpa":"0x2200018","rip":"0xffffffffc0a01234","#
            + #""ripSymbol":{"symbol":"evil_init","offset":52},"old":"01","new":"ff","#
            + #""rule":"linux-syscall-tables/sys_call_table","policy":"policies/linux-syscall-tables.yaml:12:5","repeats":0}"#)
    }

    @Test func omitsAbsentOptionalFieldsInsteadOfWritingNull() throws {
        let parsed = try #require(AlertSchema.check(AlertSamples.make(outcome: .allowed, gla: nil, ripSymbol: nil)))
        for field in ["gla", "ripSymbol", "old", "new", "after", "repeatedSince"] { #expect(parsed[field] == nil) }
        #expect(!JSONAlertRenderer.line(AlertSamples.make(gla: nil)).contains("null"))
    }

    @Test func parsesBackToTheSameValuesWithFoundation() throws {
        for alert in AlertSamples.variety + AlertSamples.findings {
            let line = JSONAlertRenderer.line(alert)
            #expect(!line.contains("\n") && !line.contains("\u{2028}"))
            let parsed = try JSONValue.parse(line)
            #expect(parsed["domain"]?["name"]?.stringValue == alert.domain.name)
            #expect(parsed["domain"]?["id"]?.integerValue == Int64(alert.domain.id))
            #expect(parsed["target"]?["symbol"]?.stringValue == alert.target.symbol)
            #expect(parsed["target"]?["offset"]?.integerValue == Int64(alert.target.offset))
            #expect(parsed["rip"]?.stringValue.flatMap { UInt64($0.dropFirst(2), radix: 16) } == alert.rip)
            #expect(parsed["ripSymbol"]?["symbol"]?.stringValue == alert.ripSymbol?.symbol)
            #expect(parsed["action"]?.stringValue == alert.outcome.rawValue)
        }
    }

    @Test(arguments: ["quote\"", "back\\slash", "nl\ncr\rtab\t", "bell\u{07}del\u{7F}", "ls\u{2028}ps\u{2029}", "ünï😀", "]"])
    func escapesStringsSoTheLineStaysValidJSON(symbol: String) throws {
        let alert = AlertSamples.make(target: SymbolOffset(symbol: symbol, offset: 0))
        let line = JSONAlertRenderer.line(alert)
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{2028}" || $0 == "\u{2029}" })
        #expect(try JSONValue.parse(line)["target"]?["symbol"]?.stringValue == symbol)
    }

    @Test func writesAfterSnapshotAsOffsetAndHexBytes() throws {
        let alert = AlertSamples.make(outcome: .logged, written: AlertSamples.writtenBytes,
                                      after: ProtectedSnapshot(offset: 16, bytes: [0x00, 0x0f, 0xf0, 0xff]))
        let parsed = try #require(AlertSchema.check(alert))
        #expect(parsed["after"] == .object(["offset": .integer(16), "bytes": .string("000ff0ff")]))
        #expect(parsed["old"] == .string("1020304081ffffff"))
        #expect(parsed["new"] == .string("3412a0c0ffffffff"))
    }
}
