import Glibc
import Hypervisor
import Synchronization
import XenInterop

// The enforcement entries of `XenModel.calls`: domctls and hvm_ops as libxenctrl issues them, the monitor
// ring, and libxenevtchn over a pipe that polls readable while Xen has a notification for dom0.

extension XenModel {
    var domainControlCalls: XenDomainControlCalls {
        XenDomainControlCalls(
            pause: { (xch, domid) throws(XenError) in
                try self.libxc("xc_domain_pause", xch, domid) { () throws(XenErrno) in try self.pause() }
            },
            unpause: { (xch, domid) throws(XenError) in
                try self.libxc("xc_domain_unpause", xch, domid) { () throws(XenErrno) in try self.unpause() }
            },
            setAccessRequired: { (xch, domid, required) throws(XenError) in
                try self.libxc("xc_domain_set_access_required", xch, domid) { self.setAccessRequired(required) }
            },
            debugControl: { (xch, domid, operation, vcpu) throws(XenError) in
                try self.libxc("xc_domain_debug_control", xch, domid) { () throws(XenErrno) in
                    guard let index = Int(exactly: vcpu) else { throw .einval }
                    try self.setSingleStep(vcpu: index, enabled: operation == .singleStepOn)
                }
            },
            hvmParamGet: { (xch, domid, index) throws(XenError) in
                try self.libxc("xc_hvm_param_get", xch, domid) { () throws(XenErrno) in try self.hvmParameter(index) }
            })
    }

    /// HVMOP_get_param (xen/arch/x86/hvm/hvm.c `hvmop_get_param`): index ≥ HVM_NR_PARAMS (39) or a PV
    /// domain → EINVAL. Modelled: HVM_PARAM_ALTP2M (35) and HVM_PARAM_MONITOR_RING_PFN (28), which the
    /// domain builder sets to `special_pfn(SPECIALPAGE_ACCESS)` = 0xfeff9 (tools/libs/guest/xg_dom_x86.c,
    /// tools/include/xenguest.h); every other parameter reads 0.
    private func hvmParameter(_ index: UInt32) throws(XenErrno) -> UInt64 {
        guard index < 39, configuration.isHVM else { throw .einval }
        switch index {
        case XenHVMParameter.altp2m: return configuration.altp2mMode.rawValue
        case 28: return configuration.hasMonitorRingGFN ? 0xFEFF9 : 0
        default: return 0
        }
    }

    var monitorCalls: XenMonitorCalls {
        XenMonitorCalls(
            enable: { (xch, domid) throws(XenError) in
                let mapping = try self.libxc("xc_monitor_enable", xch, domid) { () throws(XenErrno) in
                    try self.enableMonitorRing()
                }
                return XenMonitorRing(page: mapping.page, remotePort: mapping.remotePort)
            },
            disable: { (xch, domid) throws(XenError) in
                try self.libxc("xc_monitor_disable", xch, domid) { () throws(XenErrno) in
                    try self.disableMonitorRing()
                }
            },
            singlestep: { (xch, domid, enabled) throws(XenError) in
                try self.libxc("xc_monitor_singlestep", xch, domid) { () throws(XenErrno) in
                    try self.setSinglestepMonitoring(enabled)
                }
            },
            emulUnimplemented: { (xch, domid, enabled) throws(XenError) in
                try self.libxc("xc_monitor_emul_unimplemented", xch, domid) { () throws(XenErrno) in
                    try self.setEmulUnimplementedMonitoring(enabled)
                }
            },
            getCapabilities: { (xch, domid) throws(XenError) in
                try self.libxc("xc_monitor_get_capabilities", xch, domid) { self.monitorCapabilities }
            },
            unmapRing: { (page) throws(XenError) in
                do throws(XenErrno) { try self.unmapRing(page) } catch {
                    throw XenError(operation: "munmap", errno: error.code)
                }
            })
    }

    var altp2mCalls: XenAltp2mCalls {
        XenAltp2mCalls(
            getDomainState: { (xch, domid) throws(XenError) in
                try self.libxc("xc_altp2m_get_domain_state", xch, domid) { () throws(XenErrno) in
                    try self.altp2mEnabled()
                }
            },
            setDomainState: { (xch, domid, enabled) throws(XenError) in
                try self.libxc("xc_altp2m_set_domain_state", xch, domid) { () throws(XenErrno) in
                    try self.setAltp2m(enabled: enabled)
                }
            },
            createView: { (xch, domid, access) throws(XenError) in
                try self.libxc("xc_altp2m_create_view", xch, domid) { () throws(XenErrno) in
                    try self.createView(defaultAccess: access).index
                }
            },
            destroyView: { (xch, domid, view) throws(XenError) in
                try self.libxc("xc_altp2m_destroy_view", xch, domid) { () throws(XenErrno) in
                    try self.destroyView(ViewID(view))
                }
            },
            setMemAccess: { (xch, domid, view, gfn, access) throws(XenError) in
                try self.libxc("xc_altp2m_set_mem_access", xch, domid) { () throws(XenErrno) in
                    try self.setMemAccess(access, view: ViewID(view), gfn: gfn)
                }
            },
            getMemAccess: { (xch, domid, view, gfn) throws(XenError) in
                try self.libxc("xc_altp2m_get_mem_access", xch, domid) { () throws(XenErrno) in
                    try self.memAccess(view: ViewID(view), gfn: gfn)
                }
            },
            setSuppressVE: { (xch, domid, view, gfn, suppress) throws(XenError) in
                try self.libxc("xc_altp2m_set_suppress_ve", xch, domid) { () throws(XenErrno) in
                    try self.setSuppressVE(suppress, view: ViewID(view), gfn: gfn)
                }
            },
            switchToView: { (xch, domid, view) throws(XenError) in
                try self.libxc("xc_altp2m_switch_to_view", xch, domid) { () throws(XenErrno) in
                    try self.switchToView(ViewID(view))
                }
            },
            setVisibility: { (xch, domid, view, visible) throws(XenError) in
                try self.libxc("xc_altp2m_set_visibility", xch, domid) { () throws(XenErrno) in
                    try self.setVisibility(ViewID(view), visible: visible)
                }
            },
            getVCPUP2MIndex: { (xch, domid, vcpu) throws(XenError) in
                try self.libxc("xc_altp2m_get_vcpu_p2m_idx", xch, domid) { () throws(XenErrno) in
                    guard let index = Int(exactly: vcpu) else { throw .einval }
                    return try self.currentView(vcpu: index).index
                }
            })
    }
}
