import Enforcement
import Hypervisor
import Testing
import XenInterop
import XenModel

/// `warden release`'s order over the model: `XenPreflight.checkForRelease`, then `DomainRelease.release`.
/// Its replies are version 7, so a Xen speaking another vm_event interface is refused before anything.
@Suite struct ReleaseVersionCheckTests {
    static let dom0 = XenHost(hasPrivcmd: true, isRoot: true)

    @Test func releaseOnXen414IsRefusedAndLeavesTheKilledWardensDomainAsItWas() throws {
        var xen = XenModelConfiguration()
        xen.xenVersion = XenVersion(major: 4, minor: 14)
        let guest = try DomainReleaseTests.killedWarden(xen: xen)
        let left = guest.model.snapshot()
        let refusal = XenPreflightError.vmEventInterfaceMismatch(domid: guest.model.domainID, xen: xen.xenVersion)
        #expect(throws: refusal) {
            try XenPreflight.checkForRelease(String(guest.model.domainID), calls: guest.model.calls, host: Self.dom0)
        }
        #expect(guest.model.snapshot() == left)
        #expect(refusal.description.contains("Xen 4.14 speaks vm_event interface version 6"))
        #expect(refusal.description.contains("Nothing was changed in domain \(guest.model.domainID)"))
    }

    @Test func releaseOnXen417PassesTheCheckAndRecoversTheDomain() throws {
        let guest = try DomainReleaseTests.killedWarden()
        let checked = try XenPreflight.checkForRelease(String(guest.model.domainID), calls: guest.model.calls, host: Self.dom0)
        #expect(checked.warnings.isEmpty)
        DomainReleaseTests.expectReleased(guest, DomainRelease.release(checked.hypervisor))
    }
}
