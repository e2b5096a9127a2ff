// Per-view access and suppress-#VE bits: xen/arch/x86/mm/mem_access.c, xen/arch/x86/mm/p2m.c and
// xen/arch/x86/mm/p2m-ept.c (RELEASE-4.17.7). Index 0 in these calls is the host p2m, not view 0.

extension DomainState {
    /// The gfns of the host mapping that holds `gfn`: its 2 MiB superpage when the host maps one there
    /// (the block is all RAM and no 4 KiB entry inside it was ever rewritten, which would have split it),
    /// else the gfn alone.
    func hostMapping(of gfn: UInt64) -> ClosedRange<UInt64> {
        guard configuration.hostSuperpages else { return gfn...gfn }
        let first = gfn & ~511
        let block = first...(first + 511)
        guard host.isRAM(first, pages: 512), !host.isSplit(block: first) else { return gfn...gfn }
        return block
    }

    /// Copies the host's mapping of `gfn` into a view, access and all, with suppress-#VE set: what
    /// p2m.c `p2m_altp2m_get_or_propagate` (lazy copy on a fault) and `altp2m_get_effective_entry`
    /// (prepopulate) write. The view's default access plays no part (fixed only after 4.17, 7e5b662b28).
    mutating func copyHostMapping(of gfn: UInt64, into view: Int) {
        for each in hostMapping(of: gfn) where views[view]?.entries[each] == nil {
            guard let entry = host.entry(each) else { continue }
            views[view]?.entries[each] = P2MEntry(access: entry.access, suppressVE: true)
        }
    }

    /// A host entry write (`ept_set_entry` on the host p2m), pushed into every view that holds the gfn by
    /// p2m.c `p2m_altp2m_propagate_change`: the view takes the host's access and keeps its own #VE bit.
    mutating func setHostEntry(_ gfn: UInt64, _ entry: P2MEntry) {
        host.set(gfn, entry)
        guard altp2mActive else { return }
        for index in views.indices {
            guard let old = views[index]?.entries[gfn] else { continue }
            views[index]?.entries[gfn] = P2MEntry(access: entry.access, suppressVE: old.suppressVE)
        }
    }

    /// The view an altp2m call addresses: nil for index 0 (the host); EINVAL for a missing view.
    func addressedView(_ index: UInt16) throws(XenErrno) -> Int? {
        let view = Int(index)
        guard view != 0 else { return nil }
        guard view < maxAltP2M, views[view] != nil else { throw .einval }
        return view
    }

    /// The entry `get_entry` finds in the p2m an altp2m call addresses (no copying from the host).
    func entry(in index: UInt16, gfn: UInt64) throws(XenErrno) -> P2MEntry? {
        if let view = try addressedView(index) { return views[view]?.entries[gfn] }
        return host.entry(gfn)
    }

    /// HVMOP_altp2m_set_mem_access → mem_access.c `p2m_set_mem_access` (one gfn). On a view:
    /// `p2m_set_altp2m_mem_access` copies the host mapping first (whole superpage) and writes a 4 KiB entry;
    /// a gfn the host maps no RAM at is skipped with 0 (-ESRCH swallowed in `set_mem_access`). On index 0:
    /// the host entry, propagated to the views. `INVALID_GFN` sets the host's default access instead.
    mutating func setMemAccess(view index: UInt16, gfn: UInt64, access raw: UInt8) throws(XenErrno) {
        try altp2mPreamble()
        let view = try addressedView(index)
        guard let access = P2MAccess.fromXenmem(raw, hostDefault: host.defaultAccess) else { throw .einval }
        guard gfn != UInt64.max else {
            host.defaultAccess = access
            return
        }
        if let view {
            guard host.entry(gfn) != nil || views[view]?.entries[gfn] != nil else { return }
            copyHostMapping(of: gfn, into: view)
            let suppressVE = views[view]?.entries[gfn]?.suppressVE ?? true
            views[view]?.entries[gfn] = P2MEntry(access: access, suppressVE: suppressVE)
        } else {
            // ept_set_entry refuses gfns beyond the EPT's reach; below it an unbacked gfn gets no mapping.
            guard gfn < eptGFNLimit else { throw .einval }
            guard let old = host.entry(gfn) else { return }
            setHostEntry(gfn, P2MEntry(access: access, suppressVE: old.suppressVE))
        }
    }

    /// HVMOP_altp2m_get_mem_access → mem_access.c `p2m_get_mem_access`: reads only that p2m; an entry
    /// the view has not copied yet (or an unbacked host gfn) → ESRCH.
    func memAccess(view index: UInt16, gfn: UInt64) throws(XenErrno) -> P2MAccess {
        try altp2mPreamble()
        guard let entry = try entry(in: index, gfn: gfn) else { throw .esrch }
        return entry.access
    }

    /// HVMOP_altp2m_set_suppress_ve → p2m.c `p2m_set_suppress_ve` (`AP2MGET_query`: no superpage copy).
    /// On a view the entry comes from the view, else the host (unbacked → ESRCH), and is written with
    /// the new bit. On index 0 the host entry is rewritten — and propagated, resetting every view's access
    /// for that gfn to the host's — while an unbacked host gfn is written as an empty entry (0).
    mutating func setSuppressVE(view index: UInt16, gfn: UInt64, suppress: Bool) throws(XenErrno) {
        try altp2mPreamble()
        if let view = try addressedView(index) {
            guard let entry = views[view]?.entries[gfn] ?? host.entry(gfn) else { throw .esrch }
            views[view]?.entries[gfn] = P2MEntry(access: entry.access, suppressVE: suppress)
        } else {
            guard gfn < eptGFNLimit else { throw .einval }
            guard let entry = host.entry(gfn) else { return }
            setHostEntry(gfn, P2MEntry(access: entry.access, suppressVE: suppress))
        }
    }

    /// HVMOP_altp2m_get_suppress_ve → p2m.c `p2m_get_suppress_ve`; no entry → ESRCH.
    func suppressVE(view index: UInt16, gfn: UInt64) throws(XenErrno) -> Bool {
        try altp2mPreamble()
        guard let entry = try entry(in: index, gfn: gfn) else { throw .esrch }
        return entry.suppressVE
    }
}
