import Alerts
import Testing

@Suite struct SyslogMessages {
    let format = SyslogMessageFormat(hostname: "dom0.example", processID: 4242)

    @Test func writesTheRFC5424HeaderAndOneStructuredDataElement() throws {
        let message = format.message(for: AlertSamples.make())
        #expect(message.hasPrefix("<28>1 2025-01-02T03:04:05.123456Z dom0.example warden 4242 denied [warden@32473 schema=\"2\" action=\"denied\" "))
        let parsed = try RFC5424Message(parsing: message)
        #expect(parsed.version == 1)
        #expect(parsed.structuredData.map(\.id) == ["warden@32473"])
        #expect(parsed.message == "action=denied access=write domain=7 domainName=web-1 vcpu=1 target=sys_call_table+0x18 "
            + "gla=0xffffffff82200018 gpa=0x2200018 rip=0xffffffffc0a01234 ripSymbol=evil_init+0x34 "
            + "rule=linux-syscall-tables/sys_call_table policy=policies/linux-syscall-tables.yaml:12:5")
    }

    @Test func carriesEveryAlertFieldAsAStructuredDataParameter() throws {
        var alert = AlertSamples.make(outcome: .logged, written: AlertSamples.writtenBytes, after: ProtectedSnapshot(offset: 8, bytes: [0xaa]))
        alert.repeats = 2
        alert.repeatedSince = AlertTimestamp(seconds: 1_735_787_000, microseconds: 1)
        AlertSchema.check(alert)
        let element = try #require(try RFC5424Message(parsing: format.message(for: alert)).structuredData.first)
        #expect(element.parameters == [
            .init(name: "schema", value: "2"), .init(name: "action", value: "logged"), .init(name: "access", value: "write"),
            .init(name: "domain", value: "7"), .init(name: "domainName", value: "web-1"), .init(name: "vcpu", value: "1"),
            .init(name: "target", value: "sys_call_table+0x18"), .init(name: "gla", value: "0xffffffff82200018"),
            .init(name: "gpa", value: "0x2200018"), .init(name: "rip", value: "0xffffffffc0a01234"),
            .init(name: "ripSymbol", value: "evil_init+0x34"), .init(name: "rule", value: "linux-syscall-tables/sys_call_table"),
            .init(name: "policy", value: "policies/linux-syscall-tables.yaml:12:5"),
            .init(name: "old", value: "1020304081ffffff"), .init(name: "new", value: "3412a0c0ffffffff"),
            .init(name: "afterOffset", value: "0x8"), .init(name: "after", value: "aa"),
            .init(name: "repeats", value: "2"), .init(name: "repeatedSince", value: "2025-01-02T03:03:20.000001Z"),
        ])
    }

    @Test func escapesQuoteBackslashAndBracketInParameterValues() throws {
        #expect(SyslogMessageFormat.escapedParameterValue(#"a"b\c]d[e"#) == #"a\"b\\c\]d[e"#)
        let alert = AlertSamples.make(domain: AlertDomain(id: 1, name: AlertSamples.hostileDomain),
                                      target: SymbolOffset(symbol: AlertSamples.hostileSymbol, offset: 0))
        let message = format.message(for: alert)
        #expect(message.contains(#"target="ev\"il\]\\fn"#))
        let element = try #require(try RFC5424Message(parsing: message).structuredData.first)
        #expect(element["target"] == AlertSamples.hostileSymbol + "+0x0", "newline and non-ASCII pass through as UTF-8")
        #expect(element["domainName"] == AlertSamples.hostileDomain)
    }

    @Test func keepsTheMessageTextASCIISoItNeedsNoByteOrderMark() throws {
        let alert = AlertSamples.make(target: SymbolOffset(symbol: "tâble\n", offset: 0))
        let parsed = try RFC5424Message(parsing: format.message(for: alert))
        #expect(parsed.message.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 })
        #expect(parsed.message.contains(#"target="t\u{e2}ble\n+0x0""#))
    }

    @Test(arguments: [
        (AlertOutcome.denied, SyslogFacility.daemon, 28), (.alerted, .daemon, 28), (.logged, .daemon, 29),
        (.allowed, .daemon, 30), (.allowedTrustedWriter, .daemon, 30), (.denied, .local0, 132), (.logged, .auth, 37),
    ])
    func setsPriorityFromFacilityAndTheOutcomesSeverity(outcome: AlertOutcome, facility: SyslogFacility, priority: Int) throws {
        let message = SyslogMessageFormat(facility: facility, hostname: "h", processID: 1).message(for: AlertSamples.make(outcome: outcome))
        let parsed = try RFC5424Message(parsing: message)
        #expect(parsed.priority == priority)
        #expect(parsed.messageID == outcome.rawValue)
    }

    @Test func sanitisesHeaderFieldsToPrintableASCII() throws {
        let odd = SyslogMessageFormat(appName: "war den/ü" + String(repeating: "x", count: 60), hostname: nil, processID: 7)
        let parsed = try RFC5424Message(parsing: odd.message(for: AlertSamples.make()))
        #expect(parsed.hostname == "-")
        #expect(parsed.appName.hasPrefix("war_den/_x") && parsed.appName.count == 48)
        #expect(parsed.processID == "7")
    }

    @Test func usesTheConfiguredEnterpriseNumberInTheSDID() throws {
        let parsed = try RFC5424Message(parsing: SyslogMessageFormat(hostname: "h", enterpriseNumber: 99999).message(for: AlertSamples.make()))
        #expect(parsed.structuredData.first?.id == "warden@99999")
    }

    @Test func dropsBulkyByteParametersRatherThanExceedTheSizeLimit() throws {
        let alert = AlertSamples.make(outcome: .logged, written: AlertSamples.writtenBytes,
                                      after: ProtectedSnapshot(offset: 0, bytes: Array(repeating: 0xcc, count: 4096)))
        let small = SyslogMessageFormat(hostname: "h", processID: 1, maximumBytes: 2048)
        let message = small.message(for: alert)
        #expect(message.utf8.count <= 2048)
        let element = try #require(try RFC5424Message(parsing: message).structuredData.first)
        #expect(element["after"] == nil && element["afterOffset"] == nil)
        #expect(element["old"] == "1020304081ffffff")
        #expect(element["truncated"] == "after")

        let tiny = SyslogMessageFormat(hostname: "h", processID: 1, maximumBytes: 600)
        let tinyElement = try #require(try RFC5424Message(parsing: tiny.message(for: alert)).structuredData.first)
        #expect(tinyElement["old"] == nil && tinyElement["truncated"] == "after,old,new")
        let kibibyte = AlertSamples.make(outcome: .logged, after: ProtectedSnapshot(offset: 0, bytes: Array(repeating: 1, count: 1024)))
        #expect(SyslogMessageFormat(hostname: "h").message(for: kibibyte).contains(" after=\""), "the 8 KiB default keeps 1 KiB of bytes")
    }
}
