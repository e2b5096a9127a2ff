import Alerts
import Foundation
import Hypervisor
import Synchronization
import SyntheticGuest
import Testing
import WardenCore
import XenModel

@testable import warden

/// `warden run` on the model of Xen 4.17 against a guest hooked before Warden attached: the
/// integrity check at attach, and what `on-compromised-at-attach` makes of it.
@Suite struct RunIntegrityTests {
    /// A generated guest with sys_call_table[59] pointing into the module area and the #PF gate
    /// into another function, as a rootkit that got there first leaves them, on the model.
    struct HookedGuest {
        let model: XenModel
        let hypervisor: ModelHypervisor
        let physicalBase: UInt64
        let hook: UInt64 = 0xFFFF_FFFF_C0A0_1000

        init() throws {
            let guest = try SyntheticGuest()
            physicalBase = guest.configuration.physicalBase
            let table = try #require(guest.symbols.first { $0.name == "sys_call_table" }).address
            try guest.ram.writeUInt64(physical: guest.physicalAddress(ofKernelVirtual: table + 59 * 8), hook)
            let idt = try #require(guest.symbols.first { $0.name == "idt_table" }).address
            let other = try #require(guest.symbols.first { $0.name == "synthetic_function_9" }).address
            try guest.ram.write(physical: guest.physicalAddress(ofKernelVirtual: idt + 14 * 16), bytes: SyntheticInterrupts.gate(to: other))
            model = XenModel(guest: guest)
            hypervisor = ModelHypervisor(model: model)
        }

        /// Every byte of the kernel image as the model's guest holds it.
        func image() throws -> [UInt8] {
            try hypervisor.memory.readBytes(physical: physicalBase, count: 12 << 20)
        }
    }

    /// Set from the enforcement thread once the restricted view exists: Warden attached.
    final class AttachedFlag: Sendable {
        private let value = Atomic<Bool>(false)
        func record(_ model: XenModel) { if model.snapshot().altp2mActive { value.store(true, ordering: .relaxed) } }
        var attached: Bool { value.load(ordering: .relaxed) }
    }

    final class RecordingSink: AlertSink {
        let alerts = Mutex<[Alert]>([])
        func emit(_ alert: Alert) throws(AlertSinkError) { alerts.withLock { $0.append(alert) } }
    }

    static let policy = RunSymbolsTests.policy

    /// The shipped core policy with `on-compromised-at-attach: <response>` added under its name.
    static func policy(responding response: String) throws -> String {
        let text = try String(contentsOfFile: policy, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let name = try #require(lines.firstIndex { $0.hasPrefix("name:") })
        let edited = lines[...name] + ["on-compromised-at-attach: \(response)"] + lines[(name + 1)...]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("core-\(response)-\(UUID().uuidString).yaml").path
        try edited.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func byDefaultRunRefusesAHookedGuestExplainsAndLeavesItUntouched() async throws {
        let hooked = try HookedGuest()
        let before = hooked.model.snapshot()
        let image = try hooked.image()
        let sink = RecordingSink()
        do {
            _ = try await Warden.Run.protect(
                hypervisor: hooked.hypervisor, domainName: "web-1", policySet: try PolicySet.load(paths: [Self.policy]),
                symbolFile: nil, allowPath: .emulate, alerts: try AlertOutput(sinks: [sink], repeatWindow: .seconds(10)))
            Issue.record("run must refuse a hooked guest by default")
        } catch let failure as RuntimeFailure {
            #expect(failure.description.hasPrefix("refusing to protect domain web-1: its kernel is already hooked"))
            #expect(failure.description.contains("nothing in the guest was changed (on-compromised-at-attach is not set, and refuse is the default)"))
            #expect(failure.description.contains("sys_call_table[59] at sys_call_table+0x1d8: found 0xffffffffc0a01000 (module area"))
            #expect(failure.description.contains("idt_table[vector 0xe] at idt_table+0xe0: found "))
            #expect(failure.description.contains("integrity: NOT CLEAN: 2 differences"))
        }
        #expect(hooked.model.snapshot() == before)
        #expect(try hooked.image() == image)
        #expect(sink.alerts.withLock { $0.isEmpty })
    }

    @Test func withAlertRunAttachesAndReportsOneAlertPerDifference() async throws {
        let hooked = try HookedGuest()
        let before = hooked.model.snapshot()
        let path = try Self.policy(responding: "alert")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = RecordingSink()
        let flag = AttachedFlag()
        let model = hooked.model
        let outcome = try await Warden.Run.protect(
            hypervisor: hooked.hypervisor, domainName: "web-1", policySet: try PolicySet.load(paths: [path]), symbolFile: nil,
            allowPath: .emulate, alerts: try AlertOutput(sinks: [sink], repeatWindow: .seconds(10)),
            until: {
                flag.record(model)
                return true
            })
        #expect(flag.attached, "the session was set up: Warden attached")
        #expect(outcome.teardownFailures.isEmpty)
        #expect(hooked.model.snapshot() == before)
        let alerts = sink.alerts.withLock { $0 }
        #expect(alerts.map(\.outcome) == [.foundAtAttach, .foundAtAttach])
        #expect(alerts.map(\.target) == [SymbolOffset(symbol: "sys_call_table", offset: 0x1d8), SymbolOffset(symbol: "idt_table", offset: 0xe0)])
        #expect(alerts.allSatisfy { $0.rule == "linux-kernel-core/on-compromised-at-attach" && $0.policy.file == path })
        #expect(alerts.first?.finding?.found == .pointer(hooked.hook, .moduleArea))
    }

    @Test func withIgnoreRunAttachesWithoutAlerts() async throws {
        let hooked = try HookedGuest()
        let path = try Self.policy(responding: "ignore")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = RecordingSink()
        let outcome = try await Warden.Run.protect(
            hypervisor: hooked.hypervisor, domainName: "web-1", policySet: try PolicySet.load(paths: [path]), symbolFile: nil,
            allowPath: .emulate, alerts: try AlertOutput(sinks: [sink], repeatWindow: .seconds(10)), until: { true })
        #expect(outcome.teardownFailures.isEmpty)
        #expect(sink.alerts.withLock { $0.isEmpty })
    }

    /// A clean guest attaches whatever the policy says, with nothing to alert.
    @Test func aCleanGuestIsProtectedUnderTheDefault() async throws {
        let guest = try SyntheticGuest()
        let model = XenModel(guest: guest)
        let sink = RecordingSink()
        let flag = AttachedFlag()
        let outcome = try await Warden.Run.protect(
            hypervisor: ModelHypervisor(model: model), domainName: "web-1", policySet: try PolicySet.load(paths: [Self.policy]),
            symbolFile: nil, allowPath: .emulate, alerts: try AlertOutput(sinks: [sink], repeatWindow: .seconds(10)),
            until: {
                flag.record(model)
                return true
            })
        #expect(flag.attached)
        #expect(outcome.teardownFailures.isEmpty)
        #expect(sink.alerts.withLock { $0.isEmpty })
    }
}
