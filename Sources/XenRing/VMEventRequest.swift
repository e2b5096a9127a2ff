import CXen

/// One `vm_event_request_t` as a Swift value: what Xen reported. Decoding never traps and never
/// "corrects" anything, because the ring page is writable by the hypervisor side: an unexpected version,
/// reason or flag bit is kept as is for the caller to judge.
public struct VMEventRequest: Sendable, Hashable {
    /// `VMEventInterface.version` when Xen wrote it; anything else means a mismatched hypervisor.
    public var version: UInt32
    public var flags: VMEventFlags
    public var reason: VMEventReason
    public var vcpuID: UInt32
    /// The vCPU's view; meaningful only with `VMEventFlags.alternateP2M` (common/monitor.c `monitor_traps`).
    public var altp2mIndex: UInt16
    public var payload: VMEventPayload
    public var registers: X86Registers

    public init(
        version: UInt32 = VMEventInterface.version, flags: VMEventFlags, reason: VMEventReason, vcpuID: UInt32,
        altp2mIndex: UInt16 = 0, payload: VMEventPayload = .other, registers: X86Registers = X86Registers()
    ) {
        self.version = version
        self.flags = flags
        self.reason = reason
        self.vcpuID = vcpuID
        self.altp2mIndex = altp2mIndex
        self.payload = payload
        self.registers = registers
    }

    /// Decodes a request already copied off the ring (never a pointer into the shared page).
    public init(_ raw: vm_event_request_t) {
        let reason = VMEventReason(rawValue: raw.reason)
        self.init(
            version: raw.version, flags: VMEventFlags(rawValue: raw.flags), reason: reason, vcpuID: raw.vcpu_id,
            altp2mIndex: raw.altp2m_idx, payload: VMEventPayload(request: raw.u, reason: reason),
            registers: X86Registers(raw.data.regs.x86))
    }

    /// The C form, as the hypervisor side (the model, the tests) puts it on the ring. Union bytes outside
    /// the payload and all padding are zero.
    public var raw: vm_event_request_t {
        var raw = vm_event_request_t()
        raw.version = version
        raw.flags = flags.rawValue
        raw.reason = reason.rawValue
        raw.vcpu_id = vcpuID
        raw.altp2m_idx = altp2mIndex
        payload.encode(into: &raw.u)
        raw.data.regs.x86 = registers.raw
        return raw
    }
}
