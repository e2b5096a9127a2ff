// Values the read-only entries of `XenCalls` return.

/// The hypervisor's release, as `xc_version(xch, XENVER_version, NULL)` reports it: `(major << 16) | minor`
/// (xen/include/public/version.h, xen/common/kernel.c `do_xen_version`).
public struct XenVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Splits `XENVER_version`'s result.
    public init(packed: Int32) {
        self.init(major: Int(packed >> 16), minor: Int(packed & 0xFFFF))
    }

    public static func < (lhs: XenVersion, rhs: XenVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    public var description: String { "\(major).\(minor)" }
}

/// One domain as `xc_domain_getinfolist` reports it (xen/include/public/domctl.h,
/// `struct xen_domctl_getdomaininfo`).
public struct XenDomainInfo: Sendable, Equatable {
    public var domid: UInt32
    /// `XEN_DOMINF_hvm_guest`: an HVM (or PVH) guest, whose gfns are guest-physical frames.
    public var isHVM: Bool
    /// `XEN_DOMINF_dying`: the domain is being torn down and its memory is going away.
    public var isDying: Bool
    /// The highest vCPU id, or nil when the domain has no vCPUs (Xen reports
    /// `XEN_INVALID_MAX_VCPU_ID`, xen/common/domctl.c `getdomaininfo`).
    public var maxVCPUID: UInt32?
    /// Pages currently allocated to the domain (`tot_pages`).
    public var totalPages: UInt64

    public init(domid: UInt32, isHVM: Bool, isDying: Bool = false, maxVCPUID: UInt32?, totalPages: UInt64) {
        self.domid = domid
        self.isHVM = isHVM
        self.isDying = isDying
        self.maxVCPUID = maxVCPUID
        self.totalPages = totalPages
    }
}

/// The registers `xc_vcpu_getcontext` gives for an HVM vCPU: Xen copies `guest_cr[0,3,4]` and the
/// saved user registers (xen/arch/x86/domctl.c `arch_get_info_guest`).
public struct XenVCPUContext: Sendable, Equatable {
    public var cr0: UInt64
    public var cr3: UInt64
    public var cr4: UInt64
    public var rip: UInt64

    public init(cr0: UInt64, cr3: UInt64, cr4: UInt64, rip: UInt64) {
        self.cr0 = cr0
        self.cr3 = cr3
        self.cr4 = cr4
        self.rip = rip
    }
}

/// The part of the HVM save record `CPU` (`struct hvm_hw_cpu`, xen/include/public/arch-x86/hvm/save.h)
/// that `vcpu_guest_context` lacks: EFER, the IDT base and both GS bases.
public struct XenHVMCPUState: Sendable, Equatable {
    public var efer: UInt64
    public var idtrBase: UInt64
    public var gsBase: UInt64
    /// `shadow_gs`, the IA32_KERNEL_GS_BASE MSR (swapped in by `swapgs`).
    public var shadowGSBase: UInt64

    public init(efer: UInt64, idtrBase: UInt64, gsBase: UInt64, shadowGSBase: UInt64) {
        self.efer = efer
        self.idtrBase = idtrBase
        self.gsBase = gsBase
        self.shadowGSBase = shadowGSBase
    }
}

/// A read-only mapping of a batch of gfns, laid out page after page from `address`.
public struct XenForeignMapping {
    public let address: UnsafeRawPointer
    /// One entry per requested gfn: 0 if mapped, else an errno (libxenforeignmemory stores it
    /// negated, tools/libs/foreignmemory/linux.c; the sign is dropped here). A failed page must
    /// never be touched: Linux privcmd leaves it unmapped and a read would raise SIGBUS.
    public let pageErrors: [Int32]

    public init(address: UnsafeRawPointer, pageErrors: [Int32]) {
        self.address = address
        self.pageErrors = pageErrors
    }
}

