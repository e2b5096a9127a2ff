import Glibc
import WardenCore

/// `HVM_MAX_VCPUS` (xen/include/public/hvm/hvm_info_table.h): xen/arch/x86/domain.c
/// `arch_sanitise_domain_config` refuses HVM domains with more vCPUs.
let hvmMaxVCPUs: UInt32 = 128

/// A live Xen HVM domain as a Warden guest: its guest-physical memory and its vCPU registers.
///
/// Read-only: nothing here pauses, maps writable or otherwise changes the domain. The libxenctrl
/// interface stays open for the object's lifetime and closes when it is released.
public final class XenDomain: GuestSource {
    public let domid: UInt32
    /// The name from xenstore when the domain was opened by name, else nil.
    public let name: String?
    /// What the hypervisor reported when the domain was opened.
    public let info: XenDomainInfo
    /// Reads through libxenforeignmemory; a `XenDomainMemory`.
    public let memory: any GuestPhysicalMemory
    /// Internal so `XenHypervisor` shares this interface instead of opening a second one.
    let control: XenControl

    private init(
        domid: UInt32,
        name: String?,
        info: XenDomainInfo,
        memory: XenDomainMemory,
        control: consuming XenControl
    ) {
        self.domid = domid
        self.name = name
        self.info = info
        self.memory = memory
        self.control = control
    }

    /// Opens a domain by id (all digits, as `xl` reads its domain arguments) or by its xenstore name,
    /// and checks it is a live HVM guest.
    /// - Parameters:
    ///   - nameOrID: e.g. `7` or `debian-guest`.
    ///   - calls: the C functions to use; tests pass a fake.
    /// - Returns: the domain, with libxenctrl and libxenforeignmemory handles open.
    public static func open(_ nameOrID: String, calls: XenCalls = .live) throws(XenDomainError) -> XenDomain {
        let target = try resolve(nameOrID, calls: calls)
        let domid = target.domid
        let control = try wrappingXen { () throws(XenError) in try XenControl(calls: calls) }
        guard let info = try wrappingXen({ () throws(XenError) in try control.domainInfo(domid) }) else {
            throw .noSuchDomain(domid)
        }
        guard info.isHVM else { throw .notHVM(domid) }
        guard !info.isDying else { throw .dying(domid) }
        if let maxVCPUID = info.maxVCPUID, maxVCPUID >= hvmMaxVCPUs {
            throw .implausibleVCPUCount(domid, maxVCPUID: maxVCPUID)
        }
        let maximumGPFN = try wrappingXen { () throws(XenError) in try control.maximumGPFN(domid) }
        let memory = try wrappingXen { () throws(XenError) in
            try XenDomainMemory(domid: domid, maximumGPFN: maximumGPFN, calls: calls, name: target.name)
        }
        return XenDomain(domid: domid, name: target.name, info: info, memory: memory, control: control)
    }

    /// Registers of every online vCPU, lowest id first; offline vCPUs are skipped.
    ///
    /// CR0/CR3/CR4 and RIP come from `xc_vcpu_getcontext`; EFER, the IDT base and the GS bases from
    /// the HVM `CPU` save record, which Xen takes in a second pause of the vCPU. A running kernel does
    /// not change those four between the two reads, so mixing them is safe for address translation.
    public func vcpuRegisters() throws(XenError) -> [VCPURegisters] {
        // Re-read the domain: vCPUs may have been brought up since `open`, or the domain destroyed.
        guard let current = try control.domainInfo(domid) else {
            throw XenError(operation: "xc_domain_getinfolist", errno: ESRCH)
        }
        guard let maxVCPUID = current.maxVCPUID else { return [] }
        var registers: [VCPURegisters] = []
        for vcpu in 0...min(maxVCPUID, hvmMaxVCPUs - 1) {
            guard try control.vcpuIsOnline(domid, vcpu: vcpu) else { continue }
            guard let state = try onlineState(vcpu) else { continue }
            registers.append(
                VCPURegisters(
                    vcpu: Int(vcpu),
                    cr0: state.context.cr0,
                    cr3: state.context.cr3,
                    cr4: state.context.cr4,
                    efer: state.cpu.efer,
                    rip: state.context.rip,
                    idtrBase: state.cpu.idtrBase,
                    gsBase: state.cpu.gsBase,
                    kernelGSBase: state.cpu.shadowGSBase
                )
            )
        }
        return registers
    }

    /// Both register reads of one vCPU, or nil if it went offline meanwhile: Xen answers ENODATA for
    /// an uninitialised vCPU (xen/common/domctl.c `getvcpucontext`) and for a down one
    /// (xen/arch/x86/hvm/save.c `hvm_save_one`).
    private func onlineState(_ vcpu: UInt32) throws(XenError) -> (context: XenVCPUContext, cpu: XenHVMCPUState)? {
        do throws(XenError) {
            return (try control.vcpuContext(domid, vcpu: vcpu), try control.hvmCPUState(domid, vcpu: vcpu))
        } catch where error.errno == ENODATA {
            return nil
        }
    }
}

/// Runs a libxen call, turning its `XenError` into `XenDomainError.xen`.
func wrappingXen<T: ~Copyable>(_ body: () throws(XenError) -> T) throws(XenDomainError) -> T {
    do throws(XenError) {
        return try body()
    } catch {
        throw .xen(error)
    }
}
