import Glibc
import Hypervisor
import Testing
import XenInterop

@Suite struct XenHypervisorRingTests {
    let fake = FakeXen([.patterned(domid: 3, name: "web", lastGFN: 3)])

    func backend() throws -> XenHypervisor { try XenHypervisor.open("3", calls: fake.calls) }

    @Test func enableMapsTheRingThenBindsItsChannel() throws {
        let backend = try backend()
        let page = try backend.enableMonitorRing()
        #expect(fake.log == ["xc_monitor_enable(3)", "xenevtchn_bind_interdomain(3, 5)"])
        #expect(fake.read { $0.xen.ringPages } == [UInt(bitPattern: page)])
        #expect(fake.read { $0.opened["evtchn"] } == 1)
        page.storeBytes(of: 0xfeed, as: UInt32.self)  // mapped read-write
    }

    @Test func eventIsTakenAndUnmaskedThenNotifyUsesTheLocalPort() throws {
        let backend = try backend()
        _ = try backend.enableMonitorRing()
        fake.fire(port: 41)
        #expect(try backend.waitForRingEvent(milliseconds: 5000))
        #expect(try !backend.waitForRingEvent(milliseconds: 0))
        try backend.notifyRing()
        #expect(fake.log.dropFirst(2) == ["xenevtchn_pending()", "xenevtchn_unmask(41)", "xenevtchn_notify(41)"])
    }

    @Test func waitTimesOutWithoutTouchingTheChannel() throws {
        let backend = try backend()
        _ = try backend.enableMonitorRing()
        let start = monotonicNanoseconds()
        #expect(try !backend.waitForRingEvent(milliseconds: 30))
        #expect(monotonicNanoseconds() - start >= 30_000_000)
        #expect(fake.log.count == 2)
    }

    @Test func disableRunsInXenAccessOrderAndReleasesEverything() throws {
        let backend = try backend()
        _ = try backend.enableMonitorRing()
        try backend.disableMonitorRing()
        #expect(fake.log.dropFirst(2) == ["munmap(ring page)", "xc_monitor_disable(3)", "xenevtchn_unbind(41)"])
        #expect(fake.read { $0.xen.ringPages.isEmpty && $0.closed["evtchn"] == 1 })
        #expect(throws: HypervisorError(operation: "xenevtchn_notify", errno: EINVAL)) { try backend.notifyRing() }
    }

    @Test func disableFinishesEveryStepAndReportsTheFirstFailure() throws {
        let backend = try backend()
        _ = try backend.enableMonitorRing()
        fake.update { $0.failures["xc_monitor_disable"] = .init(errno: EBUSY) }
        #expect(throws: HypervisorError(operation: "xc_monitor_disable", errno: EBUSY)) {
            try backend.disableMonitorRing()
        }
        #expect(fake.log.dropFirst(2) == ["munmap(ring page)", "xc_monitor_disable(3)", "xenevtchn_unbind(41)"])
        #expect(fake.read { $0.closed["evtchn"] } == 1)
    }

    @Test func disableWithoutOwnRingStillDisablesInXen() throws {
        let backend = try backend()
        try backend.disableMonitorRing()
        #expect(fake.log == ["xc_monitor_disable(3)"])
    }

    @Test func failedChannelOpenUndoesTheRing() throws {
        let backend = try backend()
        fake.update { $0.failures["xenevtchn_open"] = .init(errno: ENOENT) }
        #expect(throws: HypervisorError(operation: "xenevtchn_open", errno: ENOENT)) {
            try backend.enableMonitorRing()
        }
        #expect(fake.log == ["xc_monitor_enable(3)", "munmap(ring page)", "xc_monitor_disable(3)"])
        #expect(fake.read { $0.xen.ringPages.isEmpty && $0.opened["evtchn"] == nil })
    }

    @Test func failedBindClosesTheChannelAndUndoesTheRing() throws {
        let backend = try backend()
        fake.update { $0.failures["xenevtchn_bind_interdomain"] = .init(errno: EINVAL) }
        #expect(throws: HypervisorError(operation: "xenevtchn_bind_interdomain", errno: EINVAL)) {
            try backend.enableMonitorRing()
        }
        #expect(
            fake.log == [
                "xc_monitor_enable(3)", "xenevtchn_bind_interdomain(3, 5)",
                "munmap(ring page)", "xc_monitor_disable(3)",
            ]
        )
        #expect(fake.read { $0.xen.ringPages.isEmpty && $0.closed["evtchn"] == 1 })
    }

    @Test func busyRingKeepsXensErrno() throws {
        let backend = try backend()
        fake.update { $0.failures["xc_monitor_enable"] = .init(errno: EBUSY) }
        #expect(throws: HypervisorError(operation: "xc_monitor_enable", errno: EBUSY)) {
            try backend.enableMonitorRing()
        }
        #expect(fake.read { $0.opened["evtchn"] } == nil)
    }

    @Test func secondEnableIsBusyWithoutAnotherHypercall() throws {
        let backend = try backend()
        _ = try backend.enableMonitorRing()
        #expect(throws: HypervisorError(operation: "xc_monitor_enable", errno: EBUSY)) {
            try backend.enableMonitorRing()
        }
        #expect(fake.log.count == 2)
    }

    @Test func ringCallsBeforeEnableAreRefused() throws {
        let backend = try backend()
        #expect(throws: HypervisorError(operation: "xenevtchn_fd", errno: EINVAL)) {
            try backend.waitForRingEvent(milliseconds: 0)
        }
        #expect(throws: HypervisorError(operation: "xenevtchn_notify", errno: EINVAL)) { try backend.notifyRing() }
        #expect(fake.log.isEmpty)
    }

    @Test func pendingAndUnmaskFailuresKeepTheirNames() throws {
        let backend = try backend()
        _ = try backend.enableMonitorRing()
        fake.fire(port: 41)
        fake.update { $0.failures["xenevtchn_unmask"] = .init(errno: EIO) }
        #expect(throws: HypervisorError(operation: "xenevtchn_unmask", errno: EIO)) {
            try backend.waitForRingEvent(milliseconds: 1000)
        }
        fake.fire(port: 41)
        fake.update { $0.failures["xenevtchn_pending"] = .init(errno: EIO) }
        #expect(throws: HypervisorError(operation: "xenevtchn_pending", errno: EIO)) {
            try backend.waitForRingEvent(milliseconds: 1000)
        }
    }

    @Test func descriptorThatIsNotOpenIsReportedAsEBADF() throws {
        let backend = try backend()
        _ = try backend.enableMonitorRing()
        let real = fake.read { $0.xen.eventReadFD }
        fake.update { $0.xen.eventReadFD = 1_000_000 }
        #expect(throws: HypervisorError(operation: "poll", errno: EBADF)) {
            try backend.waitForRingEvent(milliseconds: 1000)
        }
        fake.update { $0.xen.eventReadFD = real }
    }

    @Test func droppingTheBackendClosesTheChannelButLeavesTheRingToRelease() throws {
        do { _ = try backend().enableMonitorRing() }
        #expect(fake.read { $0.closed["evtchn"] } == 1)
        #expect(!fake.log.contains("xc_monitor_disable(3)"))
    }
}

func monotonicNanoseconds() -> Int64 {
    var now = timespec()
    _ = clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}
