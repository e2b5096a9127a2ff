import Glibc
import Hypervisor
import Testing
import XenInterop

/// The vm_event interface check: Xen's release read with `xc_version` before any other call, for
/// `warden run`'s preflight and for `warden release`.
@Suite struct VMEventInterfacePreflightTests {
    let fake = FakeXen([.patterned(domid: 3, name: "web", lastGFN: 3)])
    let dom0 = XenHost(hasPrivcmd: true, isRoot: true)

    func answering(_ major: Int, _ minor: Int) -> FakeXen {
        fake.update { $0.xen.version = XenVersion(major: major, minor: minor) }
        return fake
    }

    @Test func xenVersionUnpacksXENVERVersionAndOrdersNumerically() {
        #expect(XenVersion(packed: 0x0004_0011) == XenVersion(major: 4, minor: 17))
        #expect(XenVersion(packed: 0x0004_0011).description == "4.17")
        #expect(XenVersion(major: 4, minor: 9) < XenVersion(major: 4, minor: 15))
        #expect(XenVersion(major: 5, minor: 0) > XenVersion(major: 4, minor: 22))
    }

    /// Xen (major, minor) → VM_EVENT_INTERFACE_VERSION.
    static let interfaces: [(Int, Int, UInt32)] = [
        (3, 4, 5), (4, 12, 5), (4, 13, 5), (4, 14, 6), (4, 15, 7), (4, 22, 7), (4, 23, 7), (5, 0, 7),
    ]

    @Test(arguments: interfaces)
    func eachReleaseMapsToTheInterfaceItsHeadersDefine(major: Int, minor: Int, interface: UInt32) {
        #expect(XenPreflight.vmEventInterfaceVersion(of: XenVersion(major: major, minor: minor)) == interface)
    }

    @Test func anOldXenIsRefusedAfterXcVersionAndNothingElse() {
        let fake = answering(4, 14)
        #expect(throws: XenPreflightError.vmEventInterfaceMismatch(domid: 3, xen: XenVersion(major: 4, minor: 14))) {
            try XenPreflight.check("web", calls: fake.calls, host: dom0)
        }
        #expect(fake.log == ["xc_version()"])
        #expect(fake.allReleased)
    }

    @Test func releaseChecksTheInterfaceButNotAltp2m() throws {
        // Release must work on a domain preflight would reject for its altp2m state.
        fake.update { $0.failures["xc_altp2m_get_domain_state"] = .init(errno: EOPNOTSUPP) }
        let report = try XenPreflight.checkForRelease("web", calls: fake.calls, host: dom0)
        #expect(report.warnings.isEmpty)
        #expect(fake.log == ["xc_version()"])
    }

    @Test func releaseOnAnOldXenIsRefusedBeforeAnyOtherCall() {
        let fake = answering(4, 14)
        #expect(throws: XenPreflightError.vmEventInterfaceMismatch(domid: 3, xen: XenVersion(major: 4, minor: 14))) {
            try XenPreflight.checkForRelease("web", calls: fake.calls, host: dom0)
        }
        #expect(fake.log == ["xc_version()"])
        #expect(throws: XenPreflightError.notRoot) {
            try XenPreflight.checkForRelease("web", calls: fake.calls, host: XenHost(hasPrivcmd: true, isRoot: false))
        }
    }

    @Test func aNewerXenThanAnyKnownIsAcceptedWithAWarning() throws {
        let report = try XenPreflight.checkForRelease("web", calls: answering(4, 23).calls, host: dom0)
        #expect(report.warnings == [.vmEventInterfaceAssumed(xen: XenVersion(major: 4, minor: 23))])
        // Release reads no request, so its wording must not promise that it would notice and stop.
        let warning = try #require(report.warnings.first)
        #expect(warning.description.contains("stops"))
        #expect(!warning.forRelease.contains("stops"))
        #expect(warning.forRelease.contains("cannot tell if Xen drops its replies"))
        #expect(warning.forRelease.contains("Xen 4.23"))
    }

    @Test func aBuildWithOtherVMEventHeadersIsRefusedBeforeAnyCall() throws {
        #expect(XenPreflight.headerVMEventInterfaceVersion == XenPreflight.vmEventInterfaceVersion)
        let backend = try XenHypervisor.open("web", calls: fake.calls)
        #expect(throws: XenPreflightError.vmEventHeaderVersion(8)) {
            try XenPreflight.checkVMEventInterface(backend, headerVersion: 8)
        }
        #expect(fake.log.isEmpty)
        let message = XenPreflightError.vmEventHeaderVersion(8).description
        #expect(message.contains("built against vm_event interface version 8"))
        #expect(message.contains("headers of Xen 4.15 or later"))
    }
}
