import CXen
import Glibc

/// `HVM_SAVE_CODE(CPU)`: xen/include/public/hvm/save.h computes save codes with a sizeof trick Swift
/// cannot import; xen/include/public/arch-x86/hvm/save.h declares
/// `DECLARE_HVM_SAVE_TYPE(CPU, 2, struct hvm_hw_cpu)`.
private let hvmSaveCodeCPU: UInt16 = 2
/// `XBT_NULL` (xenstore.h, a cast macro): read outside any transaction.
private let noTransaction: xs_transaction_t = 0

extension XenCalls {
    /// The production table: every closure calls the real libxenctrl, libxenevtchn,
    /// libxenforeignmemory or libxenstore function (or `munmap`). With NULL loggers the libraries
    /// also print their own errors to stderr.
    /// Close results are ignored: closes run from `deinit`, where a failure cannot be retried.
    public static let live = XenCalls(
        interfaceOpen: liveInterfaceOpen,
        interfaceClose: { _ = xc_interface_close($0.raw) },
        hypervisorVersion: liveHypervisorVersion,
        nextDomainInfo: liveNextDomainInfo,
        maximumGPFN: liveMaximumGPFN,
        vcpuIsOnline: liveVCPUIsOnline,
        vcpuContext: liveVCPUContext,
        hvmCPUState: liveHVMCPUState,
        foreignMemoryOpen: liveForeignMemoryOpen,
        foreignMemoryClose: { _ = xenforeignmemory_close($0.raw) },
        mapReadOnly: liveMapReadOnly,
        unmap: liveUnmap,
        storeOpen: liveStoreOpen,
        storeClose: { xs_close($0.raw) },
        storeDirectory: liveStoreDirectory,
        storeRead: liveStoreRead,
        domainControl: .live,
        monitor: .live,
        altp2m: .live,
        eventChannel: .live
    )
}

private func liveInterfaceOpen() throws(XenError) -> XenControlHandle {
    guard let raw = xc_interface_open(LibraryLog.quiet, LibraryLog.quiet, 0) else { throw .lastError("xc_interface_open") }
    return XenControlHandle(raw: raw)
}

private func liveHypervisorVersion(_ xch: XenControlHandle) throws(XenError) -> XenVersion {
    // XENVER_version takes no argument and returns (major << 16) | minor, or -1 with errno
    // (tools/libs/ctrl/xc_private.c `xc_version`).
    let packed = xc_version(xch.raw, XENVER_version, nil)
    guard packed >= 0 else { throw .lastError("xc_version") }
    return XenVersion(packed: packed)
}

private func liveNextDomainInfo(_ xch: XenControlHandle, _ first: UInt32) throws(XenError) -> XenDomainInfo? {
    var info = xc_domaininfo_t()
    // Returns how many domains it filled in, starting at the first id >= `first` (tools/libs/ctrl/xc_domain.c);
    // max_vcpu_id is XEN_INVALID_MAX_VCPU_ID for a domain without vCPUs (xen/common/domctl.c).
    let count = xc_domain_getinfolist(xch.raw, first, 1, &info)
    guard count >= 0 else { throw .lastError("xc_domain_getinfolist") }
    guard count == 1 else { return nil }
    return XenDomainInfo(
        domid: UInt32(info.domain),
        isHVM: info.flags & XEN_DOMINF_hvm_guest != 0,
        isDying: info.flags & XEN_DOMINF_dying != 0,
        maxVCPUID: info.max_vcpu_id == XEN_INVALID_MAX_VCPU_ID ? nil : info.max_vcpu_id,
        totalPages: info.tot_pages
    )
}

private func liveMaximumGPFN(_ xch: XenControlHandle, _ domid: UInt32) throws(XenError) -> UInt64 {
    var gpfn: xen_pfn_t = 0
    guard xc_domain_maximum_gpfn(xch.raw, domid, &gpfn) >= 0 else { throw .lastError("xc_domain_maximum_gpfn") }
    return UInt64(gpfn)
}

private func liveVCPUIsOnline(_ xch: XenControlHandle, _ domid: UInt32, _ vcpu: UInt32) throws(XenError) -> Bool {
    // xc_vcpu_getinfo truncates the id to uint16_t (tools/libs/ctrl/xc_domain.c); refuse rather than alias.
    guard UInt16(exactly: vcpu) != nil else { throw XenError(operation: "xc_vcpu_getinfo", errno: EINVAL) }
    var info = xc_vcpuinfo_t()
    guard xc_vcpu_getinfo(xch.raw, domid, vcpu, &info) >= 0 else { throw .lastError("xc_vcpu_getinfo") }
    return info.online != 0
}

private func liveVCPUContext(_ xch: XenControlHandle, _ domid: UInt32, _ vcpu: UInt32) throws(XenError)
    -> XenVCPUContext
{
    var context = vcpu_guest_context_any_t()
    guard xc_vcpu_getcontext(xch.raw, domid, vcpu, &context) >= 0 else { throw .lastError("xc_vcpu_getcontext") }
    let x64 = context.x64
    return XenVCPUContext(cr0: x64.ctrlreg.0, cr3: x64.ctrlreg.3, cr4: x64.ctrlreg.4, rip: x64.user_regs.rip)
}

private func liveHVMCPUState(_ xch: XenControlHandle, _ domid: UInt32, _ vcpu: UInt32) throws(XenError)
    -> XenHVMCPUState
{
    guard let instance = UInt16(exactly: vcpu) else {
        throw XenError(operation: "xc_domain_hvm_getcontext_partial", errno: EINVAL)
    }
    var cpu = hvm_hw_cpu()
    let size = UInt32(MemoryLayout<hvm_hw_cpu>.size)
    guard xc_domain_hvm_getcontext_partial(xch.raw, domid, hvmSaveCodeCPU, instance, &cpu, size) >= 0 else {
        throw .lastError("xc_domain_hvm_getcontext_partial")
    }
    return XenHVMCPUState(efer: cpu.msr_efer, idtrBase: cpu.idtr_base, gsBase: cpu.gs_base, shadowGSBase: cpu.shadow_gs)
}

private func liveForeignMemoryOpen() throws(XenError) -> ForeignMemoryHandle {
    guard let raw = xenforeignmemory_open(LibraryLog.quiet, 0) else { throw .lastError("xenforeignmemory_open") }
    return ForeignMemoryHandle(raw: raw)
}

private func liveMapReadOnly(
    _ fmem: ForeignMemoryHandle,
    _ domid: UInt32,
    _ gfns: [UInt64]
) throws(XenError) -> XenForeignMapping {
    var frames: [xen_pfn_t] = []
    frames.reserveCapacity(gfns.count)
    for gfn in gfns {
        guard let frame = xen_pfn_t(exactly: gfn) else {
            throw XenError(operation: "xenforeignmemory_map", errno: EINVAL)
        }
        frames.append(frame)
    }
    var errors = [Int32](repeating: 0, count: frames.count)
    // With an error array the mapping may partly succeed; failed pages stay unmapped (core.c, linux.c).
    guard let address = xenforeignmemory_map(fmem.raw, domid, PROT_READ, frames.count, frames, &errors) else {
        throw .lastError("xenforeignmemory_map")
    }
    return XenForeignMapping(
        address: UnsafeRawPointer(address),
        pageErrors: errors.map { Int32(clamping: $0.magnitude) }
    )
}

private func liveUnmap(_ fmem: ForeignMemoryHandle, _ address: UnsafeRawPointer, _ pages: Int) throws(XenError) {
    guard xenforeignmemory_unmap(fmem.raw, UnsafeMutableRawPointer(mutating: address), pages) == 0 else {
        throw .lastError("xenforeignmemory_unmap")
    }
}

private func liveStoreOpen() throws(XenError) -> XenStoreHandle {
    guard let raw = xs_open(0) else { throw .lastError("xs_open") }
    return XenStoreHandle(raw: raw)
}

private func liveStoreDirectory(_ xsh: XenStoreHandle, _ path: String) throws(XenError) -> [String] {
    var count: UInt32 = 0
    guard let entries = xs_directory(xsh.raw, noTransaction, path, &count) else { throw .lastError("xs_directory") }
    // One malloc block holds the pointer array and the strings (tools/libs/store/xs.c `xs_directory`).
    defer { free(entries) }
    return (0..<Int(count)).compactMap { index in entries[index].map { String(cString: $0) } }
}

private func liveStoreRead(_ xsh: XenStoreHandle, _ path: String) throws(XenError) -> String {
    var length: UInt32 = 0
    guard let value = xs_read(xsh.raw, noTransaction, path, &length) else { throw .lastError("xs_read") }
    defer { free(value) }
    return String(decoding: UnsafeRawBufferPointer(start: value, count: Int(length)), as: UTF8.self)
}
