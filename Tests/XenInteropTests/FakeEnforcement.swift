import Glibc
import Hypervisor
import Synchronization
import XenInterop

/// Scripted answers of the enforcement entries, and the resources they hand out.
struct FakeEnforcement: Sendable {
    /// What `xc_version(XENVER_version)` answers.
    var version = XenVersion(major: 4, minor: 17)
    var altp2mActive = false
    var hvmParams: [UInt32: UInt64] = [XenHVMParameter.altp2m: 2]
    /// x86 HVM with every optional event (reference §8).
    var capabilities: UInt32 = 0x1F7F
    var nextView: UInt16 = 1
    var access: [UInt64: MemoryAccess] = [:]
    var vcpuViews: [UInt32: UInt16] = [:]
    var remotePort: UInt32 = 5
    var localPort: UInt32 = 41
    /// Ring pages `xc_monitor_enable` mapped and `munmap` has not unmapped.
    var ringPages: Set<UInt> = []
    /// The pipe behind the fake event channel: `fd` is its read end, the test writes ports to `eventWriteFD`.
    var eventReadFD: Int32 = -1
    var eventWriteFD: Int32 = -1
}

extension FakeXen {
    /// Logs an enforcement call, flags a closed handle, then throws the injected failure if due.
    func record(_ raw: OpaquePointer?, _ operation: String, _ arguments: Any...) throws(XenError) {
        if let raw { check(raw, operation) }
        let line = "\(operation)(\(arguments.map { "\($0)" }.joined(separator: ", ")))"
        update { $0.log.append(line) }
        try enter(operation)
    }

    var log: [String] { read { $0.log } }

    /// Fires the event channel as Xen would: the port becomes readable on the descriptor.
    func fire(port: UInt32) {
        var value = port
        let descriptor = read { $0.xen.eventWriteFD }
        _ = withUnsafeBytes(of: &value) { write(descriptor, $0.baseAddress, 4) }
    }

    var domainControlCalls: XenDomainControlCalls {
        XenDomainControlCalls(
            pause: { (xch, domid) throws(XenError) in try self.record(xch.raw, "xc_domain_pause", domid) },
            unpause: { (xch, domid) throws(XenError) in try self.record(xch.raw, "xc_domain_unpause", domid) },
            setAccessRequired: { (xch, domid, required) throws(XenError) in
                try self.record(xch.raw, "xc_domain_set_access_required", domid, required)
            },
            debugControl: { (xch, domid, operation, vcpu) throws(XenError) in
                try self.record(xch.raw, "xc_domain_debug_control", domid, operation.rawValue, vcpu)
            },
            hvmParamGet: { (xch, domid, index) throws(XenError) in
                try self.record(xch.raw, "xc_hvm_param_get", domid, index)
                return self.read { $0.xen.hvmParams[index] ?? 0 }
            }
        )
    }

    var monitorCalls: XenMonitorCalls {
        XenMonitorCalls(
            enable: { (xch, domid) throws(XenError) in
                try self.record(xch.raw, "xc_monitor_enable", domid)
                let page = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                guard let page, page != UnsafeMutableRawPointer(bitPattern: -1) else {
                    throw XenError(operation: "xc_monitor_enable", errno: ENOMEM)
                }
                let port = self.state.withLock { state in
                    state.xen.ringPages.insert(UInt(bitPattern: page))
                    return state.xen.remotePort
                }
                return XenMonitorRing(page: page, remotePort: port)
            },
            disable: { (xch, domid) throws(XenError) in try self.record(xch.raw, "xc_monitor_disable", domid) },
            singlestep: { (xch, domid, enabled) throws(XenError) in
                try self.record(xch.raw, "xc_monitor_singlestep", domid, enabled)
            },
            emulUnimplemented: { (xch, domid, enabled) throws(XenError) in
                try self.record(xch.raw, "xc_monitor_emul_unimplemented", domid, enabled)
            },
            getCapabilities: { (xch, domid) throws(XenError) in
                try self.record(xch.raw, "xc_monitor_get_capabilities", domid)
                return self.read { $0.xen.capabilities }
            },
            unmapRing: { (page) throws(XenError) in
                let known = self.state.withLock { $0.xen.ringPages.remove(UInt(bitPattern: page)) != nil }
                try self.record(nil, "munmap", known ? "ring page" : "unknown page")
                if known { _ = munmap(page, 4096) }
            }
        )
    }
}
