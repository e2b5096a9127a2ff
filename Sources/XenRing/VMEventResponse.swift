import CXen

/// One `vm_event_response_t` as a Swift value: what Warden tells Xen. Build it with
/// `VMEventResponse.answering(_:)` and one of its verdict helpers rather than by hand.
public struct VMEventResponse: Sendable, Hashable {
    public var version: UInt32
    public var flags: VMEventFlags
    public var reason: VMEventReason
    public var vcpuID: UInt32
    /// The view to switch this vCPU to; read by Xen only with `VMEventFlags.alternateP2M`.
    public var altp2mIndex: UInt16
    public var payload: VMEventPayload

    public init(
        version: UInt32 = VMEventInterface.version, flags: VMEventFlags, reason: VMEventReason, vcpuID: UInt32,
        altp2mIndex: UInt16 = 0, payload: VMEventPayload = .other
    ) {
        self.version = version
        self.flags = flags
        self.reason = reason
        self.vcpuID = vcpuID
        self.altp2mIndex = altp2mIndex
        self.payload = payload
    }

    /// Decodes a response already copied off the ring, reading the union the way Xen would. The union has no
    /// tag, so a mem_access reply built with `.other` comes back as `.memAccess` of zeroes.
    public init(_ raw: vm_event_response_t) {
        let reason = VMEventReason(rawValue: raw.reason)
        let flags = VMEventFlags(rawValue: raw.flags)
        self.init(
            version: raw.version, flags: flags, reason: reason, vcpuID: raw.vcpu_id, altp2mIndex: raw.altp2m_idx,
            payload: VMEventPayload(response: raw.u, reason: reason, flags: flags))
    }

    /// The C form put on the ring. Union bytes outside the payload, `data` and padding are zero: Warden's
    /// verdicts never set SET_REGISTERS or the emulation-data flags, the only readers of `data`.
    public var raw: vm_event_response_t {
        var raw = vm_event_response_t()
        raw.version = version
        raw.flags = flags.rawValue
        raw.reason = reason.rawValue
        raw.vcpu_id = vcpuID
        raw.altp2m_idx = altp2mIndex
        payload.encode(into: &raw.u)
        return raw
    }
}
