// HVMOP_altp2m sub-ops for dom0, as xen/arch/x86/hvm/hvm.c `do_altp2m_op` (RELEASE-4.17.7) runs them,
// with the view bookkeeping of xen/arch/x86/mm/p2m.c and xen/arch/x86/mm/altp2m.c.

extension DomainState {
    /// `do_altp2m_op`'s checks, in its order: no altp2m support (boot option / VT-x) → EOPNOTSUPP; PV →
    /// EOPNOTSUPP; altp2m inactive (every op but get/set_domain_state) → EOPNOTSUPP; HVM_PARAM_ALTP2M 0 →
    /// EINVAL. The XSM check that follows admits dom0 in every mode.
    func altp2mPreamble(requiresActive: Bool = true) throws(XenErrno) {
        guard configuration.altp2mBootOption, configuration.isHVM else { throw .eopnotsupp }
        if requiresActive && !altp2mActive { throw .eopnotsupp }
        guard configuration.altp2mMode != .disabled else { throw .einval }
    }

    /// HVMOP_altp2m_get_domain_state.
    func altp2mState() throws(XenErrno) -> Bool {
        try altp2mPreamble(requiresActive: false)
        return altp2mActive
    }

    /// HVMOP_altp2m_set_domain_state. On: `p2m_init_altp2m_by_id(d, 0)` (view 0, host default access)
    /// and `altp2m_vcpu_initialise` puts every vCPU on view 0. Off: `altp2m_vcpu_destroy` puts every vCPU
    /// back on the host p2m (and drops its #VE page), then `p2m_flush_altp2m` destroys every view.
    /// Setting the current state again changes nothing.
    mutating func setAltp2mState(_ enabled: Bool) throws(XenErrno) {
        try altp2mPreamble(requiresActive: false)
        guard !configuration.nestedHVM else { throw .einval }
        guard enabled != altp2mActive else { return }
        altp2mActive = enabled
        if enabled {
            views[0] = AltP2MView(defaultAccess: host.defaultAccess)
            for index in vcpus.indices { vcpus[index].view = 0 }
        } else {
            for index in vcpus.indices { vcpus[index].view = nil }
            views = Array(repeating: nil, count: maxAltP2M)
        }
    }

    /// HVMOP_altp2m_create_p2m: p2m.c `p2m_init_next_altp2m`. A default access above
    /// XENMEM_access_default, or no free index, → EINVAL. The lowest free index is used.
    mutating func createView(defaultAccess raw: UInt8) throws(XenErrno) -> UInt16 {
        try altp2mPreamble()
        guard let access = P2MAccess.fromXenmem(raw, hostDefault: host.defaultAccess) else { throw .einval }
        guard let index = views.firstIndex(where: { $0 == nil }) else { throw .einval }
        views[index] = AltP2MView(defaultAccess: access)
        return UInt16(index)
    }

    /// HVMOP_altp2m_destroy_p2m: p2m.c `p2m_destroy_altp2m_by_id`. View 0, an index ≥ MAX_ALTP2M, a
    /// missing view or one with active vCPUs → EBUSY.
    mutating func destroyView(_ index: UInt16) throws(XenErrno) {
        try altp2mPreamble()
        let view = Int(index)
        guard view != 0, view < maxAltP2M, views[view] != nil else { throw .ebusy }
        guard !vcpus.contains(where: { $0.view == view }) else { throw .ebusy }
        views[view] = nil
    }

    /// HVMOP_altp2m_switch_p2m: p2m.c `p2m_switch_domain_altp2m_by_id`. Every vCPU moves; the index must
    /// be < MAX_ALTP2M and in the *visible* list, else EINVAL.
    mutating func switchToView(_ index: UInt16) throws(XenErrno) {
        try altp2mPreamble()
        let view = Int(index)
        guard view < maxAltP2M, views[view]?.visible == true else { throw .einval }
        for vcpu in vcpus.indices { vcpus[vcpu].view = view }
    }

    /// HVMOP_altp2m_set_visibility: p2m.c `p2m_set_altp2m_view_visibility`; a missing view → EINVAL.
    mutating func setVisibility(_ index: UInt16, visible: Bool) throws(XenErrno) {
        try altp2mPreamble()
        let view = Int(index)
        guard view < maxAltP2M, views[view] != nil else { throw .einval }
        views[view]?.visible = visible
    }

    /// HVMOP_altp2m_get_p2m_idx: a missing vCPU → EINVAL.
    func vcpuView(_ vcpu: Int) throws(XenErrno) -> UInt16 {
        try altp2mPreamble()
        guard vcpus.indices.contains(vcpu), let view = vcpus[vcpu].view else { throw .einval }
        return UInt16(view)
    }

    /// A vm_event reply's ALTERNATE_P2M: p2m.c `p2m_altp2m_check` → `p2m_switch_vcpu_altp2m_by_id`. Only
    /// this vCPU; any existing view below MAX_ALTP2M, visible or not; anything else silently ignored.
    mutating func switchVCPU(_ vcpu: Int, to index: UInt16) {
        let view = Int(index)
        guard altp2mActive, view < maxAltP2M, views[view] != nil else { return }
        vcpus[vcpu].view = view
    }
}
