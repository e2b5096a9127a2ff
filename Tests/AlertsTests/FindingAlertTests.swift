import Alerts
import Testing
import WardenCore

/// Alerts for hooks the integrity check found at attach (`on-compromised-at-attach: alert`), schema 2.
@Suite struct FindingAlerts {
    @Test func aHookedEntryRendersAsJSONWithItsFindingAndNoVCPUOrInstruction() {
        let line = JSONAlertRenderer.line(AlertSamples.found(AlertSamples.hookedEntry))
        #expect(line == #"{"schema":2,"time":"2025-01-02T03:04:05.123456Z","action":"found-at-attach","access":"write","#
            + #""domain":{"id":7,"name":"web-1"},"target":{"symbol":"sys_call_table","offset":472},"#
            + #""gla":"0xffffffff822001d8","gpa":"0x22001d8","finding":{"structure":"sys_call_table","index":59,"#
            + #""found":"0xffffffffc0a01000","foundRegion":"module-area","#
            + #""expected":"the start of a __x64_sys_* function (or sys_ni_syscall) in the kernel image"},"#
            + #""rule":"site/on-compromised-at-attach","policy":"policies/site.yaml:3:27","repeats":0}"#)
    }

    @Test func theTextLineKeepsEveryAlwaysShownFieldAndAppendsTheFinding() {
        let line = TextAlertRenderer.line(AlertSamples.found(AlertSamples.hookedEntry))
        #expect(
            line == "2025-01-02T03:04:05.123456Z action=found-at-attach access=write domain=7 domainName=web-1 vcpu=unknown "
                + "target=sys_call_table+0x1d8 gla=0xffffffff822001d8 gpa=0x22001d8 rip=unknown ripSymbol=unknown "
                + "rule=site/on-compromised-at-attach policy=policies/site.yaml:3:27 finding=sys_call_table[59] "
                + "found=0xffffffffc0a01000 foundRegion=module-area "
                + "expected=\"the start of a __x64_sys_* function (or sys_ni_syscall) in the kernel image\"")
    }

    @Test func anIDTRegisterFindingNamesItsVCPUAndOmitsAnUntranslatableAddress() throws {
        let alert = AlertSamples.found(AlertSamples.movedIDT)
        #expect(alert.vcpu == 2)
        #expect(alert.gpa == nil)
        #expect(alert.target == SymbolOffset(symbol: "idt_table", offset: 0))
        let parsed = try #require(AlertSchema.check(alert))
        #expect(parsed["gpa"] == nil)
        #expect(parsed["finding"]?["foundAttributes"]?.stringValue == "base 0xffffc90000000000, which is not mapped")
        #expect(TextAlertRenderer.line(alert).contains(" vcpu=2 target=idt_table+0x0 gla=0xffffc90000000000 gpa=unknown rip=unknown "))
        #expect(alert.outcome.syslogSeverity == .warning)
    }

    @Test func syslogCarriesTheFindingAsStructuredDataAtWarningSeverity() throws {
        let format = SyslogMessageFormat(hostname: "dom0.example", processID: 4242)
        let message = try RFC5424Message(parsing: format.message(for: AlertSamples.found(AlertSamples.hookedEntry)))
        #expect(format.message(for: AlertSamples.found(AlertSamples.hookedEntry)).hasPrefix("<28>1 "))
        let parameters = try #require(message.structuredData.first)
        #expect(parameters["schema"] == "2")
        #expect(parameters["action"] == "found-at-attach")
        #expect(parameters["vcpu"] == nil && parameters["rip"] == nil)
        #expect(parameters["finding"] == "sys_call_table[59]")
        #expect(parameters["foundRegion"] == "module-area")
        #expect(parameters["expected"] == "the start of a __x64_sys_* function (or sys_ni_syscall) in the kernel image")
        #expect(message.message.contains("vcpu=unknown"))
    }

    /// Findings are not an access repeated in a loop: every entry, and every vCPU's register, is reported.
    @Test func floodControlKeepsEachFindingApart() throws {
        var throttle = try Throttled()
        var second = AlertSamples.movedIDT
        second.index = 3
        let alerts = [AlertSamples.found(AlertSamples.movedIDT), AlertSamples.found(second), AlertSamples.found(AlertSamples.hookedEntry)]
        #expect(alerts.flatMap { throttle.admit($0, at: 0) } == alerts)
        #expect(throttle.admit(AlertSamples.found(AlertSamples.hookedEntry), at: 1).isEmpty)
    }
}
