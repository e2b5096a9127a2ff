import CXen

/// The members of the request/response union `u` that Warden reads or writes. Which member is live is
/// not stored in the union; it follows from `reason` (requests) and from the flags Xen acts on (responses).
public enum VMEventPayload: Sendable, Hashable {
    /// `u.mem_access`: an EPT violation (reason `memAccess`). Echoed in EMULATE replies, because Xen
    /// rechecks the violation from the reply's gfn and flags (arch/x86/mm/mem_access.c
    /// `p2m_mem_access_emulate_check`); without them emulation is skipped and the vCPU re-faults.
    case memAccess(MemAccessEvent)
    /// `u.singlestep.gfn`: the frame of RIP after a monitored single step (reason `singlestep`).
    case singlestep(gfn: UInt64)
    /// `u.fast_singlestep.p2midx`: response only, with `VMEventFlags.fastSinglestep` — the view Xen
    /// switches to after one step. It overlays `mem_access.gfn`, so it cannot travel with an EMULATE reply.
    case fastSinglestep(p2mIndex: UInt16)
    /// Any other member (control-register write, CPUID, …): not read by Warden, encoded as zero bytes.
    case other
}

/// `struct vm_event_mem_access`. Every value comes from the hypervisor and is reported as is.
public struct MemAccessEvent: Sendable, Hashable {
    /// Guest frame number of the access (guest-physical address >> 12).
    public var gfn: UInt64
    /// Byte offset of the access inside the frame.
    public var offset: UInt64
    /// Guest linear address; meaningful only with `MemAccessFlags.glaValid`.
    public var gla: UInt64
    public var flags: MemAccessFlags

    public init(gfn: UInt64, offset: UInt64, gla: UInt64, flags: MemAccessFlags) {
        self.gfn = gfn
        self.offset = offset
        self.gla = gla
        self.flags = flags
    }
}

extension VMEventPayload {
    /// The live member of a request's union, chosen by the request's reason alone.
    init(request union: vm_event_st.__Unnamed_union_u, reason: VMEventReason) {
        switch reason {
        case .memAccess: self = .memAccess(MemAccessEvent(union.mem_access))
        case .singlestep: self = .singlestep(gfn: union.singlestep.gfn)
        default: self = .other
        }
    }

    /// The member Xen reads from a response: `fast_singlestep` when that flag is set (arch/x86/vm_event.c
    /// `vm_event_toggle_singlestep`), otherwise the member the reason implies.
    init(response union: vm_event_st.__Unnamed_union_u, reason: VMEventReason, flags: VMEventFlags) {
        if flags.contains(.fastSinglestep) {
            self = .fastSinglestep(p2mIndex: union.fast_singlestep.p2midx)
        } else {
            self.init(request: union, reason: reason)
        }
    }

    /// Writes the live member into a zeroed union.
    func encode(into union: inout vm_event_st.__Unnamed_union_u) {
        switch self {
        case .memAccess(let event): union.mem_access = event.raw
        case .singlestep(let gfn): union.singlestep.gfn = gfn
        case .fastSinglestep(let p2mIndex): union.fast_singlestep.p2midx = p2mIndex
        case .other: break
        }
    }

    /// The mem_access member, if that is the live one.
    public var memAccess: MemAccessEvent? {
        if case .memAccess(let event) = self { event } else { nil }
    }
}

extension MemAccessEvent {
    init(_ raw: vm_event_mem_access) {
        self.init(gfn: raw.gfn, offset: raw.offset, gla: raw.gla, flags: MemAccessFlags(rawValue: raw.flags))
    }

    var raw: vm_event_mem_access {
        var raw = vm_event_mem_access()
        raw.gfn = gfn
        raw.offset = offset
        raw.gla = gla
        raw.flags = flags.rawValue
        return raw
    }
}
