import Glibc
import Synchronization
import XenInterop

/// An in-memory hypervisor behind a `XenCalls` table: domains with sparse RAM, xenstore names,
/// vCPU registers, injectable errno failures, and a ledger of every handle and mapping. Enforcement
/// calls are logged with their arguments and answer from `FakeEnforcement` (FakeXen+Enforcement.swift).
final class FakeXen: Sendable {
    static let pageSize = 4096

    struct Domain: Sendable {
        var domid: UInt32
        var name: String?
        var isHVM = true
        var isDying = false
        var maxVCPUID: UInt32? = 1
        var offlineVCPUs: Set<UInt32> = []
        /// Reported online, but down by the time its registers are read (ENODATA, as hvm_save_one says).
        var vanishingVCPUs: Set<UInt32> = []
        var maximumGPFN: UInt64 = 0
        /// Backed frames: gfn → 4096 bytes. A gfn ≤ maximumGPFN missing here is a hole.
        var pages: [UInt64: [UInt8]] = [:]
        var contexts: [UInt32: XenVCPUContext] = [:]
        var cpuStates: [UInt32: XenHVMCPUState] = [:]
    }

    struct Failure: Sendable {
        var errno: Int32
        /// Calls of that operation that succeed before it starts failing.
        var after = 0
    }

    struct State: Sendable {
        var domains: [UInt32: Domain] = [:]
        /// Extra `/local/domain` entries with their name (nil: no name node).
        var strayStoreEntries: [String: String?] = [:]
        var failures: [String: Failure] = [:]
        var callCounts: [String: Int] = [:]
        var opened: [String: Int] = [:]
        var closed: [String: Int] = [:]
        var openHandles: Set<UInt> = []
        var nextHandle: UInt = 0x1000
        var mapBatches: [[UInt64]] = []
        var liveMappings: [UInt: Int] = [:]
        var misuse: [String] = []
        /// Makes `mapReadOnly` return one per-page result fewer than asked (a broken table).
        var shortPageErrors = false
        /// Makes `mapReadOnly` fail as a whole (EFAULT) for any batch holding one of these gfns, the
        /// way `xenforeignmemory_map` returns NULL when the privcmd ioctl fails instead of reporting
        /// the bad page in its error array.
        var batchRefusingGFNs: Set<UInt64> = []
        /// This frame turns to zeros when the first mapping call of more than one page is made: the
        /// process a vCPU was caught in exits while the kernel image is read, and its top-level page
        /// table, freed, is reused (and zeroed: Debian's kernels set init_on_alloc).
        var zeroedOnFirstBatch: (domid: UInt32, gfn: UInt64)?
        /// Per-page errors other than the EINVAL of a hole, e.g. ENOENT for a paged-out frame.
        var pageErrnos: [UInt64: Int32] = [:]
        /// Every enforcement call, in order, with its arguments: `xc_altp2m_switch_to_view(3, 1)`.
        var log: [String] = []
        /// What the enforcement entries answer.
        var xen = FakeEnforcement()
    }

    let state = Mutex(State())

    init(_ domains: [Domain] = []) {
        state.withLock { state in
            for domain in domains { state.domains[domain.domid] = domain }
        }
    }

    func update(_ body: (inout State) -> Void) { state.withLock { body(&$0) } }
    func read<T>(_ body: (State) -> T) -> T { state.withLock { body($0) } }

    /// Every handle kind was closed as often as opened, and no mapping is left.
    var allReleased: Bool {
        read { $0.opened == $0.closed && $0.openHandles.isEmpty && $0.liveMappings.isEmpty && $0.misuse.isEmpty }
    }

    /// Counts the call and throws the injected failure for `operation`, if one is due.
    func enter(_ operation: String) throws(XenError) {
        let failure: Int32? = state.withLock { state in
            let count = state.callCounts[operation, default: 0]
            state.callCounts[operation] = count + 1
            guard let failure = state.failures[operation], count >= failure.after else { return nil }
            return failure.errno
        }
        if let failure { throw XenError(operation: operation, errno: failure) }
    }

    func open(_ kind: String, _ operation: String) throws(XenError) -> OpaquePointer {
        try enter(operation)
        let bits: UInt = state.withLock { state in
            state.nextHandle += 0x10
            state.openHandles.insert(state.nextHandle)
            state.opened[kind, default: 0] += 1
            return state.nextHandle
        }
        guard let raw = OpaquePointer(bitPattern: bits) else { throw XenError(operation: operation, errno: EINVAL) }
        return raw
    }

    func close(_ kind: String, _ raw: OpaquePointer) {
        state.withLock { state in
            if state.openHandles.remove(UInt(bitPattern: raw)) == nil { state.misuse.append("double close of \(kind)") }
            state.closed[kind, default: 0] += 1
        }
    }

    /// Records a call made through a handle that is not open.
    func check(_ raw: OpaquePointer, _ operation: String) {
        state.withLock { state in
            if !state.openHandles.contains(UInt(bitPattern: raw)) {
                state.misuse.append("\(operation) on a closed handle")
            }
        }
    }

    func domain(_ domid: UInt32, _ operation: String) throws(XenError) -> Domain {
        guard let domain = read({ $0.domains[domid] }) else { throw XenError(operation: operation, errno: ESRCH) }
        return domain
    }

    var calls: XenCalls {
        XenCalls(
            interfaceOpen: { () throws(XenError) in XenControlHandle(raw: try self.open("xc", "xc_interface_open")) },
            interfaceClose: { self.close("xc", $0.raw) },
            hypervisorVersion: { (xch) throws(XenError) in
                try self.record(xch.raw, "xc_version")
                return self.read { $0.xen.version }
            },
            nextDomainInfo: { (xch, first) throws(XenError) in
                self.check(xch.raw, "xc_domain_getinfolist")
                try self.enter("xc_domain_getinfolist")
                return self.read { state in
                    state.domains.values.filter { $0.domid >= first }.min { $0.domid < $1.domid }.map {
                        XenDomainInfo(
                            domid: $0.domid,
                            isHVM: $0.isHVM,
                            isDying: $0.isDying,
                            maxVCPUID: $0.maxVCPUID,
                            totalPages: UInt64($0.pages.count)
                        )
                    }
                }
            },
            maximumGPFN: { (xch, domid) throws(XenError) in
                self.check(xch.raw, "xc_domain_maximum_gpfn")
                try self.enter("xc_domain_maximum_gpfn")
                return try self.domain(domid, "xc_domain_maximum_gpfn").maximumGPFN
            },
            vcpuIsOnline: { (xch, domid, vcpu) throws(XenError) in
                self.check(xch.raw, "xc_vcpu_getinfo")
                try self.enter("xc_vcpu_getinfo")
                let domain = try self.domain(domid, "xc_vcpu_getinfo")
                guard let max = domain.maxVCPUID, vcpu <= max else {
                    throw XenError(operation: "xc_vcpu_getinfo", errno: EINVAL)
                }
                return !domain.offlineVCPUs.contains(vcpu)
            },
            vcpuContext: { (xch, domid, vcpu) throws(XenError) in
                self.check(xch.raw, "xc_vcpu_getcontext")
                try self.enter("xc_vcpu_getcontext")
                let context = try self.domain(domid, "xc_vcpu_getcontext").contexts[vcpu]
                return context ?? XenVCPUContext(cr0: 0, cr3: 0, cr4: 0, rip: 0)
            },
            hvmCPUState: { (xch, domid, vcpu) throws(XenError) in
                self.check(xch.raw, "xc_domain_hvm_getcontext_partial")
                try self.enter("xc_domain_hvm_getcontext_partial")
                let domain = try self.domain(domid, "xc_domain_hvm_getcontext_partial")
                if domain.offlineVCPUs.contains(vcpu) || domain.vanishingVCPUs.contains(vcpu) {
                    throw XenError(operation: "xc_domain_hvm_getcontext_partial", errno: ENODATA)
                }
                return domain.cpuStates[vcpu] ?? XenHVMCPUState(efer: 0, idtrBase: 0, gsBase: 0, shadowGSBase: 0)
            },
            foreignMemoryOpen: { () throws(XenError) in
                ForeignMemoryHandle(raw: try self.open("fmem", "xenforeignmemory_open"))
            },
            foreignMemoryClose: { self.close("fmem", $0.raw) },
            mapReadOnly: { (fmem, domid, gfns) throws(XenError) in try self.map(fmem.raw, domid, gfns) },
            unmap: { (fmem, address, pages) throws(XenError) in try self.unmap(fmem.raw, address, pages) },
            storeOpen: { () throws(XenError) in XenStoreHandle(raw: try self.open("xs", "xs_open")) },
            storeClose: { self.close("xs", $0.raw) },
            storeDirectory: { (xsh, path) throws(XenError) in try self.directory(xsh.raw, path) },
            storeRead: { (xsh, path) throws(XenError) in try self.storeRead(xsh.raw, path) },
            domainControl: domainControlCalls,
            monitor: monitorCalls,
            altp2m: altp2mCalls,
            eventChannel: eventChannelCalls
        )
    }
}
