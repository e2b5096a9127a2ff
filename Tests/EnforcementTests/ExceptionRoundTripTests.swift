import Alerts
import Enforcement
import SyntheticGuest
import Testing
import WardenCore
import XenModel

/// `warden except`'s round trip on the model of Xen 4.17: a write raises an alert; the alert, as the
/// JSON line `warden run` prints, becomes a policy change applied to the policy's text; planned
/// again, the same write passes without an alert, and the rest of the policy still holds.
@Suite struct ExceptionRoundTripTests {
    static let file = "site.yaml"
    static let policy = """
        # A site's policy; every comment here must survive the edit.
        warden-policy: 1
        name: site
        targets:
          # Nothing in a running kernel writes the table.
          - symbol: sys_call_table
            length: 3608
            action: deny

          # The kernel's sysctl handler writes this path.
          - symbol: modprobe_path
            action: alert   # reported, not refused

        """

    /// Plans `text` on a fresh model guest and makes one write from `rip` under protection;
    /// returns the alerts it raised and the bytes there afterwards.
    func write(
        _ bytes: [UInt8], to symbol: String, plus offset: UInt64 = 0, rip: (ModelGuest) -> UInt64, policy text: String,
        alongside others: [String] = []
    ) throws -> (alerts: [Alert], after: [UInt8]) {
        let policies = try ([text] + others).enumerated().map { try Policy.parse(yaml: $0.element, file: "policy\($0.offset).yaml") }
        let guest = try ModelGuest(try PolicySet(policies: policies).targets)
        let session = guest.session()
        try session.setUp()
        _ = guest.model.write(vcpu: 1, virtual: guest.address(symbol, plus: offset), bytes: bytes, rip: rip(guest))
        guest.pump(session)
        #expect(session.tearDown().isEmpty)
        return (guest.alerts, try guest.read(symbol, plus: offset, count: bytes.count))
    }

    /// The alert as `warden except` reads it: rendered as a JSON line and parsed back.
    func exception(for alert: Alert, in text: String) throws -> PolicyException {
        let read = try Alert.only(inJSONLines: JSONAlertRenderer.line(alert) + "\n")
        #expect(read == alert)
        let policy = try Policy.parse(yaml: text, file: Self.file)
        let target = try #require(policy.target(matchingRule: read.rule))
        return try PolicyException(alert: read, target: target)
    }

    func commentLines(_ text: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.contains("#") }
    }

    @Test func anAlertedWriteFromAKernelFunctionStopsAlertingOnceThatFunctionIsTrusted() throws {
        let path = Array("/tmp/x\0\0".utf8)
        let writer: (ModelGuest) -> UInt64 = { $0.address("synthetic_function_2", plus: 0x10) }
        let first = try write(path, to: "modprobe_path", rip: writer, policy: Self.policy)
        #expect(first.alerts.map(\.outcome) == [.alerted])
        let alert = try #require(first.alerts.first)

        let exception = try exception(for: alert, in: Self.policy)
        #expect(exception.change == .writer("synthetic_function_2"))
        let edit = try PolicyEditor.apply(exception, to: Self.policy, file: Self.file)
        #expect(commentLines(edit.text).starts(with: commentLines(Self.policy).prefix(3)))
        #expect(edit.text.contains("    action: alert   # reported, not refused\n"))
        #expect(edit.text.contains("    # warden except: alerted write at \(alert.time) to modprobe_path+0x0"))
        #expect(edit.text.contains("    writers: [synthetic_function_2]\n"))

        let again = try write(path, to: "modprobe_path", rip: writer, policy: edit.text)
        #expect(again.alerts.isEmpty)
        #expect(again.after == path)
        // Only that function was trusted: the same write from elsewhere still alerts.
        let other = try write(path, to: "modprobe_path", rip: { $0.address("commit_creds") }, policy: edit.text)
        #expect(other.alerts.map(\.outcome) == [.alerted])

        // The printed entry, appended to a site file loaded with the unchanged policy, does the same.
        let site = "warden-policy: 1\nname: local\ntargets:\n" + exception.entryLines().joined(separator: "\n") + "\n"
        let overlaid = try write(path, to: "modprobe_path", rip: writer, policy: Self.policy, alongside: [site])
        #expect(overlaid.alerts.isEmpty)
        #expect(overlaid.after == path)
    }

    @Test func aDeniedWriteFromCodeWithoutASymbolPassesOnceItsFirstByteIsExcluded() throws {
        let hook = [UInt8](repeating: 0x41, count: 8)
        // Code outside the kernel image (here in the direct map, as injected code would run; the
        // generated guest maps no module space): no kernel symbol covers it, so no function can be trusted.
        let module: (ModelGuest) -> UInt64 = { _ in SyntheticGuest.directMapBase + 0x380_1234 }
        let first = try write(hook, to: "sys_call_table", plus: 8, rip: module, policy: Self.policy)
        let alert = try #require(first.alerts.first)
        #expect(first.alerts.map(\.outcome) == [.denied])
        #expect(alert.ripSymbol == nil)
        #expect(first.after != hook)

        let exception = try exception(for: alert, in: Self.policy)
        #expect(exception.change == .exclusion(offset: 8, length: 1))
        let edit = try PolicyEditor.apply(exception, to: Self.policy, file: Self.file)
        #expect(edit.text.contains("    exclude: [{offset: 0x8, length: 1}]\n"))

        let again = try write(hook, to: "sys_call_table", plus: 8, rip: module, policy: edit.text)
        #expect(again.alerts.isEmpty)
        #expect(again.after == hook)
        // The next entry is still the table's: denied.
        let next = try write(hook, to: "sys_call_table", plus: 16, rip: module, policy: edit.text)
        #expect(next.alerts.map(\.outcome) == [.denied])
        #expect(next.after != hook)
    }
}
