import Glibc
import Synchronization
import WardenCore
import XenInterop

// The model behind the C conventions of libxenctrl, libxenforeignmemory and libxenstore, so the real Xen
// backend (`XenHypervisor`) runs over it unchanged. Errors are Xen's codes as the C calls leave them in
// errno; the enforcement entries are in XenModel+EnforcementCalls.swift.

extension XenModel {
    /// The whole `XenCalls` table over this model. Every value shares the model's handles.
    public var calls: XenCalls {
        XenCalls(
            interfaceOpen: { () throws(XenError) in
                XenControlHandle(raw: try self.openHandle(.control, "xc_interface_open"))
            },
            interfaceClose: { _ = self.closeHandle($0.raw) },
            hypervisorVersion: { (xch) throws(XenError) in
                try self.checkControl(xch, "xc_version")
                return self.configuration.xenVersion
            },
            nextDomainInfo: { (xch, first) throws(XenError) in
                try self.checkControl(xch, "xc_domain_getinfolist")
                return self.domainInfo(from: first)
            },
            maximumGPFN: { (xch, domid) throws(XenError) in
                try self.libxc("xc_domain_maximum_gpfn", xch, domid) { self.highestRAMGFN }
            },
            vcpuIsOnline: { (xch, domid, vcpu) throws(XenError) in
                // XEN_DOMCTL_getvcpuinfo: a vCPU beyond max_vcpus → EINVAL (xen/common/domctl.c).
                _ = try self.libxc("xc_vcpu_getinfo", xch, domid) { () throws(XenErrno) in
                    try self.checkVCPU(vcpu, XenErrno.einval)
                }
                return true
            },
            vcpuContext: { (xch, domid, vcpu) throws(XenError) in
                // XEN_DOMCTL_getvcpucontext: beyond max_vcpus → EINVAL.
                let registers = try self.libxc("xc_vcpu_getcontext", xch, domid) { () throws(XenErrno) in
                    try self.checkVCPU(vcpu, XenErrno.einval)
                }
                return XenVCPUContext(cr0: registers.cr0, cr3: registers.cr3, cr4: registers.cr4, rip: registers.rip)
            },
            hvmCPUState: { (xch, domid, vcpu) throws(XenError) in
                // xen/arch/x86/hvm/save.c `hvm_save_one`: an instance beyond max_vcpus → ENOENT.
                let registers = try self.libxc("xc_domain_hvm_getcontext_partial", xch, domid) { () throws(XenErrno) in
                    try self.checkVCPU(vcpu, XenErrno.enoent)
                }
                return XenHVMCPUState(
                    efer: registers.efer, idtrBase: registers.idtrBase, gsBase: registers.gsBase,
                    shadowGSBase: registers.kernelGSBase)
            },
            foreignMemoryOpen: { () throws(XenError) in
                ForeignMemoryHandle(raw: try self.openHandle(.foreignMemory, "xenforeignmemory_open"))
            },
            foreignMemoryClose: { _ = self.closeHandle($0.raw) },
            mapReadOnly: { (fmem, domid, gfns) throws(XenError) in try self.mapForeign(fmem, domid, gfns) },
            unmap: { (fmem, address, _) throws(XenError) in
                try self.checkHandle(fmem.raw, "xenforeignmemory_unmap") { $0.isForeignMemory }
                let bits = UInt(bitPattern: address)
                // munmap of an address that is not mapped succeeds; only the model's own copies are freed.
                if self.state.withLock({ $0.dom0.mappings.removeValue(forKey: bits) }) != nil {
                    UnsafeMutableRawPointer(mutating: address).deallocate()
                }
            },
            storeOpen: { () throws(XenError) in XenStoreHandle(raw: try self.openHandle(.store, "xs_open")) },
            storeClose: { _ = self.closeHandle($0.raw) },
            storeDirectory: { (xsh, path) throws(XenError) in try self.storeDirectory(xsh, path) },
            storeRead: { (xsh, path) throws(XenError) in try self.storeRead(xsh, path) },
            domainControl: domainControlCalls, monitor: monitorCalls, altp2m: altp2mCalls,
            eventChannel: eventChannelCalls)
    }

    /// `xc_domain_getinfolist` from `first`: dom0 (PV, one vCPU), then the modelled HVM domain.
    private func domainInfo(from first: UInt32) -> XenDomainInfo? {
        if first == 0, domainID != 0 { return XenDomainInfo(domid: 0, isHVM: false, maxVCPUID: 0, totalPages: 0) }
        guard first <= domainID else { return nil }
        let pages = ramRanges.reduce(UInt64(0)) { $0 + $1.length / 4096 }
        return XenDomainInfo(
            domid: domainID, isHVM: configuration.isHVM, maxVCPUID: vcpuCount > 0 ? UInt32(vcpuCount - 1) : nil,
            totalPages: pages)
    }

    private var highestRAMGFN: UInt64 {
        guard let last = ramRanges.map(\.end).max(), last >= 4096 else { return 0 }
        return (last - 1) >> 12
    }

    private func checkVCPU(_ vcpu: UInt32, _ error: XenErrno) throws(XenErrno) -> VCPURegisters {
        let all = vcpuRegisters()
        guard let index = Int(exactly: vcpu), all.indices.contains(index) else { throw error }
        return all[index]
    }

    /// xenforeignmemory_map: one page-aligned copy of the frames; a gfn the domain maps no RAM at gets
    /// EINVAL in its slot (xen/arch/x86/mm/p2m.c `p2m_add_foreign`: no page → -EINVAL), another domain
    /// ESRCH in every slot.
    private func mapForeign(_ fmem: ForeignMemoryHandle, _ domid: UInt32, _ gfns: [UInt64]) throws(XenError)
        -> XenForeignMapping
    {
        try checkHandle(fmem.raw, "xenforeignmemory_map") { $0.isForeignMemory }
        let address = UnsafeMutableRawPointer.allocate(byteCount: max(gfns.count, 1) * 4096, alignment: 4096)
        address.initializeMemory(as: UInt8.self, repeating: 0, count: max(gfns.count, 1) * 4096)
        var errors: [Int32] = []
        for (index, gfn) in gfns.enumerated() {
            guard domid == domainID else {
                errors.append(ESRCH)
                continue
            }
            guard gfn < (1 << 40), let page = try? readGuest(physical: gfn << 12, count: 4096) else {
                errors.append(EINVAL)
                continue
            }
            (address + index * 4096).copyMemory(from: page, byteCount: 4096)
            errors.append(0)
        }
        let bits = UInt(bitPattern: address)
        state.withLock { $0.dom0.mappings[bits] = gfns.count }
        return XenForeignMapping(address: UnsafeRawPointer(address), pageErrors: errors)
    }

    /// xenstore: `/local/domain` lists dom0 and the modelled domain; each has a `name`. Anything else →
    /// ENOENT, as xenstored answers for a missing node.
    private func storeDirectory(_ xsh: XenStoreHandle, _ path: String) throws(XenError) -> [String] {
        try checkHandle(xsh.raw, "xs_directory") { $0.isStore }
        guard path == "/local/domain" else { throw XenError(operation: "xs_directory", errno: ENOENT) }
        return ["0", String(domainID)]
    }

    private func storeRead(_ xsh: XenStoreHandle, _ path: String) throws(XenError) -> String {
        try checkHandle(xsh.raw, "xs_read") { $0.isStore }
        switch path {
        case "/local/domain/0/name": return "Domain-0"
        case "/local/domain/\(domainID)/name": return configuration.domainName
        default: throw XenError(operation: "xs_read", errno: ENOENT)
        }
    }
}
