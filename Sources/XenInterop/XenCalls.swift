/// An open libxenctrl interface (`xc_interface *`), as the table hands it out. `XenControl` owns it.
public struct XenControlHandle {
    public let raw: OpaquePointer
    public init(raw: OpaquePointer) { self.raw = raw }
}

/// An open libxenforeignmemory handle (`xenforeignmemory_handle *`). `ForeignMemory` owns it.
public struct ForeignMemoryHandle {
    public let raw: OpaquePointer
    public init(raw: OpaquePointer) { self.raw = raw }
}

/// An open xenstore connection (`struct xs_handle *`). `XenStore` owns it.
public struct XenStoreHandle {
    public let raw: OpaquePointer
    public init(raw: OpaquePointer) { self.raw = raw }
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

/// Every libxenctrl, libxenforeignmemory and libxenstore operation Warden uses to read a live
/// domain, as one table of closures. `XenCalls.live` calls the real C functions; tests pass a fake.
///
/// Each closure either returns a value or throws the `XenError` built from `errno` right after the
/// failing C call. Handles are opened and closed only through the owners (`XenControl`,
/// `ForeignMemory`, `XenStore`), so a handle cannot leak on an error path.
public struct XenCalls: Sendable {
    /// Opens the hypervisor interface. The corresponding C function is `xc_interface_open`.
    public var interfaceOpen: @Sendable () throws(XenError) -> XenControlHandle
    /// The corresponding C function is `xc_interface_close`.
    public var interfaceClose: @Sendable (XenControlHandle) -> Void
    /// The first domain whose id is at least the given one, or nil if there is none.
    /// The corresponding C function is `xc_domain_getinfolist`.
    public var nextDomainInfo: @Sendable (XenControlHandle, UInt32) throws(XenError) -> XenDomainInfo?
    /// The highest gfn the domain's p2m maps (inclusive). The corresponding C function is
    /// `xc_domain_maximum_gpfn`.
    public var maximumGPFN: @Sendable (XenControlHandle, UInt32) throws(XenError) -> UInt64
    /// Whether a vCPU is up (not `VPF_down`). The corresponding C function is `xc_vcpu_getinfo`.
    public var vcpuIsOnline: @Sendable (XenControlHandle, UInt32, UInt32) throws(XenError) -> Bool
    /// The corresponding C function is `xc_vcpu_getcontext`.
    public var vcpuContext: @Sendable (XenControlHandle, UInt32, UInt32) throws(XenError) -> XenVCPUContext
    /// The HVM `CPU` save record of one vCPU. The corresponding C function is
    /// `xc_domain_hvm_getcontext_partial`.
    public var hvmCPUState: @Sendable (XenControlHandle, UInt32, UInt32) throws(XenError) -> XenHVMCPUState

    /// The corresponding C function is `xenforeignmemory_open`.
    public var foreignMemoryOpen: @Sendable () throws(XenError) -> ForeignMemoryHandle
    /// The corresponding C function is `xenforeignmemory_close`.
    public var foreignMemoryClose: @Sendable (ForeignMemoryHandle) -> Void
    /// Maps the given gfns of a domain read-only, in one batch, with per-page errors.
    /// The corresponding C function is `xenforeignmemory_map`.
    public var mapReadOnly: @Sendable (ForeignMemoryHandle, UInt32, [UInt64]) throws(XenError) -> XenForeignMapping
    /// Unmaps `pages` pages at an address `mapReadOnly` returned. The corresponding C function is
    /// `xenforeignmemory_unmap`.
    public var unmap: @Sendable (ForeignMemoryHandle, UnsafeRawPointer, Int) throws(XenError) -> Void

    /// The corresponding C function is `xs_open`.
    public var storeOpen: @Sendable () throws(XenError) -> XenStoreHandle
    /// The corresponding C function is `xs_close`.
    public var storeClose: @Sendable (XenStoreHandle) -> Void
    /// The children of a xenstore node. The corresponding C function is `xs_directory`.
    public var storeDirectory: @Sendable (XenStoreHandle, String) throws(XenError) -> [String]
    /// The value of a xenstore node. The corresponding C function is `xs_read`.
    public var storeRead: @Sendable (XenStoreHandle, String) throws(XenError) -> String

    public init(
        interfaceOpen: @escaping @Sendable () throws(XenError) -> XenControlHandle,
        interfaceClose: @escaping @Sendable (XenControlHandle) -> Void,
        nextDomainInfo: @escaping @Sendable (XenControlHandle, UInt32) throws(XenError) -> XenDomainInfo?,
        maximumGPFN: @escaping @Sendable (XenControlHandle, UInt32) throws(XenError) -> UInt64,
        vcpuIsOnline: @escaping @Sendable (XenControlHandle, UInt32, UInt32) throws(XenError) -> Bool,
        vcpuContext: @escaping @Sendable (XenControlHandle, UInt32, UInt32) throws(XenError) -> XenVCPUContext,
        hvmCPUState: @escaping @Sendable (XenControlHandle, UInt32, UInt32) throws(XenError) -> XenHVMCPUState,
        foreignMemoryOpen: @escaping @Sendable () throws(XenError) -> ForeignMemoryHandle,
        foreignMemoryClose: @escaping @Sendable (ForeignMemoryHandle) -> Void,
        mapReadOnly: @escaping @Sendable (ForeignMemoryHandle, UInt32, [UInt64]) throws(XenError) -> XenForeignMapping,
        unmap: @escaping @Sendable (ForeignMemoryHandle, UnsafeRawPointer, Int) throws(XenError) -> Void,
        storeOpen: @escaping @Sendable () throws(XenError) -> XenStoreHandle,
        storeClose: @escaping @Sendable (XenStoreHandle) -> Void,
        storeDirectory: @escaping @Sendable (XenStoreHandle, String) throws(XenError) -> [String],
        storeRead: @escaping @Sendable (XenStoreHandle, String) throws(XenError) -> String
    ) {
        self.interfaceOpen = interfaceOpen
        self.interfaceClose = interfaceClose
        self.nextDomainInfo = nextDomainInfo
        self.maximumGPFN = maximumGPFN
        self.vcpuIsOnline = vcpuIsOnline
        self.vcpuContext = vcpuContext
        self.hvmCPUState = hvmCPUState
        self.foreignMemoryOpen = foreignMemoryOpen
        self.foreignMemoryClose = foreignMemoryClose
        self.mapReadOnly = mapReadOnly
        self.unmap = unmap
        self.storeOpen = storeOpen
        self.storeClose = storeClose
        self.storeDirectory = storeDirectory
        self.storeRead = storeRead
    }
}
