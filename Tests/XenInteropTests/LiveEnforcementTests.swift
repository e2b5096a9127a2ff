import CXen
import Glibc
import Hypervisor
import Testing
import XenInterop

/// The enforcement side of `XenCalls.live`: its symbols resolve in the real libraries (this binary
/// would not link otherwise), they fail cleanly without Xen, and the Swift constants match the headers.
@Suite struct LiveEnforcementTests {
    @Test(.enabled(if: noXenHere, "needs a machine without Xen"))
    func realOpensFailWithENOENTOutsideDom0() {
        #expect(throws: XenError(operation: "xc_interface_open", errno: ENOENT)) {
            _ = try XenCalls.live.interfaceOpen()
        }
        #expect(throws: XenError(operation: "xenevtchn_open", errno: ENOENT)) {
            _ = try XenCalls.live.eventChannel.open()
        }
        #expect(throws: XenDomainError.xen(XenError(operation: "xc_interface_open", errno: ENOENT))) {
            try XenHypervisor.open("1")
        }
    }

    @Test(.enabled(if: noXenHere, "needs a machine without Xen"))
    func preflightOnThisHostSaysItIsNotADom0() {
        #expect(throws: XenPreflightError.noPrivcmd) { try XenPreflight.check("1") }
        #expect(XenHost.current.hasPrivcmd == false)
    }

    @Test func liveRingUnmapIsARealMunmap() throws {
        let page = try #require(mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        try #require(page != UnsafeMutableRawPointer(bitPattern: -1))
        try XenCalls.live.monitor.unmapRing(page)
        // mincore fails with ENOMEM for an address range that is no longer mapped.
        var resident: UInt8 = 0
        #expect(mincore(page, 4096, &resident) == -1 && errno == ENOMEM)
        let misaligned = try #require(UnsafeMutableRawPointer(bitPattern: 0x1001))
        #expect(throws: XenError(operation: "munmap", errno: EINVAL)) {
            try XenCalls.live.monitor.unmapRing(misaligned)
        }
    }

    @Test func swiftConstantsMatchTheXenHeaders() {
        #expect(XenHVMParameter.altp2m == UInt32(HVM_PARAM_ALTP2M))
        #expect(XenMonitorCapability.singlestep == 1 << UInt32(XEN_DOMCTL_MONITOR_EVENT_SINGLESTEP))
        #expect(XenDebugOperation.singleStepOff.rawValue == UInt32(XEN_DOMCTL_DEBUG_OP_SINGLE_STEP_OFF))
        #expect(XenDebugOperation.singleStepOn.rawValue == UInt32(XEN_DOMCTL_DEBUG_OP_SINGLE_STEP_ON))
        #expect(XenPreflight.headerVMEventInterfaceVersion == UInt32(VM_EVENT_INTERFACE_VERSION))
        let headerAccess: [xenmem_access_t] = [
            XENMEM_access_n, XENMEM_access_r, XENMEM_access_w, XENMEM_access_rw, XENMEM_access_x, XENMEM_access_rx,
            XENMEM_access_wx, XENMEM_access_rwx, XENMEM_access_rx2rw, XENMEM_access_n2rwx, XENMEM_access_default,
        ]
        #expect(MemoryAccess.allCases.map { UInt32($0.rawValue) } == headerAccess.map(\.rawValue))
    }

    @Test(.enabled(if: runningOnDom0, "needs a Xen dom0 and root"))
    func readsAltp2mStateOfARunningHVMGuest() throws {
        let control = try XenControl(calls: .live)
        let guests = try control.domains().filter { $0.isHVM && !$0.isDying && $0.domid != 0 }
        let guest = try #require(guests.first, "needs a running HVM guest")
        let backend = try XenHypervisor.open(String(guest.domid))
        #expect(try backend.vcpuCount() >= 1)
        #expect(try backend.hypervisorVersion() >= XenVersion(major: 4, minor: 0))
        #expect(try backend.hvmParameter(XenHVMParameter.altp2m) <= 3)
        // Either altp2m answers, or Xen says why not (no altp2m=1 / param 0), as preflight explains.
        do throws(HypervisorError) {
            _ = try backend.altp2mEnabled()
        } catch {
            #expect([EOPNOTSUPP, EINVAL].contains(error.errno))
        }
    }
}
