import Alerts
import Enforcement
import Hypervisor
import Testing
import WardenCore
import XenModel

/// The controller against a full ring: more vCPUs fault at once than the 8-slot page holds, so Xen
/// parks the rest in its wait queue (reference §2), and every one must still be answered by policy.
@Suite struct RingPressureTests {
    static let targets = [
        ModelGuest.target("sys_call_table", .deny, length: 8 * 451),
        ModelGuest.target("modprobe_path", .alert),
    ]
    static let vcpus = 12

    /// Eight bytes no guest value in the generated image equals, distinct per writer and round.
    static func pattern(vcpu: Int, round: Int = 0) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: 0xA0 &+ vcpu &* 11 &+ round &* 3 &+ $0) }
    }

    /// No vCPU is paused for an event, parked for a slot, blocked for space or holding unfinished work.
    static func expectAllReleased(_ guest: ModelGuest, _ context: String) {
        for vcpu in 0..<vcpus {
            let status = guest.model.vcpuStatus(vcpu)
            #expect(status?.vmEventPauseCount == 0, "vCPU \(vcpu) \(context)")
            #expect(status?.waitingForRingSlot == false, "vCPU \(vcpu) \(context)")
            #expect(status?.blockedForRingSpace == false, "vCPU \(vcpu) \(context)")
            #expect(status?.pendingInstruction == nil, "vCPU \(vcpu) \(context)")
            #expect(status?.queuedInstructions == 0, "vCPU \(vcpu) \(context)")
        }
    }

    @Test func twelveVCPUsFaultingAtOnceOverflowTheRingAndAreAllDecidedByPolicy() throws {
        let guest = try ModelGuest(Self.targets, vcpus: Self.vcpus)
        let session = guest.session()
        try session.setUp()
        let table = try guest.read("sys_call_table", count: 8 * 6)
        // vCPUs 0–5 attack the table (deny); 6–11 each rewrite their own 8 bytes of modprobe_path (alert).
        var outcomes: [WriteOutcome] = []
        for vcpu in 0..<Self.vcpus {
            let (name, slot) = vcpu < 6 ? ("sys_call_table", vcpu) : ("modprobe_path", vcpu - 6)
            outcomes.append(guest.model.write(
                vcpu: vcpu, virtual: guest.address(name, plus: UInt64(slot) * 8), bytes: Self.pattern(vcpu: vcpu),
                rip: guest.address("commit_creds")))
        }
        // The first eight hold every slot; the other four sleep in Xen's wait queue, requests unsent.
        #expect(outcomes.prefix(8).allSatisfy { if case .pendingEvent = $0 { true } else { false } })
        #expect(Array(outcomes.suffix(4)) == [WriteOutcome](repeating: .waitingForRingSlot, count: 4))
        #expect(guest.model.freeRingSlots == 0)

        guest.pump(session, rounds: 200)

        #expect(try guest.read("sys_call_table", count: 8 * 6) == table)
        for vcpu in 6..<Self.vcpus {
            #expect(try guest.read("modprobe_path", plus: UInt64(vcpu - 6) * 8) == Self.pattern(vcpu: vcpu))
        }
        for vcpu in 0..<Self.vcpus {
            let retired = guest.model.vcpuStatus(vcpu)?.retired.map(\.retirement)
            #expect(retired == [vcpu < 6 ? .emulatedWithoutWrites : .executed], "vCPU \(vcpu)")
        }
        // One alert per write, on the vCPU that made it; alerted ones carry exactly what was written.
        #expect(guest.alerts.filter { $0.outcome == .denied }.compactMap(\.vcpu).sorted() == Array(0..<6).map(UInt32.init))
        let alerted = guest.alerts.filter { $0.outcome == .alerted }
        #expect(alerted.compactMap(\.vcpu).sorted() == Array(6..<12).map(UInt32.init))
        for alert in alerted { #expect(alert.written?.new == Self.pattern(vcpu: Int(try #require(alert.vcpu)))) }
        #expect(session.statistics.requests == 6 + 2 * 6)
        #expect(session.statistics.ignored == 0)
        Self.expectAllReleased(guest, "after the burst")
        #expect(guest.model.snapshot().vcpuViews.allSatisfy { $0 == session.restrictedView.index })
        #expect(guest.model.freeRingSlots == 8)
        #expect(session.tearDown().isEmpty)
        #expect(guest.model.snapshot() == guest.baseline)
    }

    @Test func fiveHundredWritesAcrossTwelveVCPUsWrapTheRingManyTimesWithoutLosingOne() throws {
        let guest = try ModelGuest(Self.targets, vcpus: Self.vcpus)
        let session = guest.session()
        try session.setUp()
        let table = try guest.read("sys_call_table", count: 8 * Self.vcpus)
        // Each vCPU queues its writes up front, alternating deny and alert targets, so the ring is kept
        // full and both sides' free-running indices pass every slot dozens of times.
        let writes = 500
        var lastAlertRound: [Int: Int] = [:]
        for index in 0..<writes {
            let vcpu = index % Self.vcpus
            let round = index / Self.vcpus
            let denied = round % 2 == 0
            let name = denied ? "sys_call_table" : "modprobe_path"
            if !denied { lastAlertRound[vcpu] = round }
            let write = GuestWrite(virtual: guest.address(name, plus: UInt64(vcpu) * 8), bytes: Self.pattern(vcpu: vcpu, round: round))
            #expect(guest.model.enqueue(GuestInstruction(rip: guest.address("commit_creds"), write: write), on: vcpu) != nil)
        }
        guest.pump(session, rounds: 5000)

        let deniedCount = (0..<writes).filter { ($0 / Self.vcpus) % 2 == 0 }.count
        let alertedCount = writes - deniedCount
        #expect(guest.alerts.filter { $0.outcome == .denied }.count == deniedCount)
        #expect(guest.alerts.filter { $0.outcome == .alerted }.count == alertedCount)
        #expect(session.statistics.requests == deniedCount + 2 * alertedCount)
        #expect(try guest.read("sys_call_table", count: 8 * Self.vcpus) == table)
        for (vcpu, round) in lastAlertRound {
            #expect(try guest.read("modprobe_path", plus: UInt64(vcpu) * 8) == Self.pattern(vcpu: vcpu, round: round))
        }
        let retired = (0..<Self.vcpus).flatMap { guest.model.vcpuStatus($0)?.retired ?? [] }
        #expect(retired.count == writes)
        #expect(retired.filter { $0.retirement == .emulatedWithoutWrites }.count == deniedCount)
        #expect(retired.filter { $0.retirement == .executed }.count == alertedCount)
        Self.expectAllReleased(guest, "after \(writes) writes")
        #expect(guest.model.freeRingSlots == 8)
        #expect(session.tearDown().isEmpty)
        #expect(guest.model.snapshot() == guest.baseline)
    }

    @Test func theRunLoopServesAFullRingAndTearsDownWhenToldToStop() throws {
        let guest = try ModelGuest(Self.targets, vcpus: Self.vcpus)
        let session = guest.session()
        try session.setUp()
        for vcpu in 0..<Self.vcpus {
            _ = guest.model.write(
                vcpu: vcpu, virtual: guest.address("sys_call_table", plus: UInt64(vcpu) * 8), bytes: Self.pattern(vcpu: vcpu),
                rip: guest.address("commit_creds"))
        }
        // The model hypervisor runs guest rounds inside each wait, so the loop alone must drain everything.
        var polls = 0
        let failures = session.run(pollMilliseconds: 0) {
            polls += 1
            return guest.alerts.count == Self.vcpus || polls > 2000
        }
        #expect(failures.isEmpty)
        #expect(guest.alerts.map(\.outcome) == [AlertOutcome](repeating: .denied, count: Self.vcpus))
        _ = guest.model.runUntilIdle()
        Self.expectAllReleased(guest, "after run")
        #expect(guest.model.snapshot() == guest.baseline)
    }
}
