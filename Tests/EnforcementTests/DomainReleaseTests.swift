import Enforcement
import Hypervisor
import Synchronization
import Testing
import XenInterop
import XenModel
import XenRing

/// `warden release` over the model of Xen 4.17, after a Warden that was killed with SIGKILL.
@Suite struct DomainReleaseTests {
    /// Ring pages the killed process had mapped; the kernel unmaps them when the process dies.
    final class MappedPages: Sendable {
        let pages = Mutex<[UInt]>([])
    }

    /// Sets up a session through the production Xen backend, leaves vCPUs 0..<`faulting` paused on
    /// unanswered sys_call_table writes and vCPU `stepping` (if any) mid allow-once, in view 0 with
    /// singlestep armed, then "kills" the process: no teardown, handles dropped, its mapping unmapped.
    static func killedWarden(
        vcpus: Int = 4, faulting: Range<Int> = 0..<3, stepping: Int? = 3, xen: XenModelConfiguration = XenModelConfiguration()
    ) throws -> ModelGuest {
        let guest = try ModelGuest(ProtectionSessionTests.targets, vcpus: vcpus, configuration: xen)
        let mapped = MappedPages()
        var calls = guest.model.calls
        let enable = calls.monitor.enable
        calls.monitor.enable = { (handle, domain) throws(XenError) in
            let ring = try enable(handle, domain)
            mapped.pages.withLock { $0.append(UInt(bitPattern: ring.page)) }
            return ring
        }
        do {
            let session = guest.session(on: try XenHypervisor.open(String(guest.model.domainID), calls: calls))
            try session.setUp()
            if let stepping {
                _ = guest.model.write(vcpu: stepping, virtual: guest.address("modprobe_path"), bytes: [0x2F], rip: guest.address("commit_creds"))
                #expect(session.serveRing().isEmpty)
            }
            for vcpu in faulting {
                _ = guest.model.write(
                    vcpu: vcpu, virtual: guest.address("sys_call_table", plus: UInt64(vcpu) * 8),
                    bytes: [UInt8](repeating: 0xEE, count: 8), rip: guest.address("commit_creds"))
            }
        }
        for page in mapped.pages.withLock({ $0 }) {
            try guest.model.unmapRing(try #require(UnsafeMutableRawPointer(bitPattern: page)))
        }
        // The state a SIGKILL leaves: vCPUs wait for replies nobody will send, the guest stays restricted.
        _ = guest.model.runUntilIdle()
        let left = guest.model.snapshot()
        #expect(left.ringPresent && left.altp2mActive && left.hiddenViews == [0])
        for vcpu in faulting {
            // Paused for a reply, or (ring full) asleep in Xen's wait queue for a slot.
            #expect(left.vmEventPauseCounts[vcpu] == 1 || left.waitingForRingSlot[vcpu], "vCPU \(vcpu)")
            if left.vmEventPauseCounts[vcpu] == 1 { #expect(guest.model.vcpuStatus(vcpu)?.isRunnable == false) }
        }
        if let stepping {
            #expect(left.vcpuViews[stepping] == 0 && left.singleSteps[stepping])
        }
        return guest
    }

    static func expectReleased(_ guest: ModelGuest, _ report: ReleaseReport) {
        #expect(report.succeeded, "\(report)")
        #expect(guest.model.snapshot().vmEventPauseCounts.allSatisfy { $0 == 0 })
        _ = guest.model.runUntilIdle()
        #expect(guest.model.snapshot() == guest.baseline)
        for vcpu in 0..<guest.model.vcpuCount {
            #expect(guest.model.vcpuStatus(vcpu)?.isRunnable == true, "vCPU \(vcpu)")
        }
    }

    static func outcome(_ report: ReleaseReport, _ name: String) -> ReleaseReport.Outcome? {
        report.steps.first { $0.name == name }?.outcome
    }

    @Test func releaseThroughTheModelRecoversAKilledWarden() throws {
        let guest = try Self.killedWarden()
        let report = DomainRelease.release(ModelHypervisor(model: guest.model))
        #expect(Self.outcome(report, "disable the orphaned monitor ring") == .ok)
        #expect(Self.outcome(report, "reply VCPU_PAUSED to every vCPU") == .ok)
        #expect(Self.outcome(report, "disable the monitor ring again") == .ok)
        // xc_monitor_disable already wiped the monitor settings.
        #expect(Self.outcome(report, "singlestep monitoring off") == .already("already off (EEXIST)"))
        Self.expectReleased(guest, report)
    }

    @Test func releaseThroughTheXenBackendRecoversAKilledWarden() throws {
        let guest = try Self.killedWarden()
        let backend = try XenHypervisor.open(String(guest.model.domainID), calls: guest.model.calls)
        Self.expectReleased(guest, DomainRelease.release(backend))
    }

    @Test func moreVCPUsThanRingSlotsAreRepliedToInBatches() throws {
        // Eight requests fill the 8-slot ring; ten replies take two batches, and vCPUs 8 and 9, paused
        // for replies, are in the second: it is placed only because Xen consumed the first on notify.
        let guest = try Self.killedWarden(vcpus: 10, faulting: 2..<10, stepping: nil)
        let report = DomainRelease.release(ModelHypervisor(model: guest.model))
        #expect(Self.outcome(report, "reply VCPU_PAUSED to every vCPU") == .ok)
        Self.expectReleased(guest, report)
    }

    @Test func vCPUsQueuedForRingSpaceMakeTheReleaseFailAndSaySo() throws {
        // Ten writers on an 8-slot ring: two wait for a slot, so Xen refuses xc_monitor_disable (EBUSY).
        let guest = try Self.killedWarden(vcpus: 10, faulting: 0..<10, stepping: nil)
        let report = DomainRelease.release(ModelHypervisor(model: guest.model))
        #expect(!report.succeeded)
        guard case .failed(let error) = Self.outcome(report, "disable the orphaned monitor ring") else {
            Issue.record("expected a failure: \(report)")
            return
        }
        #expect(error.errno == 16)
        #expect(report.description.contains("FAILED: xc_monitor_disable, errno 16"))
        // The rest still ran: the views are gone and the domain is not left paused by the release.
        #expect(!guest.model.snapshot().altp2mActive)
        #expect(guest.model.snapshot().controllerPauseCount == 0)
    }

    @Test func releaseOnAnUntouchedDomainChangesNothingAndSucceeds() throws {
        let guest = try ModelGuest(ProtectionSessionTests.targets)
        let report = DomainRelease.release(guest.hypervisor)
        #expect(Self.outcome(report, "disable the orphaned monitor ring") == .already("no ring (EINVAL)"))
        #expect(Self.outcome(report, "show the host view") == .already("altp2m not active (EOPNOTSUPP)"))
        #expect(Self.outcome(report, "switch every vCPU to the host view") == .already("altp2m not active (EOPNOTSUPP)"))
        Self.expectReleased(guest, report)
    }

    @Test func releasingTwiceIsFine() throws {
        let guest = try Self.killedWarden()
        Self.expectReleased(guest, DomainRelease.release(ModelHypervisor(model: guest.model)))
        Self.expectReleased(guest, DomainRelease.release(ModelHypervisor(model: guest.model)))
    }

    @Test func aFailedPauseIsReportedAndNotUndone() throws {
        let guest = try ModelGuest(ProtectionSessionTests.targets)
        let faulty = FaultInjectingHypervisor(guest.hypervisor, failAt: 1)
        let report = DomainRelease.release(faulty)
        #expect(faulty.log.first == "pause")
        #expect(Self.outcome(report, "pause the domain") == .failed(HypervisorError(operation: "injected: pause", errno: 16)))
        #expect(Self.outcome(report, "unpause the domain") == .skipped("the pause failed"))
        #expect(!report.succeeded)
        #expect(!faulty.log.contains("unpause"))
    }
}

/// The ring's recovery-only path: unsolicited responses, and the normal path still refusing them.
@Suite struct UnsolicitedResponseTests {
    static func withRing(_ body: (inout VMEventBackRing, inout VMEventFrontRing) throws -> Void) throws {
        let page = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 4096)
        defer { page.deallocate() }
        page.initializeMemory(as: UInt8.self, repeating: 0, count: 4096)
        var back = try VMEventBackRing(page: page, size: 4096)
        var front = try VMEventFrontRing(page: page, size: 4096)
        try body(&back, &front)
    }

    static func rescue(_ vcpu: UInt32) -> VMEventResponse {
        VMEventResponse(flags: .vcpuPaused, reason: .unspecified, vcpuID: vcpu)
    }

    @Test func atMostOneRingOfUnconsumedResponsesThenMoreAfterXenConsumes() throws {
        try Self.withRing { back, front in
            #expect(throws: VMEventRingError.noOutstandingRequest) { try back.put(Self.rescue(0)) }
            for vcpu in 0..<UInt32(back.slotCount) { try back.putUnsolicited(Self.rescue(vcpu)) }
            #expect(throws: VMEventBackRing.UnsolicitedResponseError.responseSlotsFull) { try back.putUnsolicited(Self.rescue(8)) }
            var taken: [UInt32] = []
            while let response = front.nextResponse() { taken.append(response.vcpuID) }
            #expect(taken == Array(0..<8))
            try back.putUnsolicited(Self.rescue(8))
            let ninth = front.nextResponse()
            #expect(ninth?.vcpuID == 8)
            // What the model's author warned of: Xen now counts more free slots than the ring has.
            let free = front.freeRequestSlots, slots = front.slotCount
            #expect(free > slots)
        }
    }

    @Test func neverOverwritesAnUnreadRequest() throws {
        try Self.withRing { back, front in
            let placed = front.put(VMEventRequest(flags: .vcpuPaused, reason: .memAccess, vcpuID: 2))
            #expect(placed)
            #expect(throws: VMEventBackRing.UnsolicitedResponseError.requestsWaiting) { try back.putUnsolicited(Self.rescue(2)) }
            let none = front.nextResponse()
            #expect(none == nil)
            let request = back.nextRequest()
            #expect(request?.vcpuID == 2)
            try back.putUnsolicited(Self.rescue(2))
            let answer = front.nextResponse()
            #expect(answer?.vcpuID == 2)
        }
    }
}
