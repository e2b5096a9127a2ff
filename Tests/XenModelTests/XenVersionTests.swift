import Hypervisor
import Testing
import XenInterop
import XenModel
import XenRing

/// `xc_version` on the model, and preflight over the model answering other Xen releases: the vm_event
/// interface is refused or accepted before anything changes in the domain.
@Suite struct XenVersionTests {
    static let dom0 = XenHost(hasPrivcmd: true, isRoot: true)

    static func model(answering major: Int, _ minor: Int) throws -> XenModel {
        var configuration = XenModelConfiguration()
        configuration.xenVersion = XenVersion(major: major, minor: minor)
        return try ModelFixture(configuration: configuration).model
    }

    @Test func theModelAnswersXen417ByDefault() throws {
        let model = try ModelFixture().model
        #expect(try XenHypervisor.open("1", calls: model.calls).hypervisorVersion() == XenVersion(major: 4, minor: 17))
    }

    @Test(arguments: [(13, "version 5,"), (14, "version 6,"), (12, "version 5 or older,")])
    func preflightRefusesAXenOlderThan415AndSaysWhy(minor: Int, interface: String) throws {
        let model = try Self.model(answering: 4, minor)
        let before = model.snapshot()
        let xen = XenVersion(major: 4, minor: minor)
        #expect(throws: XenPreflightError.vmEventInterfaceMismatch(domid: 1, xen: xen)) {
            try XenPreflight.check("model-guest", calls: model.calls, host: Self.dom0)
        }
        #expect(model.snapshot() == before)
        let message = XenPreflightError.vmEventInterfaceMismatch(domid: 1, xen: xen).description
        for piece in [
            "Xen 4.\(minor) speaks vm_event interface \(interface)", "Warden speaks version 7 (Xen 4.15 and later)",
            "drop every reply", "vCPUs paused", "Nothing was changed in domain 1",
        ] {
            #expect(message.contains(piece), "\(piece)")
        }
    }

    @Test(arguments: [15, 17, 22])
    func preflightPassesFrom415Through422WithoutWarnings(minor: Int) throws {
        let report = try XenPreflight.check("model-guest", calls: try Self.model(answering: 4, minor).calls, host: Self.dom0)
        #expect(report.warnings.isEmpty)
    }

    @Test func aXenNewerThanAnyKnownPassesWithAWarningThatVersion7IsAssumed() throws {
        let report = try XenPreflight.check("model-guest", calls: try Self.model(answering: 4, 23).calls, host: Self.dom0)
        let warning = XenPreflightWarning.vmEventInterfaceAssumed(xen: XenVersion(major: 4, minor: 23))
        #expect(report.warnings == [warning])
        for piece in ["Xen 4.23 is newer than the newest release Warden knows (4.22)",
                      "assumes it speaks vm_event interface version 7", "stops", "first request carries another version"] {
            #expect(warning.description.contains(piece), "\(piece)")
        }
    }

    @Test func aModelPlayingAnotherInterfaceStampsItAndDropsVersion7Replies() throws {
        var configuration = XenModelConfiguration()
        configuration.vmEventInterfaceVersion = 8
        let fixture = try ModelFixture(configuration: configuration)
        let (controller, _) = try fixture.protectTable()
        #expect(fixture.overwriteTable(vcpu: 1) == .pendingEvent(gfn: fixture.tableGFN))
        #expect(fixture.overwriteTable(vcpu: 2, index: 1) == .pendingEvent(gfn: fixture.tableGFN))
        let requests = controller.take()
        try #require(requests.count == 2)
        #expect(requests.map(\.version) == [8, 8])
        var matching = VMEventResponse.answering(requests[1]).resume()
        matching.version = 8
        try controller.answer([VMEventResponse.answering(requests[0]).resume(), matching])
        #expect(fixture.model.vcpuStatus(1)?.vmEventPauseCount == 1)
        #expect(fixture.model.vcpuStatus(2)?.vmEventPauseCount == 0)
    }
}
