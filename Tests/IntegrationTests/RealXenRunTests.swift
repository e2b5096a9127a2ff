import Foundation
import Testing

/// `warden run` on real Xen 4.17 (Bochs's CPU has no Monitor Trap Flag, so writes are let through
/// by Xen's emulator): the rootkit simulator in the domU attacks, the guest's own reads are the
/// ground truth, `xen-state` shows what teardown left behind.
extension RealXen {
@Suite("warden run", .serialized, .timeLimit(.minutes(60)))
struct Run {
    static let syscallPolicy = "--policy /lab/policies/linux-syscall-tables.yaml"
    static let corePolicy = "--policy /lab/policies/linux-kernel-core.yaml"
    /// An unassigned x86-64 system call number (sys_ni_syscall): a hook there harms nothing if a
    /// broken deny let it through.
    static let unusedSyscall = 335

    init() async throws {
        try await XenLab.up()
        // A test that failed half-way must not leave the next one a protected guest.
        try await XenLab.check("[ -f \(LabWarden.pidFile) ] && kill -9 $(cat \(LabWarden.pidFile)) 2>/dev/null; rm -f \(LabWarden.pidFile)")
        if try await !LabXenState.read().isReleased { try await XenLab.check("warden release --domain domu") }
    }

    @Test func deniedSysCallTableWriteNeverHappensAndIsReported() async throws {
        try await LabWarden.start(Self.syscallPolicy)
        let hook = try await RootkitSimulator.write(
            "sys_call_table", offset: Self.unusedSyscall * 8, bytes: "00000081ffffffff")
        let alerts = try await LabWarden.waitForAlerts(1)
        #expect(hook.fields["after"] == hook.fields["before"], "the guest read back \(hook.fields)")
        #expect(try await XenLab.check("echo alive", in: "domu") == "alive\n")
        let alert = try #require(alerts.first)
        #expect(alert["action"] as? String == "denied")
        let target = alert["target"] as? [String: Any]
        #expect(target?["symbol"] as? String == "sys_call_table")
        #expect(target?["offset"] as? Int == Self.unusedSyscall * 8)
        #expect(alert["gla"] as? String == hook.fields["alias"])
        #expect(alert["gpa"] as? String == hook.fields["gpa"])
        #expect(alert["rip"] as? String == hook.fields["rip"])
        let stderr = try await LabWarden.stop()
        #expect(stderr.contains("guest released"), "\(stderr)")
        let state = try await LabXenState.read()
        #expect(state.isReleased, "\(state)")
    }

    @Test func alertTargetWriteTakesEffectAndReportsOldAndNewBytes() async throws {
        try await LabWarden.start(Self.corePolicy)
        let original = try await RootkitSimulator.read("modprobe_path", offset: 0, length: 8)
        let write = try await RootkitSimulator.write("modprobe_path", offset: 0, bytes: "2f746d702f657669")  // "/tmp/evi"
        let alerts = try await LabWarden.waitForAlerts(1)
        #expect(write.fields["after"] == "2f746d702f657669", "\(write.fields)")
        let alert = try #require(alerts.first)
        #expect(alert["action"] as? String == "alerted")
        #expect((alert["target"] as? [String: Any])?["symbol"] as? String == "modprobe_path")
        #expect(alert["old"] as? String == original.fields["bytes"])
        #expect(alert["new"] as? String == "2f746d702f657669")
        // Stopped before the guest does anything more: under this plan every timer tick is a round
        // trip to dom0 (see anOrdinaryGuestLeftAloneRaisesNoAlert), which Bochs makes very slow.
        try await LabWarden.stop()
        #expect(try await LabXenState.read().isReleased)
        _ = try await RootkitSimulator.command("restore")
        #expect(try await RootkitSimulator.read("modprobe_path", offset: 0, length: 8).fields["bytes"] == original.fields["bytes"])
    }

    /// A trusted writer passes silently, on a real kernel path: `kernel.modprobe` set through
    /// /proc/sys is stored byte by byte by the sysctl string handler (`_proc_do_string`, kernel/sysctl.c
    /// in 6.1; `proc_dostring` where it is inlined), which the policy names in `writers:`. The rootkit
    /// simulator's store to the same bytes, from its own code, is still alerted.
    @Test func aTrustedWriterPassesSilentlyAndAnyOtherWriterIsReported() async throws {
        let policy = #"warden-policy: 1\nname: lab-trusted-writer\ntargets:\n  - symbol: modprobe_path\n    action: alert\n    writers: [_proc_do_string, proc_dostring]\n"#
        try await XenLab.check("printf '\(policy)' >/tmp/trusted-writer.yaml")
        let original = try await XenLab.check("cat /proc/sys/kernel/modprobe", in: "domu")
        try await LabWarden.start("--policy /tmp/trusted-writer.yaml")
        try await XenLab.check("echo /sbin/modprobe.lab >/proc/sys/kernel/modprobe", in: "domu")
        #expect(try await XenLab.check("cat /proc/sys/kernel/modprobe", in: "domu") == "/sbin/modprobe.lab\n")
        // Then a store from elsewhere: its alert is also the sign that every earlier event was decided.
        let write = try await RootkitSimulator.write("modprobe_path", offset: 0, bytes: "2f746d702f657669")  // "/tmp/evi"
        let alerts = try await LabWarden.waitForAlerts(1)
        let stderr = try await LabWarden.stop()
        try await XenLab.check("echo '\(original.trimmingCharacters(in: .newlines))' >/proc/sys/kernel/modprobe", in: "domu")
        #expect(alerts.count == 1, "\(alerts)")
        #expect(alerts.first?["action"] as? String == "alerted")
        #expect(alerts.first?["rip"] as? String == write.fields["rip"])
        // The sysctl's stores reached Warden and were excused, not missed: the summary counts them.
        let excused = try #require(stderr.firstMatch(of: /(\d+) by trusted writers/)?.1, "\(stderr)")
        #expect(Int(excused).map { $0 >= 1 } == true, "\(stderr)")
        #expect(try await LabXenState.read().isReleased)
    }

    /// With the system-call policy. Under linux-kernel-core the lab's guest crawls instead: the frame
    /// of `modules_disabled` also holds the timekeeper's data, written on every tick, and each write
    /// is a VM exit and a round trip to dom0 (measured: about 80,000 events in ten minutes, the
    /// guest making almost no progress under Bochs); the README reports it.
    @Test func anOrdinaryGuestLeftAloneRaisesNoAlert() async throws {
        try await LabWarden.start(Self.syscallPolicy)
        // Ordinary activity for a while: processes, files, timers, module-free kernel work.
        try await XenLab.check("for i in $(seq 20); do ls /proc >/dev/null; cat /proc/meminfo >/dev/null; sleep 1; done", in: "domu")
        #expect(try await LabWarden.alerts().isEmpty)
        try await LabWarden.stop(signal: "INT")
        #expect(try await LabXenState.read().isReleased)
    }

    /// SIGTERM, then SIGINT, each mid-attack; each time `warden run` attaches again afterwards.
    @Test func aSignalMidAttackReleasesTheGuestAndWardenAttachesAgain() async throws {
        for signal in ["TERM", "INT"] {
            try await LabWarden.start(Self.syscallPolicy)
            let protected = try await LabXenState.read()
            #expect(protected.fields["altp2m"] == "1" && protected.fields["ring"]?.hasPrefix("held") == true, "\(protected)")
            _ = try await RootkitSimulator.write("sys_call_table", offset: Self.unusedSyscall * 8, bytes: "00000081ffffffff")
            let stderr = try await LabWarden.stop(signal: signal)
            #expect(stderr.contains("guest released"), "SIG\(signal): \(stderr)")
            let released = try await LabXenState.read()
            #expect(released.isReleased, "after SIG\(signal): \(released)")
            #expect(try await XenLab.check("echo alive", in: "domu") == "alive\n")
        }
    }

    /// Issue 12 §2 on real Xen: a hook already in place when Warden attaches (an unused entry pointed
    /// into the simulator module) is named by `warden check`, and `warden run` refuses to protect the
    /// guest by default, changing nothing; restored, the check is clean again.
    @Test func aHookInPlaceBeforeAttachIsNamedAndRunRefuses() async throws {
        let line = try await XenLab.check("grep -m1 '\\[rootkit_sim\\]' /proc/kallsyms", in: "domu")
        let address = try #require(line.split(separator: " ").first.flatMap { UInt64($0, radix: 16) }, "\(line)")
        let littleEndian = (0..<8).map { String(format: "%02x", (address >> (8 * $0)) & 0xff) }.joined()
        _ = try await RootkitSimulator.write("sys_call_table", offset: Self.unusedSyscall * 8, bytes: littleEndian)
        let before = try await LabXenState.read()
        let check = try await XenLab.run("warden check --domain domu")
        let run = try await XenLab.run("warden run --domain domu \(Self.syscallPolicy)")
        _ = try await RootkitSimulator.command("restore")
        let clean = try await XenLab.run("warden check --domain domu")
        #expect(check.status == 1 && check.text.contains("sys_call_table[\(Self.unusedSyscall)]"), "\(check.text)")
        #expect(check.text.contains("module area"), "\(check.text)")
        #expect(run.status != 0 && run.text.contains("refusing"), "\(run.text)")
        #expect(try await LabXenState.read() == before)
        #expect(clean.status == 0, "\(clean.text)")
    }

    @Test func tenAttachDetachCyclesLeaveNothingBehind() async throws {
        for cycle in 1...10 {
            try await LabWarden.start(Self.syscallPolicy)
            try await LabWarden.stop()
            let state = try await LabXenState.read()
            #expect(state.isReleased, "after cycle \(cycle): \(state)")
        }
        #expect(try await XenLab.check("echo alive", in: "domu") == "alive\n")
    }

    @Test func aSecondWardenIsToldTheRingIsHeld() async throws {
        try await LabWarden.start(Self.syscallPolicy)
        let second = try await XenLab.run("warden run --domain domu \(Self.syscallPolicy)")
        #expect(second.status != 0)
        #expect(second.text.contains("ring"), "\(second.text)")
        try await LabWarden.stop()
        #expect(try await LabXenState.read().isReleased)
    }

    @Test func killedWithAWritePendingTheGuestIsStuckUntilRelease() async throws {
        try await LabWarden.start(Self.syscallPolicy)
        // A stopped controller answers nothing: the domU's only vCPU waits on the ring.
        try await XenLab.check("kill -STOP $(cat \(LabWarden.pidFile))")
        let stuck = try await XenLab.run(
            "LAB_DOMU_TIMEOUT=30 lab-domu 9001 'echo write sys_call_table \(Self.unusedSyscall * 8) 00000081ffffffff > /proc/rootkit_sim; echo done'")
        #expect(stuck.status == 124, "the domU answered while its write was pending: \(stuck.text)")
        try await XenLab.check("kill -9 $(cat \(LabWarden.pidFile))")
        #expect(try await XenLab.run("LAB_DOMU_TIMEOUT=30 lab-domu 9002 'echo alive'").status == 124)
        let release = try await XenLab.run("warden release --domain domu")
        #expect(release.status == 0, "\(release.text)")
        #expect(try await XenLab.check("echo alive", in: "domu").contains("alive"))
        let state = try await LabXenState.read()
        #expect(state.isReleased, "\(state)")
        // Released, the vCPU re-ran its store unprotected: the hook is in; take it out.
        _ = try await RootkitSimulator.command("restore")
    }
}
}
