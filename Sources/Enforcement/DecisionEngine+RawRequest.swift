import CXen
import WardenCore
import XenRing

extension DecisionEngine {
    /// The event loop's first question, asked of the request as copied off the ring, before anything
    /// is decoded: is it a well-formed write fault (interface version 7, one of the domain's
    /// `vcpuCount` vCPUs) that the policy denies? A rootkit's flood is made of these, so they are
    /// decided and answered without decoding (only their alert decodes); nil sends the request
    /// down the full path.
    @inlinable
    public func deniedWrite(_ raw: borrowing vm_event_request_t, vcpuCount: Int) -> (target: Int, offset: UInt64)? {
        guard raw.version == VMEventInterface.version, Int(raw.vcpu_id) < vcpuCount,
            raw.reason == VMEventReason.memAccess.rawValue, raw.u.mem_access.flags & MemAccessFlags.write.rawValue != 0,
            case .deny(let target, let offset) = decide(
                gfn: raw.u.mem_access.gfn, offset: raw.u.mem_access.offset & 0xFFF, access: .write, rip: raw.data.regs.x86.rip)
        else { return nil }
        return (target, offset)
    }
}
