import CXen
import Hypervisor

// Xen stamps its VM_EVENT_INTERFACE_VERSION on every request and silently drops a response of any
// other version, leaving that vCPU paused (xen/common/vm_event.c `vm_event_resume`); disabling the
// ring does not release it. So the version must be known before anything is armed. No hypercall
// reports it, but Xen's own release does (xen/include/public/vm_event.h, checked at RELEASE-4.13.0 …
// RELEASE-4.22.0 and master): 5 in 4.13, 6 in 4.14, 7 from 4.15 on.

extension XenPreflight {
    /// `VM_EVENT_INTERFACE_VERSION` Warden's ring code is written for.
    public static let vmEventInterfaceVersion: UInt32 = 7
    /// `VM_EVENT_INTERFACE_VERSION` in the headers this build used (CXenShims also asserts it at compile time).
    public static let headerVMEventInterfaceVersion = UInt32(VM_EVENT_INTERFACE_VERSION)
    /// The first release whose vm_event interface is version 7.
    public static let firstXenWithVMEventInterface7 = XenVersion(major: 4, minor: 15)
    /// The newest release whose vm_event.h was checked; later ones are assumed to keep version 7.
    public static let newestKnownXen = XenVersion(major: 4, minor: 22)

    /// The vm_event interface version a Xen release speaks: 5 for 4.13 (older releases speak 5 or
    /// older), 6 for 4.14, 7 from 4.15 on (assumed past `newestKnownXen`).
    public static func vmEventInterfaceVersion(of xen: XenVersion) -> UInt32 {
        switch xen {
        case firstXenWithVMEventInterface7...: 7
        case XenVersion(major: 4, minor: 14): 6
        default: 5
        }
    }

    /// Checks the build's headers, then Xen's release, and refuses a Xen that speaks another vm_event
    /// interface. `xc_version` is a xen_version hypercall, not a domctl, so it answers whatever domctl
    /// interface the tools were built for. Reads only.
    /// - Parameters:
    ///   - hypervisor: the opened domain.
    ///   - headerVersion: the build's `VM_EVENT_INTERFACE_VERSION`; tests pass another.
    /// - Returns: a warning when Xen is newer than `newestKnownXen`.
    /// The corresponding C function is `xc_version`.
    public static func checkVMEventInterface(
        _ hypervisor: XenHypervisor,
        headerVersion: UInt32 = headerVMEventInterfaceVersion
    ) throws(XenPreflightError) -> [XenPreflightWarning] {
        guard headerVersion == vmEventInterfaceVersion else { throw .vmEventHeaderVersion(headerVersion) }
        let xen = try xenCall { () throws(HypervisorError) in try hypervisor.hypervisorVersion() }
        guard vmEventInterfaceVersion(of: xen) == vmEventInterfaceVersion else {
            throw .vmEventInterfaceMismatch(domid: hypervisor.domain, xen: xen)
        }
        return xen > newestKnownXen ? [.vmEventInterfaceAssumed(xen: xen)] : []
    }
}
