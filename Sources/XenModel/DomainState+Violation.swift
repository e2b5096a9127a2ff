import XenRing

// EPT violations: xen/arch/x86/hvm/hvm.c `hvm_hap_nested_page_fault` (lazy view copy, access check) and
// xen/arch/x86/mm/mem_access.c `p2m_mem_access_check` (rx2rw / n2rwx, no-listener handling, the request)
// (RELEASE-4.17.7).

extension DomainState {
    /// The entry the vCPU's current p2m holds for `gfn`: its view when altp2m is active, else the host.
    func entry(for gfn: UInt64, in view: Int?) -> P2MEntry? {
        guard let view else { return host.entry(gfn) }
        return views[view]?.entries[gfn]
    }

    /// Rewrites the access of an existing entry in a view or (nil) the host, keeping its #VE bit.
    mutating func setAccess(_ access: P2MAccess, gfn: UInt64, in view: Int?) {
        guard let old = entry(for: gfn, in: view) else { return }
        let entry = P2MEntry(access: access, suppressVE: old.suppressVE)
        if let view { views[view]?.entries[gfn] = entry } else { setHostEntry(gfn, entry) }
    }

    /// The EPT side of one access at guest-physical `gpa`.
    mutating func eptCheck(gpa: UInt64, gla: UInt64, kind: AccessKind, on vcpu: Int) -> AccessResult {
        let gfn = gpa >> 12
        let view = altp2mActive ? vcpus[vcpu].view : nil
        if let view, views[view]?.entries[gfn] == nil, host.entry(gfn) != nil {
            // `p2m_altp2m_get_or_propagate`: copy the host mapping (its access, not the view's default)
            // and retry the access.
            copyHostMapping(of: gfn, into: view)
        }
        guard let entry = entry(for: gfn, in: view) else { return .unbacked(gfn: gfn) }
        guard entry.access.isViolation(kind) else { return .allowed(physical: gpa) }
        // A #VE would replace the exit only for a vCPU with a registered #VE info page
        // (vmx.c `vmx_vcpu_update_vmfunc_ve`); the model registers none, so suppress-#VE has no effect.
        return violation(gpa: gpa, gla: gla, kind: kind, entry: entry, view: view, vcpu: vcpu)
    }

    private mutating func violation(
        gpa: UInt64, gla: UInt64, kind: AccessKind, entry: P2MEntry, view: Int?, vcpu: Int
    ) -> AccessResult {
        let gfn = gpa >> 12
        if kind == .write, entry.access == .rx2rw {
            // Promoted to rw without an event; the vCPU retries.
            setAccess(.rw, gfn: gfn, in: view)
            return eptCheck(gpa: gpa, gla: gla, kind: kind, on: vcpu)
        }
        if entry.access == .n2rwx { setAccess(.rwx, gfn: gfn, in: view) }
        guard ring != nil else {
            // No listener: crash the domain if access is required, else lift the restriction and retry.
            if accessRequired {
                crashed = true
                return .stopped
            }
            setAccess(.rwx, gfn: gfn, in: view)
            return eptCheck(gpa: gpa, gla: gla, kind: kind, on: vcpu)
        }
        var flags: MemAccessFlags = [.glaValid, .faultWithGLA]
        flags.insert(MemAccessFlags(rawValue: kind.memAccessFlag))
        let event = MemAccessEvent(gfn: gfn, offset: gpa & 0xFFF, gla: gla, flags: flags)
        // n2rwx events are asynchronous: the access goes ahead (now rwx) while dom0 is told.
        let sync = entry.access != .n2rwx
        let request = VMEventRequest(
            flags: sync ? [.vcpuPaused] : [], reason: .memAccess, vcpuID: UInt32(vcpu), payload: .memAccess(event))
        vcpus[vcpu].lastEventGFN = gfn
        guard monitorTraps(request, from: vcpu) == .delivered, !sync, !vcpus[vcpu].blockedForRing else {
            return .stopped
        }
        return eptCheck(gpa: gpa, gla: gla, kind: kind, on: vcpu)
    }
}
