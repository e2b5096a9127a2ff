// The monitor ring and monitor options: tools/libs/ctrl/xc_vm_event.c `xc_vm_event_enable`,
// xen/common/vm_event.c `vm_event_domctl`/`vm_event_enable`/`vm_event_disable`, xen/common/monitor.c
// `monitor_domctl` and xen/arch/x86/monitor.c (RELEASE-4.17.7).

extension DomainState {
    /// xc_monitor_enable. The HVM param read fails on PV (EINVAL); then `vm_event_enable`: a ring already
    /// there → EBUSY, no ring gfn → EOPNOTSUPP. Xen attaches its front ring to the fresh page and makes an
    /// unbound event channel for dom0; dom0 gets the page mapped. Returns the page address and Xen's port.
    mutating func enableMonitor() throws(XenErrno) -> (page: UInt, port: UInt32) {
        guard configuration.isHVM else { throw .einval }
        guard ring == nil else { throw .ebusy }
        guard configuration.hasMonitorRingGFN else { throw .eopnotsupp }
        let page = RingPage()
        let monitor = try MonitorRing(page: page, xenPort: nextXenPort)
        nextXenPort += 1
        ring = monitor
        ringMappings[page.bits] = page
        eventChannel = EventChannelState()
        return (page.bits, monitor.xenPort)
    }

    /// xc_monitor_disable → XEN_VM_EVENT_DISABLE: no ring → EINVAL (the domctl's initial rc); vCPUs queued
    /// for a slot → EBUSY. Otherwise Xen frees its event channel, unpauses vCPUs blocked for ring space,
    /// drops its page reference, frees the per-vCPU vm_event state (`vm_event_cleanup_domain`) and wipes
    /// every monitor setting (`arch_monitor_cleanup_domain`). vCPUs paused for an unanswered sync event
    /// stay paused: only a response releases them.
    mutating func disableMonitor() throws(XenErrno) {
        guard ring != nil else { throw .einval }
        guard !vcpus.contains(where: { $0.awaitingSlot != nil }) else { throw .ebusy }
        for index in vcpus.indices {
            vcpus[index].blockedForRing = false
            vcpus[index].emulateFlags = []
            vcpus[index].pendingRegisters = nil
        }
        ring = nil
        singlestepMonitoring = false
        emulUnimplementedMonitoring = false
        eventChannel.bound = false
    }

    /// munmap of a ring mapping. Unmapping an address that is no longer mapped succeeds, as munmap does.
    mutating func unmapRing(page bits: UInt) throws(XenErrno) {
        guard bits % UInt(RingPage.size) == 0 else { throw .einval }
        ringMappings[bits] = nil
    }

    /// xc_monitor_get_capabilities → xen/arch/x86/include/asm/monitor.h `arch_monitor_get_capabilities`:
    /// 0 for PV; for HVM every x86 event but PRIVILEGED_CALL (Arm), SINGLESTEP only with MTF. Descriptor
    /// exiting is assumed present.
    var monitorCapabilities: UInt32 {
        guard configuration.isHVM else { return 0 }
        let all: UInt32 = 0x1F7F
        return configuration.hasMonitorTrapFlag ? all : all & ~(1 << 2)
    }

    /// xc_monitor_singlestep: a missing capability → EOPNOTSUPP (`monitor_domctl`), the current state
    /// again → EEXIST (x86 monitor.c `arch_monitor_domctl_event`). Needs no ring.
    mutating func setSinglestepMonitoring(_ enabled: Bool) throws(XenErrno) {
        guard monitorCapabilities & (1 << 2) != 0 else { throw .eopnotsupp }
        guard enabled != singlestepMonitoring else { throw .eexist }
        singlestepMonitoring = enabled
    }

    /// xc_monitor_emul_unimplemented: capability bit 10 (every HVM domain) or EOPNOTSUPP (`monitor_domctl`),
    /// the current state again → EEXIST (x86 monitor.c `arch_monitor_domctl_event`). Needs no ring.
    mutating func setEmulUnimplementedMonitoring(_ enabled: Bool) throws(XenErrno) {
        guard monitorCapabilities & (1 << 10) != 0 else { throw .eopnotsupp }
        guard enabled != emulUnimplementedMonitoring else { throw .eexist }
        emulUnimplementedMonitoring = enabled
    }

    /// xenevtchn_bind_interdomain on Xen's port of the current ring; any other port → EINVAL
    /// (xen/common/event_channel.c `evtchn_bind_interdomain`: the remote port must be unbound and offered
    /// to dom0).
    mutating func bindEventChannel(remotePort: UInt32, localPort: UInt32, signal: Int32?) throws(XenErrno) {
        guard let ring, ring.xenPort == remotePort, !eventChannel.bound else { throw .einval }
        eventChannel = EventChannelState()
        eventChannel.bound = true
        eventChannel.localPort = localPort
        eventChannel.signalDescriptor = signal
    }

    /// Takes a delivered notification, acknowledging it (xenevtchn_pending + xenevtchn_unmask).
    mutating func takeNotification() -> Bool {
        guard eventChannel.deliverable else { return false }
        eventChannel.deliverable = false
        eventChannel.unmask()
        return true
    }

    /// dom0 closes its end (xenevtchn_unbind / xenevtchn_close): nothing is delivered any more.
    mutating func unbindEventChannel() {
        eventChannel = EventChannelState()
    }
}
