import Glibc
import WardenCore
import XenRing

/// Everything Xen keeps for the one modelled domain. Lives inside `XenModel`'s lock; each hypercall is
/// one mutating method, so Xen's own locking (p2m locks, altp2m list lock, ring lock) is implied.
struct DomainState {
    let configuration: XenModelConfiguration
    let memory: any WritableGuestMemory
    var host: HostP2M
    /// `d->arch.altp2m_active`.
    var altp2mActive = false
    /// Index i holds a view while `altp2m_eptp[i]` is valid.
    var views: [AltP2MView?] = Array(repeating: nil, count: maxAltP2M)
    var vcpus: [VCPUState]
    /// `d->controller_pause_count` (xen/common/domain.c `_domain_pause_by_systemcontroller`).
    var controllerPauseCount = 0
    /// `p2m->access_required` (xen/arch/x86/mm/mem_access.c `arch_p2m_set_access_required`).
    var accessRequired = false
    /// `domain_crash` was called.
    var crashed = false
    var ring: MonitorRing?
    /// `d->arch.monitor.singlestep_enabled` (xen/arch/x86/monitor.c).
    var singlestepMonitoring = false
    /// `d->arch.monitor.emul_unimplemented_enabled` (xen/arch/x86/monitor.c).
    var emulUnimplementedMonitoring = false
    /// dom0's live mappings of ring pages, by address.
    var ringMappings: [UInt: RingPage] = [:]
    var eventChannel = EventChannelState()
    /// Ports handed out for Xen's ends of monitor rings (`alloc_unbound_xen_event_channel`).
    var nextXenPort: UInt32 = 1
    /// dom0's handles on the model through `XenModel.calls`.
    var dom0 = Dom0Handles()

    init(memory: any WritableGuestMemory, vcpus: [VCPURegisters], configuration: XenModelConfiguration) {
        self.configuration = configuration
        self.memory = memory
        host = HostP2M(ram: memory.ramRanges)
        self.vcpus = vcpus.map(VCPUState.init)
    }

    func checkVCPU(_ vcpu: Int) throws(XenErrno) {
        guard vcpus.indices.contains(vcpu) else { throw .einval }
    }

    /// xc_domain_pause: XEN_DOMCTL_pausedomain → `domain_pause_by_systemcontroller`; at most 255
    /// outstanding (EOVERFLOW).
    mutating func pause() throws(XenErrno) {
        guard controllerPauseCount < 255 else { throw .eoverflow }
        controllerPauseCount += 1
    }

    /// xc_domain_unpause: `domain_unpause_by_systemcontroller`; EINVAL below zero.
    mutating func unpause() throws(XenErrno) {
        guard controllerPauseCount > 0 else { throw .einval }
        controllerPauseCount -= 1
    }

    /// xc_domain_set_access_required: `arch_p2m_set_access_required` (host and every view).
    mutating func setAccessRequired(_ required: Bool) {
        accessRequired = required
    }

    /// xc_domain_debug_control: xen/arch/x86/domctl.c `XEN_DOMCTL_debug_op` (bad vCPU or PV → EINVAL)
    /// → hvm.c `hvm_debug_op` (no MTF → EOPNOTSUPP). OFF also clears fast singlestep (4.17.4, b51fd78aed).
    mutating func debugControl(vcpu: Int, singleStepOn: Bool) throws(XenErrno) {
        try checkVCPU(vcpu)
        guard configuration.isHVM else { throw .einval }
        guard configuration.hasMonitorTrapFlag else { throw .eopnotsupp }
        vcpus[vcpu].singleStep = singleStepOn
        if !singleStepOn { vcpus[vcpu].fastSinglestepView = nil }
    }

    /// Whether the vCPU can enter the guest: nothing pauses it (`vcpu_runnable`).
    func isRunnable(_ vcpu: Int) -> Bool {
        let state = vcpus[vcpu]
        return !crashed && controllerPauseCount == 0 && state.vmEventPauseCount == 0 && !state.blockedForRing
    }
}

/// The dom0 end of the monitor ring's event channel, as Linux's evtchn driver delivers it
/// (drivers/xen/evtchn.c): a notification while the port is unmasked makes it readable and masks it;
/// further notifications only mark it pending until dom0 unmasks.
struct EventChannelState {
    var bound = false
    /// dom0's local port, written to `signalDescriptor` on each delivery (the evtchn device's read()).
    var localPort: UInt32 = 0
    /// The write end of a pipe standing in for the evtchn device's descriptor, when dom0 polls one.
    var signalDescriptor: Int32?
    /// Readable by dom0 (poll says POLLIN).
    var deliverable = false
    var masked = false
    var pendingWhileMasked = false
    /// Every `notify_via_xen_event_channel` so far.
    var notifications = 0

    mutating func notify() {
        notifications += 1
        guard bound else { return }
        if masked {
            pendingWhileMasked = true
        } else {
            deliver()
        }
    }

    mutating func unmask() {
        masked = false
        if pendingWhileMasked {
            pendingWhileMasked = false
            deliver()
        }
    }

    private mutating func deliver() {
        deliverable = true
        masked = true
        guard let descriptor = signalDescriptor else { return }
        // A full pipe already holds a wakeup; nothing is lost by dropping this write.
        var port = localPort
        _ = withUnsafeBytes(of: &port) { write(descriptor, $0.baseAddress, $0.count) }
    }
}
