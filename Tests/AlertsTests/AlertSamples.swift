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
        vcpu: UInt32? = 1, access: ProtectedAccess = .write,
        target: SymbolOffset = SymbolOffset(symbol: "sys_call_table", offset: 0x18),
        gla: UInt64? = 0xffff_ffff_8220_0018, gpa: UInt64? = 0x0220_0018, rip: UInt64? = 0xffff_ffff_c0a0_1234,
        ripSymbol: SymbolOffset? = SymbolOffset(symbol: "evil_init", offset: 0x34),
        via: WritePath? = nil, reason: AlertReason? = nil, written: WrittenBytes? = nil, after: ProtectedSnapshot? = nil,
        finding: IntegrityDifference? = nil, rule: String = "linux-syscall-tables/sys_call_table",
        policy: WardenCore.SourceLocation = policy, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) -> Alert {
        let alert = Alert(
            time: time, domain: domain, vcpu: vcpu, access: access, target: target, gla: gla, gpa: gpa, rip: rip,
            ripSymbol: ripSymbol, outcome: outcome, via: via, reason: reason, written: written, after: after, finding: finding,
            rule: rule, policy: policy)
        AlertSchema.check(alert, sourceLocation: sourceLocation)
        return alert
    }

    static let writtenBytes = WrittenBytes(old: [0x10, 0x20, 0x30, 0x40, 0x81, 0xff, 0xff, 0xff], new: [0x34, 0x12, 0xa0, 0xc0, 0xff, 0xff, 0xff, 0xff])

    /// Names a compromised guest could give its own symbols, and a domain name with spaces.
    static let hostileSymbol = "ev\"il]\\fn\nfake action=allowed ünïcødé\u{202E}"
    static let hostileDomain = "web 1 \"prod\" [eu]"

    /// A syscall entry hooked into a module before Warden attached, as `KernelIntegrity` reports it.
    static let hookedEntry = IntegrityDifference(
        structure: "sys_call_table", index: 59, entryAddress: 0xffff_ffff_8220_01d8, entryOffset: 0x1d8, entryPhysical: 0x0220_01d8,
        found: .pointer(0xffff_ffff_c0a0_1000, .moduleArea),
        expected: "the start of a __x64_sys_* function (or sys_ni_syscall) in the kernel image")
    /// The IDT register of vCPU 2 pointing at a copy of the table that does not translate.
    static let movedIDT = IntegrityDifference(
        structure: "IDTR", index: 2, entryAddress: 0xffff_c900_0000_0000, entryOffset: 0, entryPhysical: nil,
        found: .attributes("base 0xffffc90000000000, which is not mapped"),
        expected: "a base that reaches idt_table's guest-physical 0x3313000")
    static let findingPolicy = WardenCore.SourceLocation(file: "policies/site.yaml", line: 3, column: 27)

    /// The alert `warden run` reports for `finding` under `on-compromised-at-attach: alert`.
    static func found(_ finding: IntegrityDifference, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Alert {
        let alert = Alert(
            finding: finding, time: time, domain: AlertDomain(id: 7, name: "web-1"), rule: "site/on-compromised-at-attach",
            policy: findingPolicy)
        AlertSchema.check(alert, sourceLocation: sourceLocation)
        return alert
    }

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

    /// Findings at attach: a pointer into a module, an IDT register, a gate into a hostile symbol.
    /// Apart from `variety` because a Unix datagram socket queues at most 10 unread messages.
    static var findings: [Alert] {
        [
            found(hookedEntry),
            found(movedIDT),
            found(IntegrityDifference(
                structure: "idt_table", index: 14, entryAddress: 0xffff_ffff_8331_30e0, entryOffset: 0xe0, entryPhysical: 0x0331_30e0,
                found: .pointer(0xffff_ffff_8100_2020, .kernelImage(SymbolPlace(symbol: hostileSymbol, offset: 0x20))),
                expected: "asm_exc_page_fault+0x0 or early_idt_handler_array+0x7e")),
        ]
    }
}
