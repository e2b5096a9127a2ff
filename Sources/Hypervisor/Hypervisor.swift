import WardenCore

/// An altp2m view (EPTP index). Xen 4.17 has ten, 0–9; view 0 is the host's, unrestricted.
public struct ViewID: Hashable, Sendable, CustomStringConvertible {
    public var index: UInt16
    public init(_ index: UInt16) { self.index = index }
    public static let host = ViewID(0)
    public var description: String { "view \(index)" }
}

/// XENMEM_access_* (xen/include/public/memory.h): what a view lets the guest do with a frame.
public enum MemoryAccess: UInt8, Sendable, CaseIterable {
    case none = 0, read, write, readWrite, execute, readExecute, writeExecute, readWriteExecute
    case readExecuteToReadWrite, noneToReadWriteExecute
    /// The host p2m's default access.
    case hostDefault
}

/// A failed hypervisor operation: the Xen error code (x86 Xen errno values equal Linux's) and
/// the primitive that returned it. Callers decide what each code means for them.
public struct HypervisorError: Error, Equatable, Sendable, CustomStringConvertible {
    public var operation: String
    public var errno: Int32

    public init(operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    public var description: String { "\(operation) failed: errno \(errno)" }
}

/// Xen's own primitives for one domain, one-to-one: altp2m domain state and views, per-view access,
/// suppress-#VE bits, view switching and visibility, pause, singlestep, the monitor ring, vCPU
/// registers and guest memory. No Warden logic lives behind it; the Xen backend maps each method to
/// the libxenctrl call of the same meaning, and the model of Xen 4.17 implements the same semantics.
public protocol Hypervisor: AnyObject {
    var domain: UInt32 { get }
    /// Guest-physical memory, read-only for the controller.
    var memory: any GuestPhysicalMemory { get }
    func vcpuCount() throws(HypervisorError) -> Int
    func vcpuRegisters() throws(HypervisorError) -> [VCPURegisters]

    /// xc_domain_pause / xc_domain_unpause: pauses nest.
    func pause() throws(HypervisorError)
    func unpause() throws(HypervisorError)

    /// xc_monitor_enable: maps the monitor ring page (4 KiB, Xen is the producer of requests) and
    /// binds its event channel. The page stays valid until `disableMonitorRing`.
    func enableMonitorRing() throws(HypervisorError) -> UnsafeMutableRawPointer
    /// Unmaps the page, xc_monitor_disable, unbinds the channel.
    func disableMonitorRing() throws(HypervisorError)
    /// Waits up to `milliseconds` for the ring's event channel; true when it fired (and was acknowledged).
    func waitForRingEvent(milliseconds: Int32) throws(HypervisorError) -> Bool
    /// xenevtchn_notify: tells Xen responses are on the ring.
    func notifyRing() throws(HypervisorError)
    /// xc_monitor_singlestep.
    func setSinglestepMonitoring(_ enabled: Bool) throws(HypervisorError)
    /// xc_monitor_emul_unimplemented: an EMULATE reply that meets an instruction Xen cannot emulate
    /// sends an EMUL_UNIMPLEMENTED request (the vCPU paused, the instruction not run) instead of
    /// injecting #UD into the guest (xen/arch/x86/hvm/emulate.c `hvm_emulate_one_vm_event`).
    func setEmulUnimplementedMonitoring(_ enabled: Bool) throws(HypervisorError)
    /// xc_domain_debug_control(XEN_DOMCTL_DEBUG_OP_SINGLE_STEP_OFF) for one vCPU.
    func singlestepOff(vcpu: Int) throws(HypervisorError)

    /// xc_altp2m_get_domain_state / xc_altp2m_set_domain_state.
    func altp2mEnabled() throws(HypervisorError) -> Bool
    func setAltp2m(enabled: Bool) throws(HypervisorError)
    /// xc_altp2m_create_view / xc_altp2m_destroy_view.
    func createView(defaultAccess: MemoryAccess) throws(HypervisorError) -> ViewID
    func destroyView(_ view: ViewID) throws(HypervisorError)
    /// xc_altp2m_set_mem_access (one call per gfn, as 4.17's multi variant offers no per-gfn errors).
    func setAccess(_ access: MemoryAccess, view: ViewID, gfns: [UInt64]) throws(HypervisorError)
    /// xc_altp2m_get_mem_access.
    func access(view: ViewID, gfn: UInt64) throws(HypervisorError) -> MemoryAccess
    /// xc_altp2m_set_suppress_ve.
    func setSuppressVE(_ suppress: Bool, view: ViewID, gfn: UInt64) throws(HypervisorError)
    /// xc_altp2m_switch_to_view: every vCPU.
    func switchToView(_ view: ViewID) throws(HypervisorError)
    /// xc_altp2m_set_visibility: whether VMFUNC and switch_to_view may select the view.
    func setViewVisibility(_ view: ViewID, visible: Bool) throws(HypervisorError)
    /// xc_altp2m_get_vcpu_p2m_idx.
    func currentView(vcpu: Int) throws(HypervisorError) -> ViewID
}
