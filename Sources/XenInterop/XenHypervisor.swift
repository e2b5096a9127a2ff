import Glibc
import Hypervisor
import WardenCore

/// The Xen backend of `Hypervisor`: each method calls the matching `XenCalls` entries for one
/// domain and nothing else. Policy (what to protect, teardown order, replies) lives in the caller.
///
/// Errors keep Xen's code: a `XenError` becomes `HypervisorError(operation:errno:)` with the C
/// function's name as the operation. Not thread-safe: use it from the one thread that owns Xen.
public final class XenHypervisor: Hypervisor {
    public let domain: UInt32
    /// The opened domain: its name, the info Xen reported, its memory and register reads.
    public let guest: XenDomain
    let calls: XenCalls
    /// The ring and event channel while `enableMonitorRing` is in effect.
    var ring: MonitorRingBinding?

    private init(guest: XenDomain, calls: XenCalls) {
        self.guest = guest
        self.calls = calls
        domain = guest.domid
    }

    /// Closes the event channel handle if the ring was never disabled. The ring itself stays enabled
    /// in Xen (it cannot be torn down safely without answering pending requests): `warden release`
    /// recovers it.
    deinit {
        if let ring { calls.eventChannel.close(ring.channel) }
    }

    /// Opens a domain by id or xenstore name, as `XenDomain.open` does, for enforcement.
    /// - Parameters:
    ///   - nameOrID: e.g. `7` or `debian-guest`.
    ///   - calls: the C functions to use; tests and the model of Xen pass their own.
    /// - Returns: the backend, with the libxenctrl and libxenforeignmemory handles open.
    /// The corresponding C function is `xc_interface_open`.
    public static func open(_ nameOrID: String, calls: XenCalls = .live) throws(XenDomainError) -> XenHypervisor {
        XenHypervisor(guest: try XenDomain.open(nameOrID, calls: calls), calls: calls)
    }

    /// Reads through libxenforeignmemory (`XenDomainMemory`). The corresponding C function is
    /// `xenforeignmemory_map`.
    public var memory: any GuestPhysicalMemory { guest.memory }

    /// vCPU ids 0…max_vcpu_id, online or not. The corresponding C function is `xc_domain_getinfolist`.
    public func vcpuCount() throws(HypervisorError) -> Int {
        let info = try xen { () throws(XenError) in try guest.control.domainInfo(domain) }
        guard let info else { throw HypervisorError(operation: "xc_domain_getinfolist", errno: ESRCH) }
        return info.maxVCPUID.map { Int($0) + 1 } ?? 0
    }

    /// Registers of every online vCPU (`XenDomain.vcpuRegisters`). The corresponding C function is
    /// `xc_vcpu_getcontext`.
    public func vcpuRegisters() throws(HypervisorError) -> [VCPURegisters] {
        try xen { () throws(XenError) in try guest.vcpuRegisters() }
    }

    /// The corresponding C function is `xc_domain_pause`.
    public func pause() throws(HypervisorError) {
        try xen { () throws(XenError) in try calls.domainControl.pause(handle, domain) }
    }

    /// The corresponding C function is `xc_domain_unpause`.
    public func unpause() throws(HypervisorError) {
        try xen { () throws(XenError) in try calls.domainControl.unpause(handle, domain) }
    }

    /// The corresponding C function is `xc_monitor_singlestep`.
    public func setSinglestepMonitoring(_ enabled: Bool) throws(HypervisorError) {
        try xen { () throws(XenError) in try calls.monitor.singlestep(handle, domain, enabled) }
    }

    /// The corresponding C function is `xc_monitor_emul_unimplemented`.
    public func setEmulUnimplementedMonitoring(_ enabled: Bool) throws(HypervisorError) {
        try xen { () throws(XenError) in try calls.monitor.emulUnimplemented(handle, domain, enabled) }
    }

    /// `XEN_DOMCTL_DEBUG_OP_SINGLE_STEP_OFF` for one vCPU. The corresponding C function is
    /// `xc_domain_debug_control`.
    public func singlestepOff(vcpu: Int) throws(HypervisorError) {
        let id = try vcpuID(vcpu, "xc_domain_debug_control")
        try xen { () throws(XenError) in try calls.domainControl.debugControl(handle, domain, .singleStepOff, id) }
    }

    /// The corresponding C function is `xc_altp2m_get_domain_state`.
    public func altp2mEnabled() throws(HypervisorError) -> Bool {
        try xen { () throws(XenError) in try calls.altp2m.getDomainState(handle, domain) }
    }

    /// The corresponding C function is `xc_altp2m_set_domain_state`.
    public func setAltp2m(enabled: Bool) throws(HypervisorError) {
        try xen { () throws(XenError) in try calls.altp2m.setDomainState(handle, domain, enabled) }
    }

    /// The corresponding C function is `xc_altp2m_create_view`.
    public func createView(defaultAccess: MemoryAccess) throws(HypervisorError) -> ViewID {
        ViewID(try xen { () throws(XenError) in try calls.altp2m.createView(handle, domain, defaultAccess) })
    }

    /// The corresponding C function is `xc_altp2m_destroy_view`.
    public func destroyView(_ view: ViewID) throws(HypervisorError) {
        try xen { () throws(XenError) in try calls.altp2m.destroyView(handle, domain, view.index) }
    }

    /// Sets each gfn in order and stops at the first failure, whose operation names the gfn
    /// (`xc_altp2m_set_mem_access gfn 0x…`); the gfns before it keep their new access.
    /// The corresponding C function is `xc_altp2m_set_mem_access`.
    public func setAccess(_ access: MemoryAccess, view: ViewID, gfns: [UInt64]) throws(HypervisorError) {
        for gfn in gfns {
            do throws(XenError) {
                try calls.altp2m.setMemAccess(handle, domain, view.index, gfn, access)
            } catch {
                throw HypervisorError(operation: Self.setMemAccessOperation(gfn: gfn), errno: error.errno)
            }
        }
    }

    /// The operation `setAccess` reports for a failure at `gfn`.
    public static func setMemAccessOperation(gfn: UInt64) -> String {
        "xc_altp2m_set_mem_access gfn 0x\(String(gfn, radix: 16))"
    }

    /// The corresponding C function is `xc_altp2m_get_mem_access`.
    public func access(view: ViewID, gfn: UInt64) throws(HypervisorError) -> MemoryAccess {
        try xen { () throws(XenError) in try calls.altp2m.getMemAccess(handle, domain, view.index, gfn) }
    }

    /// The corresponding C function is `xc_altp2m_set_suppress_ve`.
    public func setSuppressVE(_ suppress: Bool, view: ViewID, gfn: UInt64) throws(HypervisorError) {
        try xen { () throws(XenError) in try calls.altp2m.setSuppressVE(handle, domain, view.index, gfn, suppress) }
    }

    /// Moves every vCPU. The corresponding C function is `xc_altp2m_switch_to_view`.
    public func switchToView(_ view: ViewID) throws(HypervisorError) {
        try xen { () throws(XenError) in try calls.altp2m.switchToView(handle, domain, view.index) }
    }

    /// The corresponding C function is `xc_altp2m_set_visibility`.
    public func setViewVisibility(_ view: ViewID, visible: Bool) throws(HypervisorError) {
        try xen { () throws(XenError) in try calls.altp2m.setVisibility(handle, domain, view.index, visible) }
    }

    /// The corresponding C function is `xc_altp2m_get_vcpu_p2m_idx`.
    public func currentView(vcpu: Int) throws(HypervisorError) -> ViewID {
        let id = try vcpuID(vcpu, "xc_altp2m_get_vcpu_p2m_idx")
        return ViewID(try xen { () throws(XenError) in try calls.altp2m.getVCPUP2MIndex(handle, domain, id) })
    }

    var handle: XenControlHandle { guest.control.handle }

    /// A vCPU index as Xen's `uint32_t`; a negative or huge one is refused as Xen refuses a vCPU
    /// beyond the domain's (EINVAL, xen/common/domctl.c).
    private func vcpuID(_ vcpu: Int, _ operation: String) throws(HypervisorError) -> UInt32 {
        guard let id = UInt32(exactly: vcpu) else { throw HypervisorError(operation: operation, errno: EINVAL) }
        return id
    }
}

/// Runs table calls, turning a `XenError` into the `HypervisorError` with the same operation and code.
func xen<T>(_ body: () throws(XenError) -> T) throws(HypervisorError) -> T {
    do throws(XenError) {
        return try body()
    } catch {
        throw HypervisorError(operation: error.operation, errno: error.errno)
    }
}
