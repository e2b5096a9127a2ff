import Glibc
import Testing
import WardenCore
import XenInterop

/// Warden reads guests only as root in a dom0, where privcmd is open for reading and writing.
let runningOnDom0 = access("/dev/xen/privcmd", R_OK | W_OK) == 0 && getuid() == 0
/// No privcmd, no xenbus device and no xenstored socket: every library open must fail with ENOENT.
let noXenHere = ["/dev/xen/privcmd", "/dev/xen/xenbus", "/run/xenstored/socket", "/var/run/xenstored/socket"]
    .allSatisfy { (path: String) in access(path, F_OK) != 0 }

/// These call the real libxenctrl, libxenforeignmemory and libxenstore through `XenCalls.live`.
@Suite struct LiveXenTests {
    @Test(.enabled(if: noXenHere, "needs a machine without Xen"))
    func realLibrariesLinkAndRefuseOutsideDom0() {
        #expect(throws: XenError(operation: "xc_interface_open", errno: ENOENT)) { _ = try XenControl(calls: .live) }
        #expect(throws: XenError(operation: "xenforeignmemory_open", errno: ENOENT)) {
            _ = try ForeignMemory(calls: .live)
        }
        #expect(throws: XenError(operation: "xs_open", errno: ENOENT)) { _ = try XenStore(calls: .live) }
    }

    @Test(.enabled(if: noXenHere, "needs a machine without Xen"))
    func openingADomainOutsideDom0SaysSo() {
        #expect {
            try XenDomain.open("1")
        } throws: { error in
            guard case .xen(let xen) = error as? XenDomainError else { return false }
            return xen.operation == "xc_interface_open" && xen.description.contains("not running in a Xen dom0")
        }
        #expect(throws: XenDomainError.xen(XenError(operation: "xs_open", errno: ENOENT))) {
            try XenDomain.open("some-guest")
        }
    }

    @Test(.enabled(if: runningOnDom0, "needs a Xen dom0 and root"))
    func readsARunningHVMGuest() throws {
        let control = try XenControl(calls: .live)
        let domains = try control.domains()
        let guest = try #require(
            domains.first { $0.isHVM && !$0.isDying && $0.maxVCPUID != nil },
            "needs a running HVM guest"
        )
        let domain = try XenDomain.open(String(guest.domid))
        let registers = try domain.vcpuRegisters()
        #expect(!registers.isEmpty)
        // Low memory is RAM in every HVM and PVH guest (firmware data below 640 KiB).
        #expect(try domain.memory.readBytes(physical: 0, count: 4096).count == 4096)
        for vcpu in registers where vcpu.cr0 & (1 << 31) != 0 {
            // With paging on, the top-level page table CR3 points at must be readable RAM.
            let table = vcpu.cr3 & 0x000f_ffff_ffff_f000
            #expect(try domain.memory.readBytes(physical: table, count: 4096).count == 4096)
        }
    }
}
