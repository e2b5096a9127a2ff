import Alerts
import Testing

@Suite struct TextAlertLines {
    @Test func rendersOneStableLineWithEveryFieldInOrder() {
        let line = TextAlertRenderer.line(AlertSamples.make())
        #expect(line == "2025-01-02T03:04:05.123456Z action=denied access=write domain=7 domainName=web-1 vcpu=1 "
            + "target=sys_call_table+0x18 gla=0xffffffff82200018 gpa=0x2200018 rip=0xffffffffc0a01234 "
            + "ripSymbol=evil_init+0x34 rule=linux-syscall-tables/sys_call_table policy=policies/linux-syscall-tables.yaml:12:5")
    }

    @Test func showsUnknownForAMissingLinearAddressAndRipSymbol() throws {
        let fields = try TextLineParser.parse(TextAlertRenderer.line(AlertSamples.make(gla: nil, ripSymbol: nil))).fields
        #expect(fields.first { $0.name == "gla" }?.value == "unknown")
        #expect(fields.first { $0.name == "ripSymbol" }?.value == "unknown")
        #expect(fields.map(\.name) == ["action", "access", "domain", "domainName", "vcpu", "target", "gla", "gpa", "rip",
                                       "ripSymbol", "rule", "policy"])
    }

    @Test func appendsBytesAfterSnapshotAndRepeatsWhenPresent() throws {
        var alert = AlertSamples.make(outcome: .logged, written: WrittenBytes(old: [0x00, 0xff], new: [0xab, 0x01]),
                                      after: ProtectedSnapshot(offset: 0x10, bytes: [0xde, 0xad]))
        alert.repeats = 41
        alert.repeatedSince = AlertTimestamp(seconds: 1_735_787_040, microseconds: 0)
        AlertSchema.check(alert)
        let line = TextAlertRenderer.line(alert)
        #expect(line.hasSuffix(" old=00ff new=ab01 afterOffset=0x10 after=dead repeats=41 repeatedSince=2025-01-02T03:04:00.000000Z"))
    }

    @Test func quotesAndEscapesHostileNamesSoTheyCannotForgeFields() throws {
        let alert = AlertSamples.make(domain: AlertDomain(id: 3, name: AlertSamples.hostileDomain),
                                      target: SymbolOffset(symbol: AlertSamples.hostileSymbol, offset: 8))
        let line = TextAlertRenderer.line(alert)
        #expect(!line.contains("\n") && !line.contains("\u{202E}"))
        #expect(line.contains(#"target="ev\"il]\\fn\nfake action=allowed ünïcødé\u{202e}+0x8""#))
        #expect(line.contains(#"domainName="web 1 \"prod\" [eu]""#))
        let parsed = try TextLineParser.parse(line)
        #expect(parsed.fields.filter { $0.name == "action" }.map(\.value) == ["denied"])
        #expect(parsed.fields.first { $0.name == "target" }?.value == AlertSamples.hostileSymbol + "+0x8")
        #expect(parsed.fields.first { $0.name == "domainName" }?.value == AlertSamples.hostileDomain)
    }

    @Test(arguments: ["", "a b", "tab\there", "nbsp\u{00A0}x", "line\u{2028}sep", "zero\u{200B}width", "del\u{7F}", "q\"", "b\\"])
    func quotesValuesThatAreNotOneVisibleToken(name: String) throws {
        let line = TextAlertRenderer.line(AlertSamples.make(domain: AlertDomain(id: 1, name: name)))
        #expect(line.contains("domainName=\""))
        let parsed = try TextLineParser.parse(line)
        #expect(parsed.fields.first { $0.name == "domainName" }?.value == name)
        #expect(parsed.fields.count == 12)
    }

    @Test func keepsPrintableNonASCIIUnquoted() {
        let line = TextAlertRenderer.line(AlertSamples.make(target: SymbolOffset(symbol: "tâble_ü", offset: 1)))
        #expect(line.contains(" target=tâble_ü+0x1 "))
    }

    @Test func formatSelectsTheRenderer() {
        let alert = AlertSamples.make()
        #expect(AlertFormat.text.line(alert) == TextAlertRenderer.line(alert))
        #expect(AlertFormat.json.line(alert) == JSONAlertRenderer.line(alert))
    }
}
