// The monitor ring, its event channel and monitor options on the model (xen/common/vm_event.c,
// xen/common/monitor.c, xen/common/event_channel.c).
import Synchronization

extension XenModel {
    /// The ring as dom0 gets it from xc_monitor_enable: the mapped page and Xen's port to bind.
    public struct RingMapping {
        public let page: UnsafeMutableRawPointer
        public let remotePort: UInt32
    }

    /// xc_monitor_enable. The page stays valid until both `disableMonitorRing` and `unmapRing` ran.
    public func enableMonitorRing() throws(XenErrno) -> RingMapping {
        let (bits, port) = try state.withLock { (s) throws(XenErrno) in try s.enableMonitor() }
        guard let page = UnsafeMutableRawPointer(bitPattern: bits) else { throw .enomem }
        return RingMapping(page: page, remotePort: port)
    }

    /// xc_monitor_disable.
    public func disableMonitorRing() throws(XenErrno) {
        try state.withLock { (s) throws(XenErrno) in try s.disableMonitor() }
    }

    /// munmap of the ring page.
    public func unmapRing(_ page: UnsafeMutableRawPointer) throws(XenErrno) {
        let bits = UInt(bitPattern: page)
        try state.withLock { (s) throws(XenErrno) in try s.unmapRing(page: bits) }
    }

    /// xenevtchn_bind_interdomain on the ring's port. With `signal`, each delivery also writes
    /// `localPort` to that descriptor, as the evtchn device makes the port readable.
    public func bindEventChannel(remotePort: UInt32, localPort: UInt32 = 0, signal: Int32? = nil) throws(XenErrno) {
        try state.withLock { (s) throws(XenErrno) in
            try s.bindEventChannel(remotePort: remotePort, localPort: localPort, signal: signal)
        }
    }

    /// xenevtchn_unbind.
    public func unbindEventChannel() { state.withLock { $0.unbindEventChannel() } }

    /// xenevtchn_pending: the delivered notification is taken; the port stays masked until unmasked.
    func acknowledgeDelivery() { state.withLock { $0.eventChannel.deliverable = false } }

    /// xenevtchn_unmask: a notification that came while masked is delivered now.
    func unmaskEventChannel() { state.withLock { $0.eventChannel.unmask() } }

    /// xc_monitor_get_capabilities.
    public var monitorCapabilities: UInt32 { state.withLock { $0.monitorCapabilities } }

    /// xc_monitor_singlestep.
    public func setSinglestepMonitoring(_ enabled: Bool) throws(XenErrno) {
        try state.withLock { (s) throws(XenErrno) in try s.setSinglestepMonitoring(enabled) }
    }

    /// xc_monitor_emul_unimplemented.
    public func setEmulUnimplementedMonitoring(_ enabled: Bool) throws(XenErrno) {
        try state.withLock { (s) throws(XenErrno) in try s.setEmulUnimplementedMonitoring(enabled) }
    }

    /// xc_monitor_resume (XEN_VM_EVENT_RESUME): Xen consumes every response on the ring. No ring → ENODEV.
    /// Returns how many responses it took.
    @discardableResult
    public func processResponses() throws(XenErrno) -> Int {
        try state.withLock { (s) throws(XenErrno) in try s.processResponses() }
    }

    /// xenevtchn_notify from dom0: Xen's handler runs `vm_event_resume` (`monitor_notification`). After
    /// the ring is gone the port is unbound and the notification is silently dropped (`evtchn_send`).
    public func notifyFromDom0() {
        state.withLock { s in _ = try? s.processResponses() }
    }

    /// Takes Xen's pending notification to dom0, if any, and unmasks the port (xenevtchn_pending +
    /// xenevtchn_unmask).
    public func takeNotification() -> Bool { state.withLock { $0.takeNotification() } }

    /// Notifications Xen sent so far (one per request).
    public var notificationCount: Int { state.withLock { $0.eventChannel.notifications } }

    /// Free request slots Xen sees, or nil without a ring.
    public var freeRingSlots: Int? { state.withLock { $0.ring?.available } }
}
