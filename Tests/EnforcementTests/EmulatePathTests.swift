import Alerts
import Enforcement
import Hypervisor
import Testing
import WardenCore
import XenModel

/// The emulate allow path on a host without the Monitor Trap Flag (Xen 4.17 under Bochs: monitor
/// capabilities 0x1f7b), over the model of Xen 4.17.
@Suite struct EmulatePathTests {
    static var noMTF: XenModelConfiguration {
        var configuration = XenModelConfiguration()
        configuration.hasMonitorTrapFlag = false
        return configuration
    }

    static func protectedGuest(vcpus: Int = 4) throws -> (ModelGuest, ProtectionSession) {
        let guest = try ModelGuest(ProtectionSessionTests.targets, vcpus: vcpus, configuration: noMTF)
        let session = guest.session(allowPath: .emulate)
        try session.setUp()
        return (guest, session)
    }

    /// Every vCPU stayed on the restricted view: emulation never unprotects a frame.
    static func expectNeverUnrestricted(_ guest: ModelGuest, _ session: ProtectionSession) {
        #expect(guest.model.snapshot().vcpuViews.allSatisfy { $0 == session.restrictedView.index })
    }

    @Test func setUpOnAHostWithoutMTFMonitorsUnemulatableInstructionsAndTearDownUndoesIt() throws {
        let (guest, session) = try Self.protectedGuest()
        let active = guest.model.snapshot()
        #expect(active.emulUnimplementedMonitoring)
        #expect(!active.singlestepMonitoring)
        #expect(session.tearDown().isEmpty)
        #expect(guest.model.snapshot() == guest.baseline)
    }

    @Test func denyStillDeniesWithoutMTF() throws {
        let (guest, session) = try Self.protectedGuest()
        let before = try guest.read("sys_call_table", plus: 8)
        _ = guest.model.write(
            vcpu: 1, virtual: guest.address("sys_call_table", plus: 8), bytes: [UInt8](repeating: 0x41, count: 8),
            rip: guest.address("commit_creds"))
        guest.pump(session)
        #expect(try guest.read("sys_call_table", plus: 8) == before)
        #expect(guest.model.vcpuStatus(1)?.retired.map(\.retirement) == [.emulatedWithoutWrites])
        #expect(guest.alerts.map(\.outcome) == [.denied])
        #expect(guest.alerts.first?.via == nil)
        #expect(session.tearDown().isEmpty)
        #expect(guest.model.snapshot() == guest.baseline)
    }

    @Test func alertWritesTakeEffectByEmulationAndReportOldAndNewBytes() throws {
        let (guest, session) = try Self.protectedGuest()
        let old = try guest.read("modprobe_path")
        let new = Array("/tmp/x\0\0".utf8)
        _ = guest.model.write(vcpu: 2, virtual: guest.address("modprobe_path"), bytes: new, rip: guest.address("commit_creds"))
        guest.pump(session)
        #expect(try guest.read("modprobe_path") == new)
        #expect(guest.model.vcpuStatus(2)?.retired.map(\.retirement) == [.emulated])
        let alert = try #require(guest.alerts.first)
        #expect(guest.alerts.count == 1)
        #expect(alert.outcome == .alerted)
        #expect(alert.via == .emulation)
        #expect(alert.written == WrittenBytes(old: old, new: new))
        #expect(session.statistics.requests == 1, "one event per allowed write")
        Self.expectNeverUnrestricted(guest, session)
        // Still protected: the next write traps again.
        _ = guest.model.write(vcpu: 2, virtual: guest.address("modprobe_path"), bytes: old, rip: guest.address("commit_creds"))
        guest.pump(session)
        #expect(guest.alerts.map(\.written) == [WrittenBytes(old: old, new: new), WrittenBytes(old: new, new: old)])
        #expect(session.tearDown().isEmpty)
        #expect(guest.model.snapshot() == guest.baseline)
    }

    @Test func aWriteOfTheSameBytesIsReportedAtTheVCPUsNextEvent() throws {
        let (guest, session) = try Self.protectedGuest()
        let old = try guest.read("modprobe_path")
        _ = guest.model.write(vcpu: 0, virtual: guest.address("modprobe_path"), bytes: old, rip: guest.address("commit_creds"))
        guest.pump(session)
        // Unchanged bytes prove nothing: the alert waits for evidence the emulation ran.
        #expect(guest.alerts.isEmpty)
        _ = guest.model.write(
            vcpu: 0, virtual: guest.address("sys_call_table"), bytes: [1, 2, 3, 4, 5, 6, 7, 8], rip: guest.address("commit_creds"))
        guest.pump(session)
        #expect(guest.alerts.map(\.outcome) == [.alerted, .denied])
        #expect(guest.alerts.first?.written == WrittenBytes(old: old, new: old))
        #expect(session.tearDown().isEmpty)
    }

    @Test func logTargetsCarryTheProtectedBytesAfterTheEmulatedWrite() throws {
        let (guest, session) = try Self.protectedGuest()
        _ = guest.model.write(vcpu: 3, virtual: guest.address("core_pattern", plus: 4), bytes: [0x7C], rip: guest.address("commit_creds"))
        guest.pump(session)
        let alert = try #require(guest.alerts.first)
        #expect(alert.outcome == .logged)
        #expect(alert.via == .emulation)
        #expect(alert.written?.new.first == 0x7C)
        #expect(alert.after?.offset == 0)
        #expect(alert.after?.bytes == (try guest.read("core_pattern", count: 256)))
        #expect(alert.after?.bytes[4] == 0x7C)
        #expect(session.tearDown().isEmpty)
    }

    @Test func trustedWritersPassSilentlyByEmulation() throws {
        let (guest, session) = try Self.protectedGuest()
        _ = guest.model.write(vcpu: 0, virtual: guest.address("_stext", plus: 0x10), bytes: [0x90], rip: guest.address("text_poke", plus: 4))
        guest.pump(session)
        #expect(try guest.read("_stext", plus: 0x10, count: 1) == [0x90])
        #expect(guest.model.vcpuStatus(0)?.retired.map(\.retirement) == [.emulated])
        #expect(guest.alerts.isEmpty)
        // Bytes other than those there, so the emulated write is seen at once (`aWriteOfTheSameBytes…`).
        let other = try guest.read("_stext", plus: 0x20, count: 1).map { ~$0 }
        _ = guest.model.write(vcpu: 0, virtual: guest.address("_stext", plus: 0x20), bytes: other, rip: guest.address("commit_creds"))
        guest.pump(session)
        #expect(guest.alerts.map(\.outcome) == [.alerted])
        #expect(session.tearDown().isEmpty)
    }

    @Test func fourVCPUsWritingAtOnceAreEachDecidedAndReportedWithTheirOwnBytes() throws {
        let (guest, session) = try Self.protectedGuest()
        let table = try guest.read("sys_call_table", count: 64)
        // Two vCPUs attack the table, two rewrite their own 8 bytes of modprobe_path, all before Warden looks.
        let patterns = (0..<4).map { vcpu in [UInt8](repeating: UInt8(0xB0 + vcpu), count: 8) }
        for vcpu in 0..<4 {
            let (name, slot) = vcpu < 2 ? ("sys_call_table", vcpu) : ("modprobe_path", vcpu - 2)
            _ = guest.model.write(
                vcpu: vcpu, virtual: guest.address(name, plus: UInt64(slot) * 8), bytes: patterns[vcpu],
                rip: guest.address("commit_creds"))
        }
        guest.pump(session)
        #expect(try guest.read("sys_call_table", count: 64) == table)
        #expect(guest.alerts.filter { $0.outcome == .denied }.compactMap(\.vcpu).sorted() == [0, 1])
        let alerted = guest.alerts.filter { $0.outcome == .alerted }
        #expect(alerted.compactMap(\.vcpu).sorted() == [2, 3])
        for alert in alerted {
            let vcpu = Int(try #require(alert.vcpu))
            #expect(alert.written?.new == patterns[vcpu])
            #expect(try guest.read("modprobe_path", plus: UInt64(vcpu - 2) * 8) == patterns[vcpu])
        }
        Self.expectNeverUnrestricted(guest, session)
        #expect(session.tearDown().isEmpty)
        #expect(guest.model.snapshot() == guest.baseline)
    }

    @Test func anUnemulatableWriteToAnAlertTargetIsRefusedVisiblyAndTheVCPURunsOn() throws {
        let (guest, session) = try Self.protectedGuest()
        let old = try guest.read("modprobe_path")
        _ = guest.model.write(
            vcpu: 2, virtual: guest.address("modprobe_path"), bytes: Array("/tmp/x\0\0".utf8), rip: guest.address("commit_creds"),
            emulatable: false)
        guest.pump(session)
        #expect(try guest.read("modprobe_path") == old, "refused, not silently allowed")
        let status = try #require(guest.model.vcpuStatus(2))
        #expect(status.retired.map(\.retirement) == [.invalidOpcodeInjected])
        #expect(status.isRunnable && status.pendingInstruction == nil, "no hang, no endless re-fault")
        let alert = try #require(guest.alerts.first)
        #expect(guest.alerts.count == 1)
        #expect(alert.outcome == .denied)
        #expect(alert.reason == .emulationUnimplemented)
        #expect(alert.target == SymbolOffset(symbol: "modprobe_path", offset: 0))
        #expect(session.statistics.unemulatable == 1)
        // Monitoring returns at the vCPU's next event (its #UD is then delivered).
        #expect(!guest.model.snapshot().emulUnimplementedMonitoring)
        _ = guest.model.write(vcpu: 2, virtual: guest.address("modprobe_path"), bytes: [0x2E], rip: guest.address("commit_creds"))
        guest.pump(session)
        #expect(guest.model.snapshot().emulUnimplementedMonitoring)
        #expect(guest.alerts.map(\.outcome) == [.denied, .alerted])
        #expect(session.tearDown().isEmpty)
        #expect(guest.model.snapshot() == guest.baseline)
    }

    @Test func anUnemulatableWriteToADenyTargetNeverHappensAndSaysWhy() throws {
        let (guest, session) = try Self.protectedGuest()
        let before = try guest.read("sys_call_table", plus: 16)
        _ = guest.model.write(
            vcpu: 1, virtual: guest.address("sys_call_table", plus: 16), bytes: [UInt8](repeating: 0x66, count: 8),
            rip: guest.address("commit_creds"), emulatable: false)
        guest.pump(session)
        #expect(try guest.read("sys_call_table", plus: 16) == before)
        let status = try #require(guest.model.vcpuStatus(1))
        #expect(status.retired.map(\.retirement) == [.invalidOpcodeInjected])
        #expect(status.isRunnable)
        // The policy's denial, then why the vCPU got #UD instead of a skipped write.
        #expect(guest.alerts.map(\.outcome) == [.denied, .denied])
        #expect(guest.alerts.map(\.reason) == [nil, .emulationUnimplemented])
        #expect(session.statistics.requests == 3, "fault, EMUL_UNIMPLEMENTED, re-fault: no loop")
        #expect(session.tearDown().isEmpty)
        #expect(guest.model.snapshot() == guest.baseline)
    }

    @Test func anUnemulatableTrustedWriterIsNotPassedSilently() throws {
        let (guest, session) = try Self.protectedGuest()
        let before = try guest.read("_stext", plus: 0x10, count: 1)
        _ = guest.model.write(
            vcpu: 0, virtual: guest.address("_stext", plus: 0x10), bytes: [0x90], rip: guest.address("text_poke", plus: 4),
            emulatable: false)
        guest.pump(session)
        #expect(try guest.read("_stext", plus: 0x10, count: 1) == before)
        #expect(guest.alerts.map(\.reason) == [.emulationUnimplemented])
        #expect(session.tearDown().isEmpty)
    }

    @Test func teardownWithRequestsAndEmulationsPendingReleasesEveryVCPU() throws {
        let (guest, session) = try Self.protectedGuest()
        let new = Array("/tmp/y\0\0".utf8)
        // vCPU 0's allowed write is answered but not yet emulated; the others wait on the ring.
        _ = guest.model.write(vcpu: 0, virtual: guest.address("modprobe_path"), bytes: new, rip: guest.address("commit_creds"))
        _ = session.serveRing()
        #expect(guest.model.vcpuStatus(0)?.emulationPending == true)
        for vcpu in 1..<4 {
            _ = guest.model.write(
                vcpu: vcpu, virtual: guest.address("sys_call_table", plus: UInt64(vcpu) * 8), bytes: [1, 2, 3, 4, 5, 6, 7, 8],
                rip: guest.address("commit_creds"))
        }
        #expect(session.tearDown().isEmpty)
        // The write was not seen to happen: reported, without bytes that would claim otherwise.
        let alert = try #require(guest.alerts.first)
        #expect(guest.alerts.count == 1)
        #expect(alert.outcome == .alerted && alert.via == .emulation && alert.written == nil)
        _ = guest.model.runUntilIdle()
        #expect(guest.model.snapshot() == guest.baseline)
        #expect((0..<4).allSatisfy { guest.model.vcpuStatus($0)?.isRunnable == true })
        #expect((0..<4).allSatisfy { guest.model.vcpuStatus($0)?.pendingInstruction == nil })
    }

    @Test func teardownDuringARefusalLeavesNothingBehind() throws {
        let (guest, session) = try Self.protectedGuest()
        _ = guest.model.write(
            vcpu: 3, virtual: guest.address("modprobe_path"), bytes: [0x2F], rip: guest.address("commit_creds"), emulatable: false)
        // Fault → EMULATE; EMUL_UNIMPLEMENTED → monitor off, plain resume; then stop before the re-fault.
        _ = session.serveRing()
        _ = guest.model.runUntilIdle()
        _ = session.serveRing()
        #expect(!guest.model.snapshot().emulUnimplementedMonitoring)
        #expect(session.tearDown().isEmpty)
        _ = guest.model.runUntilIdle()
        #expect(guest.model.snapshot() == guest.baseline)
    }

    @Test func aFailureAtAnySetupStepOfTheEmulatePathLeavesTheGuestUnrestricted() throws {
        let probe = try ModelGuest(ProtectionSessionTests.targets, configuration: Self.noMTF)
        let counting = FaultInjectingHypervisor(probe.hypervisor)
        try probe.session(on: counting, allowPath: .emulate).setUp()
        #expect(counting.log.contains("setEmulUnimplementedMonitoring(true)"))
        // Asked, and refused by Xen (EOPNOTSUPP): no single-step fallback, nothing to undo for it.
        #expect(counting.log.filter { $0.hasPrefix("setSinglestep") } == ["setSinglestepMonitoring(true)"])
        for failAt in 1...counting.mutatingCalls {
            let guest = try ModelGuest(ProtectionSessionTests.targets, configuration: Self.noMTF)
            let faulty = FaultInjectingHypervisor(guest.hypervisor, failAt: failAt)
            #expect(throws: ProtectionSession.SetupError.self) { try guest.session(on: faulty, allowPath: .emulate).setUp() }
            #expect(guest.model.snapshot() == guest.baseline, "after a failure at \(faulty.log.last ?? "?")")
        }
    }

    @Test func theSinglestepPathCannotSetUpWithoutMTF() throws {
        let guest = try ModelGuest(ProtectionSessionTests.targets, configuration: Self.noMTF)
        let session = guest.session(allowPath: .singlestep)
        #expect(throws: ProtectionSession.SetupError.self) { try session.setUp() }
        #expect(guest.model.snapshot() == guest.baseline)
    }

    @Test func aRefusalWhoseMonitorCannotBeTurnedOffStopsServingInsteadOfLooping() throws {
        let guest = try ModelGuest(ProtectionSessionTests.targets, configuration: Self.noMTF)
        let faulty = FaultInjectingHypervisor(guest.hypervisor)
        let session = guest.session(on: faulty, allowPath: .emulate)
        try session.setUp()
        let before = try guest.read("modprobe_path")
        _ = guest.model.write(
            vcpu: 1, virtual: guest.address("modprobe_path"), bytes: [0x2E], rip: guest.address("commit_creds"), emulatable: false)
        #expect(session.serveRing().isEmpty)
        _ = guest.model.runUntilIdle()
        // The next state change is turning EMUL_UNIMPLEMENTED monitoring off; it fails.
        faulty.failAt = faulty.mutatingCalls + 1
        let failures = session.serveRing()
        #expect(failures.map(\.operation) == ["injected: setEmulUnimplementedMonitoring(false)"])
        #expect(guest.alerts.map(\.reason) == [.emulationUnimplemented])
        // `run` stops on such a failure and tears down; the guest is left unrestricted, the write never made.
        #expect(session.tearDown().isEmpty)
        _ = guest.model.runUntilIdle()
        #expect(guest.model.snapshot() == guest.baseline)
        #expect(guest.model.vcpuStatus(1)?.isRunnable == true)
        #expect(try guest.read("modprobe_path") != before, "unprotected now: the CPU ran the instruction itself")
    }

    @Test func withMTFAnUnemulatableAllowedWriteIsSingleSteppedInsteadAndADeniedOneStillRefused() throws {
        let guest = try ModelGuest(ProtectionSessionTests.targets)
        let session = guest.session(allowPath: .emulate)
        try session.setUp()
        #expect(session.singlestepFallback)
        #expect(guest.model.snapshot().singlestepMonitoring && guest.model.snapshot().emulUnimplementedMonitoring)
        let old = try guest.read("modprobe_path")
        let new = Array("/tmp/w\0\0".utf8)
        _ = guest.model.write(
            vcpu: 2, virtual: guest.address("modprobe_path"), bytes: new, rip: guest.address("commit_creds"), emulatable: false)
        let table = try guest.read("sys_call_table", plus: 8)
        _ = guest.model.write(
            vcpu: 1, virtual: guest.address("sys_call_table", plus: 8), bytes: [UInt8](repeating: 0x41, count: 8),
            rip: guest.address("commit_creds"), emulatable: false)
        guest.pump(session)
        #expect(try guest.read("modprobe_path") == new)
        #expect(guest.model.vcpuStatus(2)?.retired.map(\.retirement) == [.executed])
        #expect(try guest.read("sys_call_table", plus: 8) == table)
        #expect(guest.model.vcpuStatus(1)?.retired.map(\.retirement) == [.invalidOpcodeInjected])
        let alerted = try #require(guest.alerts.first { $0.outcome == .alerted })
        #expect(alerted.via == .singleStep)
        #expect(alerted.written == WrittenBytes(old: old, new: new))
        #expect(guest.alerts.filter { $0.reason == .emulationUnimplemented }.map(\.vcpu) == [1])
        #expect(guest.model.snapshot().vcpuViews.allSatisfy { $0 == session.restrictedView.index })
        #expect(session.tearDown().isEmpty)
        #expect(guest.model.snapshot() == guest.baseline)
    }

    @Test func aFailureAtAnySetupStepOfTheEmulatePathWithMTFLeavesTheGuestUnrestricted() throws {
        let probe = try ModelGuest(ProtectionSessionTests.targets)
        let counting = FaultInjectingHypervisor(probe.hypervisor)
        try probe.session(on: counting, allowPath: .emulate).setUp()
        for failAt in 1...counting.mutatingCalls {
            let guest = try ModelGuest(ProtectionSessionTests.targets)
            let faulty = FaultInjectingHypervisor(guest.hypervisor, failAt: failAt)
            #expect(throws: ProtectionSession.SetupError.self) { try guest.session(on: faulty, allowPath: .emulate).setUp() }
            #expect(guest.model.snapshot() == guest.baseline, "after a failure at \(faulty.log.last ?? "?")")
        }
    }
}
