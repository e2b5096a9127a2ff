import Alerts
import Testing
import WardenCore

/// Alerts for tests, all built through `make` so each one is schema-checked when it is created.
enum AlertSamples {
    /// 2025-01-02T03:04:05.123456Z
    static let time = AlertTimestamp(seconds: 1_735_787_045, microseconds: 123_456)
    static let policy = WardenCore.SourceLocation(file: "policies/linux-syscall-tables.yaml", line: 12, column: 5)

    static func make(
        outcome: AlertOutcome = .denied, time: AlertTimestamp = time, domain: AlertDomain = AlertDomain(id: 7, name: "web-1"),
        vcpu: UInt32 = 1, access: ProtectedAccess = .write,
        target: SymbolOffset = SymbolOffset(symbol: "sys_call_table", offset: 0x18),
        gla: UInt64? = 0xffff_ffff_8220_0018, gpa: UInt64 = 0x0220_0018, rip: UInt64 = 0xffff_ffff_c0a0_1234,
        ripSymbol: SymbolOffset? = SymbolOffset(symbol: "evil_init", offset: 0x34),
        via: WritePath? = nil, reason: AlertReason? = nil, written: WrittenBytes? = nil, after: ProtectedSnapshot? = nil,
        rule: String = "linux-syscall-tables/sys_call_table", policy: WardenCore.SourceLocation = policy,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) -> Alert {
        let alert = Alert(
            time: time, domain: domain, vcpu: vcpu, access: access, target: target, gla: gla, gpa: gpa, rip: rip,
            ripSymbol: ripSymbol, outcome: outcome, via: via, reason: reason, written: written, after: after, rule: rule, policy: policy)
        AlertSchema.check(alert, sourceLocation: sourceLocation)
        return alert
    }

    static let writtenBytes = WrittenBytes(old: [0x10, 0x20, 0x30, 0x40, 0x81, 0xff, 0xff, 0xff], new: [0x34, 0x12, 0xa0, 0xc0, 0xff, 0xff, 0xff, 0xff])

    /// Names a compromised guest could give its own symbols, and a domain name with spaces.
    static let hostileSymbol = "ev\"il]\\fn\nfake action=allowed ünïcødé\u{202E}"
    static let hostileDomain = "web 1 \"prod\" [eu]"

    /// One of each shape: every outcome, absent optional fields, bytes, after, hostile names.
    static var variety: [Alert] {
        [
            make(),
            make(outcome: .allowed, access: .execute, gla: nil, ripSymbol: nil),
            make(outcome: .allowedTrustedWriter, ripSymbol: SymbolOffset(symbol: "text_poke_bp", offset: 0x1f), written: writtenBytes),
            make(outcome: .alerted, written: writtenBytes),
            make(outcome: .alerted, via: .emulation, written: writtenBytes),
            make(outcome: .allowedTrustedWriter, via: .singleStep),
            make(outcome: .denied, reason: .emulationUnimplemented),
            make(outcome: .logged, written: writtenBytes, after: ProtectedSnapshot(offset: 0x10, bytes: Array(0..<32))),
            make(domain: AlertDomain(id: 4_294_967_294, name: hostileDomain),
                 target: SymbolOffset(symbol: hostileSymbol, offset: 0), gla: 0, gpa: 0, rip: UInt64.max,
                 ripSymbol: SymbolOffset(symbol: hostileSymbol, offset: 0xffff_ffff)),
        ]
    }
}
