import Hypervisor
import WardenCore

/// The `Hypervisor` protocol implemented directly by a `XenModel`: every method is the model operation of
/// the same meaning, with the libxenctrl function's name in errors. While the controller waits for the
/// event channel, time passes for the guest: the model's vCPUs take turns.
public final class ModelHypervisor: Hypervisor {
    public let model: XenModel
    public let memory: any GuestPhysicalMemory
    /// Guest rounds (`XenModel.step`) run per `waitForRingEvent` call that finds no notification.
    public var guestRoundsPerWait: Int
    private var ring: XenModel.RingMapping?

    public init(model: XenModel, guestRoundsPerWait: Int = 1) {
        self.model = model
        self.guestRoundsPerWait = guestRoundsPerWait
        memory = ModelGuestMemory(model: model)
    }

    public var domain: UInt32 { model.domainID }

    public func vcpuCount() throws(HypervisorError) -> Int { model.vcpuCount }
    public func vcpuRegisters() throws(HypervisorError) -> [VCPURegisters] { model.vcpuRegisters() }

    public func pause() throws(HypervisorError) {
        try call("xc_domain_pause") { () throws(XenErrno) in try model.pause() }
    }

    public func unpause() throws(HypervisorError) {
        try call("xc_domain_unpause") { () throws(XenErrno) in try model.unpause() }
    }

    /// xc_monitor_enable, then xenevtchn_bind_interdomain on the port Xen offered; a failed bind undoes the
    /// enable, as `XenHypervisor` does.
    public func enableMonitorRing() throws(HypervisorError) -> UnsafeMutableRawPointer {
        let mapping = try call("xc_monitor_enable") { () throws(XenErrno) in try model.enableMonitorRing() }
        do throws(HypervisorError) {
            try call("xenevtchn_bind_interdomain") { () throws(XenErrno) in
                try model.bindEventChannel(remotePort: mapping.remotePort)
            }
        } catch {
            _ = try? model.unmapRing(mapping.page)
            _ = try? model.disableMonitorRing()
            throw error
        }
        ring = mapping
        return mapping.page
    }

    /// munmap, xc_monitor_disable, xenevtchn_unbind — in the reference teardown's order.
    public func disableMonitorRing() throws(HypervisorError) {
        if let mapping = ring {
            try call("munmap") { () throws(XenErrno) in try model.unmapRing(mapping.page) }
            ring = nil
        }
        try call("xc_monitor_disable") { () throws(XenErrno) in try model.disableMonitorRing() }
        model.unbindEventChannel()
    }

    /// Lets the guest run until Xen notifies: up to `guestRoundsPerWait` rounds of `XenModel.step`, ending
    /// early when no vCPU can move. Model time is counted in rounds, so `milliseconds` is not used.
    public func waitForRingEvent(milliseconds: Int32) throws(HypervisorError) -> Bool {
        if model.takeNotification() { return true }
        for _ in 0..<max(guestRoundsPerWait, 0) {
            let progressed = model.step()
            if model.takeNotification() { return true }
            if progressed == 0 { break }
        }
        return false
    }

    public func notifyRing() throws(HypervisorError) { model.notifyFromDom0() }

    public func setSinglestepMonitoring(_ enabled: Bool) throws(HypervisorError) {
        try call("xc_monitor_singlestep") { () throws(XenErrno) in try model.setSinglestepMonitoring(enabled) }
    }

    public func setEmulUnimplementedMonitoring(_ enabled: Bool) throws(HypervisorError) {
        try call("xc_monitor_emul_unimplemented") { () throws(XenErrno) in
            try model.setEmulUnimplementedMonitoring(enabled)
        }
    }

    public func singlestepOff(vcpu: Int) throws(HypervisorError) {
        try call("xc_domain_debug_control") { () throws(XenErrno) in
            try model.setSingleStep(vcpu: vcpu, enabled: false)
        }
    }

    public func altp2mEnabled() throws(HypervisorError) -> Bool {
        try call("xc_altp2m_get_domain_state") { () throws(XenErrno) in try model.altp2mEnabled() }
    }

    public func setAltp2m(enabled: Bool) throws(HypervisorError) {
        try call("xc_altp2m_set_domain_state") { () throws(XenErrno) in try model.setAltp2m(enabled: enabled) }
    }

    public func createView(defaultAccess: MemoryAccess) throws(HypervisorError) -> ViewID {
        try call("xc_altp2m_create_view") { () throws(XenErrno) in try model.createView(defaultAccess: defaultAccess) }
    }

    public func destroyView(_ view: ViewID) throws(HypervisorError) {
        try call("xc_altp2m_destroy_view") { () throws(XenErrno) in try model.destroyView(view) }
    }

    public func setAccess(_ access: MemoryAccess, view: ViewID, gfns: [UInt64]) throws(HypervisorError) {
        try call("xc_altp2m_set_mem_access") { () throws(XenErrno) in
            for gfn in gfns { try model.setMemAccess(access, view: view, gfn: gfn) }
        }
    }

    public func access(view: ViewID, gfn: UInt64) throws(HypervisorError) -> MemoryAccess {
        try call("xc_altp2m_get_mem_access") { () throws(XenErrno) in try model.memAccess(view: view, gfn: gfn) }
    }

    public func setSuppressVE(_ suppress: Bool, view: ViewID, gfn: UInt64) throws(HypervisorError) {
        try call("xc_altp2m_set_suppress_ve") { () throws(XenErrno) in
            try model.setSuppressVE(suppress, view: view, gfn: gfn)
        }
    }

    public func switchToView(_ view: ViewID) throws(HypervisorError) {
        try call("xc_altp2m_switch_to_view") { () throws(XenErrno) in try model.switchToView(view) }
    }

    public func setViewVisibility(_ view: ViewID, visible: Bool) throws(HypervisorError) {
        try call("xc_altp2m_set_visibility") { () throws(XenErrno) in try model.setVisibility(view, visible: visible) }
    }

    public func currentView(vcpu: Int) throws(HypervisorError) -> ViewID {
        try call("xc_altp2m_get_vcpu_p2m_idx") { () throws(XenErrno) in try model.currentView(vcpu: vcpu) }
    }

    private func call<T>(_ operation: String, _ body: () throws(XenErrno) -> T) throws(HypervisorError) -> T {
        do { return try body() } catch { throw HypervisorError(operation: operation, errno: error.code) }
    }
}

/// Guest memory as the controller sees it through the model: copies out under the model's lock.
final class ModelGuestMemory: GuestPhysicalMemory {
    let model: XenModel
    let ramRanges: [PhysicalRange]
    var sourceDescription: String { "Xen 4.17 model, domain \(model.domainID)" }

    init(model: XenModel) {
        self.model = model
        ramRanges = model.ramRanges
    }

    func read(physical: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(GuestMemoryError) {
        let bytes = try model.readGuest(physical: physical, count: buffer.count)
        buffer.copyBytes(from: bytes)
    }
}
