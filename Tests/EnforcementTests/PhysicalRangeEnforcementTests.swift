import Alerts
import Enforcement
import SyntheticGuest
import Testing
import WardenCore
import XenModel

/// `physical:` targets under enforcement on the model of Xen 4.17: the frame is protected whichever
/// virtual address the guest writes it through.
@Suite struct PhysicalRangeEnforcementTests {
    /// Free RAM above the generated guest's kernel image.
    static let frame: UInt64 = 0x380_0000

    @Test func aWriteToAPhysicalRangeTargetIsDeniedAndReportedByItsRange() throws {
        let guest = try ModelGuest([PlannedGuest.target(.physical(start: Self.frame, length: 0x1000), .deny)])
        let session = guest.session()
        try session.setUp()
        let before = try guest.model.readGuest(physical: Self.frame + 0x40, count: 8)
        let outcome = guest.model.write(
            vcpu: 1, virtual: SyntheticGuest.directMapBase + Self.frame + 0x40, bytes: [UInt8](repeating: 0x41, count: 8),
            rip: guest.address("commit_creds", plus: 0x10))
        #expect(outcome == .pendingEvent(gfn: Self.frame >> 12))
        guest.pump(session)
        #expect(try guest.model.readGuest(physical: Self.frame + 0x40, count: 8) == before)
        let alert = try #require(guest.alerts.first)
        #expect(guest.alerts.map(\.outcome) == [.denied])
        #expect(alert.target == SymbolOffset(symbol: "physical:0x3800000+4096", offset: 0x40))
        #expect(alert.rule == "test/physical:0x3800000+4096")
        #expect(alert.gpa == Self.frame + 0x40)
        #expect(session.tearDown().isEmpty)
        #expect(guest.model.snapshot() == guest.baseline)
    }

    @Test func aPhysicalRangeCatchesWritesThroughTheKernelImageMappingToo() throws {
        let probe = try ModelGuest([ModelGuest.target("modprobe_path", .alert)])
        let frame = probe.physical("modprobe_path") & ~0xFFF
        let offset = probe.physical("modprobe_path") & 0xFFF
        let guest = try ModelGuest([PlannedGuest.target(.physical(start: frame, length: 0x1000), .deny)])
        let session = guest.session()
        try session.setUp()
        let before = try guest.read("modprobe_path")
        _ = guest.model.write(vcpu: 2, virtual: guest.address("modprobe_path"), bytes: Array("/tmp/x\0\0".utf8), rip: guest.address("commit_creds"))
        guest.pump(session)
        #expect(try guest.read("modprobe_path") == before)
        #expect(guest.alerts.map(\.target) == [SymbolOffset(symbol: "physical:0x\(String(frame, radix: 16))+4096", offset: offset)])
        #expect(session.tearDown().isEmpty)
    }
}
