/// Owns an open libxenctrl interface and closes it when dropped.
public struct XenControl: ~Copyable {
    public let calls: XenCalls
    /// Internal so `XenHypervisor` can pass it to the enforcement entries of `calls`.
    let handle: XenControlHandle

    /// Opens the hypervisor interface (/dev/xen/privcmd). The corresponding C function is
    /// `xc_interface_open`.
    public init(calls: XenCalls) throws(XenError) {
        handle = try calls.interfaceOpen()
        self.calls = calls
    }

    deinit { calls.interfaceClose(handle) }

    /// The domain with exactly this id, or nil if none exists. The corresponding C function is
    /// `xc_domain_getinfolist`.
    public func domainInfo(_ domid: UInt32) throws(XenError) -> XenDomainInfo? {
        guard let info = try calls.nextDomainInfo(handle, domid), info.domid == domid else { return nil }
        return info
    }

    /// Every domain, in id order. The corresponding C function is `xc_domain_getinfolist`.
    public func domains() throws(XenError) -> [XenDomainInfo] {
        var found: [XenDomainInfo] = []
        var next: UInt32 = 0
        // Each step must move to a higher id below DOMID_FIRST_RESERVED (0x7FF0, xen/include/public/xen.h),
        // so this ends after at most 0x7FF0 calls even if the table misbehaves.
        while let info = try calls.nextDomainInfo(handle, next), info.domid >= next, info.domid < 0x7FF0 {
            found.append(info)
            next = info.domid + 1
        }
        return found
    }

    /// The highest gfn mapped in the domain's p2m (inclusive). The corresponding C function is
    /// `xc_domain_maximum_gpfn`.
    public func maximumGPFN(_ domid: UInt32) throws(XenError) -> UInt64 {
        try calls.maximumGPFN(handle, domid)
    }

    /// The corresponding C function is `xc_vcpu_getinfo`.
    public func vcpuIsOnline(_ domid: UInt32, vcpu: UInt32) throws(XenError) -> Bool {
        try calls.vcpuIsOnline(handle, domid, vcpu)
    }

    /// The corresponding C function is `xc_vcpu_getcontext`.
    public func vcpuContext(_ domid: UInt32, vcpu: UInt32) throws(XenError) -> XenVCPUContext {
        try calls.vcpuContext(handle, domid, vcpu)
    }

    /// The corresponding C function is `xc_domain_hvm_getcontext_partial`.
    public func hvmCPUState(_ domid: UInt32, vcpu: UInt32) throws(XenError) -> XenHVMCPUState {
        try calls.hvmCPUState(handle, domid, vcpu)
    }
}

/// Owns an open libxenforeignmemory handle and closes it when dropped.
public struct ForeignMemory: ~Copyable {
    public let calls: XenCalls
    private let handle: ForeignMemoryHandle

    /// The corresponding C function is `xenforeignmemory_open`.
    public init(calls: XenCalls) throws(XenError) {
        handle = try calls.foreignMemoryOpen()
        self.calls = calls
    }

    deinit { calls.foreignMemoryClose(handle) }

    /// Maps `gfns` of domain `domid` read-only into one range, page after page. Every successful
    /// call must be paired with `unmap`. The corresponding C function is `xenforeignmemory_map`.
    public func mapReadOnly(_ domid: UInt32, gfns: [UInt64]) throws(XenError) -> XenForeignMapping {
        try calls.mapReadOnly(handle, domid, gfns)
    }

    /// Unmaps a mapping of `pages` frames. The corresponding C function is `xenforeignmemory_unmap`.
    public func unmap(_ mapping: XenForeignMapping, pages: Int) throws(XenError) {
        try calls.unmap(handle, mapping.address, pages)
    }
}

/// Owns an open xenstore connection and closes it when dropped.
public struct XenStore: ~Copyable {
    public let calls: XenCalls
    private let handle: XenStoreHandle

    /// The corresponding C function is `xs_open`.
    public init(calls: XenCalls) throws(XenError) {
        handle = try calls.storeOpen()
        self.calls = calls
    }

    deinit { calls.storeClose(handle) }

    /// The corresponding C function is `xs_directory`.
    public func directory(_ path: String) throws(XenError) -> [String] {
        try calls.storeDirectory(handle, path)
    }

    /// The corresponding C function is `xs_read`.
    public func read(_ path: String) throws(XenError) -> String {
        try calls.storeRead(handle, path)
    }
}
