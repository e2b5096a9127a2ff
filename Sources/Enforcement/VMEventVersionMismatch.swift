import XenRing

/// Xen stamped a vm_event interface version other than Warden's on a request. Preflight infers the
/// version from Xen's release, so this means that guess was wrong (a Xen newer than any Warden knows)
/// or the ring entry is corrupt. Xen drops replies of any other version and leaves the vCPU paused
/// (xen/common/vm_event.c `vm_event_resume`), so serving on would pause vCPU after vCPU.
///
/// Stopping fails open: protection is removed. That is chosen over serving on because every later
/// write fault would leave another vCPU paused for good, taking the guest down; and the ring page
/// belongs to Xen, so a guest cannot write such an entry to switch Warden off.
public struct VMEventVersionMismatch: Error, Equatable, Sendable, CustomStringConvertible {
    /// The `version` field of the first such request.
    public var stamped: UInt32

    public init(stamped: UInt32) { self.stamped = stamped }

    public var description: String {
        "Xen stamped vm_event interface version \(stamped) on a request, but Warden speaks version "
            + "\(VMEventInterface.version) (that of Xen 4.15 to 4.22). Xen drops replies of another version and "
            + "leaves the vCPU that sent the request paused, so Warden stopped serving and tore down its "
            + "protection. If Xen really speaks version \(stamped), that vCPU stays paused until a reply in that "
            + "version releases it (`warden release` from a Warden built for this Xen) or the domain is restarted"
    }
}
