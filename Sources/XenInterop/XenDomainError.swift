/// Why `XenDomain.open` refused a domain.
public enum XenDomainError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A libxenctrl, libxenforeignmemory or libxenstore call failed.
    case xen(XenError)
    /// All digits, but not a domain id (ids stop below DOMID_FIRST_RESERVED, 0x7FF0).
    case invalidDomainID(String)
    /// No `/local/domain/<id>/name` in xenstore holds this name.
    case noDomainNamed(String)
    /// Several domains carry this name; libxl keeps names unique, so another tool wrote them.
    case ambiguousName(String, domids: [UInt32])
    /// The hypervisor knows no domain with this id.
    case noSuchDomain(UInt32)
    /// A PV guest: its frame numbers are machine frames and it has no HVM vCPU state.
    case notHVM(UInt32)
    /// The domain is being destroyed.
    case dying(UInt32)
    /// More vCPUs than Xen 4.17 gives an HVM guest (HVM_MAX_VCPUS = 128, xen/arch/x86/domain.c).
    case implausibleVCPUCount(UInt32, maxVCPUID: UInt32)

    public var description: String {
        switch self {
        case .xen(let error):
            error.description
        case .invalidDomainID(let text):
            "\(text) is not a domain id: ids run from 0 to 32751"
        case .noDomainNamed(let name):
            "no Xen domain is named \(name); check `xl list`"
        case .ambiguousName(let name, let domids):
            "several Xen domains are named \(name) (domids \(domids.map(String.init).joined(separator: ", "))); "
                + "pass the domid instead"
        case .noSuchDomain(let domid):
            "no Xen domain has id \(domid); check `xl list`"
        case .notHVM(let domid):
            "Xen domain \(domid) is a PV guest; Warden protects HVM guests only (set type = \"hvm\" in xl.cfg)"
        case .dying(let domid):
            "Xen domain \(domid) is being destroyed"
        case .implausibleVCPUCount(let domid, let maxVCPUID):
            "Xen domain \(domid) reports vCPU ids up to \(maxVCPUID), more than an HVM guest can have on Xen 4.17"
        }
    }
}
