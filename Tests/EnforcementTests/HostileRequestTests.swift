import Alerts
import Enforcement
import Hypervisor
import RingScript
import TestSupport
import Testing
import WardenCore
import XenModel
import XenRing

/// Requests the controller must not act on, put on a real ring page from Xen's side (`ScriptedXen`):
/// each gets exactly a plain resume (VCPU_PAUSED echoed only when present, reference §3), no alert,
/// and no hypervisor call that could touch the restricted view.
@Suite struct HostileRequestTests {
    static let vcpus = 4

    /// A session set up over `ScriptedXen`, with the model guest's plan, symbols and memory.
    struct Harness {
        let guest: ModelGuest
        let xen: ScriptedXen
        let session: ProtectionSession
        let setUpCalls: [String]

        init() throws {
            guest = try ModelGuest(ProtectionSessionTests.targets, vcpus: HostileRequestTests.vcpus)
            xen = try ScriptedXen(memory: guest.hypervisor.memory, vcpus: HostileRequestTests.vcpus)
            session = guest.session(on: xen)
            try session.setUp()
            setUpCalls = xen.calls
        }

        func gfn(_ name: String) -> UInt64 { guest.physical(name) >> 12 }

        /// Puts `request`, lets the controller serve the ring, and returns the single reply.
        func answer(_ request: VMEventRequest, union: [UInt8]? = nil) throws -> VMEventResponse {
            let placed = union.map { xen.put(request, union: $0) } ?? xen.put(request)
            try #require(placed)
            #expect(session.serveRing().isEmpty)
            let replies = xen.collectResponses()
            try #require(replies.count == 1)
            return replies[0]
        }

        /// Nothing beyond setup reached the hypervisor, nothing was reported, every request counted as
        /// ignored, and only a request in another interface version made the session want to stop.
        func expectUndisturbed(ignored: Int, mismatch: VMEventVersionMismatch? = nil) {
            #expect(xen.calls == setUpCalls)
            #expect(session.versionMismatch == mismatch)
            #expect(guest.alerts.isEmpty)
            #expect(session.statistics.ignored == ignored)
            #expect(session.statistics.denied == 0 && session.statistics.allowedOnce == 0)
            #expect(xen.freeRequestSlots == 8)
        }
    }

    /// The exact plain resume: version 7, the request's vCPU and reason, VCPU_PAUSED only if it was set,
    /// no view switch, and the mem_access member echoed for MEM_ACCESS (what `VMEventResponse(raw)` decodes).
    static func expectPlainResume(_ response: VMEventResponse, to request: VMEventRequest, echoing payload: VMEventPayload) {
        #expect(response.version == VMEventInterface.version)
        #expect(response.flags == request.flags.intersection(.vcpuPaused))
        #expect(response.reason == request.reason)
        #expect(response.vcpuID == request.vcpuID)
        #expect(response.altp2mIndex == 0)
        #expect(response.payload == payload)
    }

    /// What Xen stamps on a sync event while altp2m is active: paused, on view 1.
    static func request(
        _ reason: VMEventReason, vcpu: UInt32 = 1, version: UInt32 = VMEventInterface.version,
        flags: VMEventFlags = [.vcpuPaused, .alternateP2M], payload: VMEventPayload = .other
    ) -> VMEventRequest {
        VMEventRequest(version: version, flags: flags, reason: reason, vcpuID: vcpu, altp2mIndex: 1, payload: payload)
    }

    @Test(arguments: [
        VMEventReason.unspecified, .memSharing, .memPaging, .writeCtrlReg, .movToMSR, .softwareBreakpoint, .guestRequest,
        .debugException, .cpuid, .privilegedCall, .interrupt, .descriptorAccess, .emulUnimplemented, .vmexit,
        .unknown(16), .unknown(0xFFFF_FFFF),
    ])
    func reasonsTheControllerDoesNotHandleAreResumedUntouched(reason: VMEventReason) throws {
        let harness = try Harness()
        for flags: VMEventFlags in [[.vcpuPaused, .alternateP2M], [.alternateP2M], [.foreign]] {
            let request = Self.request(reason, flags: flags)
            Self.expectPlainResume(try harness.answer(request), to: request, echoing: .other)
        }
        harness.expectUndisturbed(ignored: 3)
    }

    @Test func memAccessFaultsTheRestrictedViewCannotRaiseAreResumedNotAllowedOnce() throws {
        let harness = try Harness()
        let table = harness.gfn("sys_call_table")
        let events = [
            // Execute on a frame the view leaves executable (the table traps writes only).
            MemAccessEvent(gfn: table, offset: 8, gla: 0, flags: [.execute]),
            MemAccessEvent(gfn: table, offset: 8, gla: harness.guest.address("sys_call_table", plus: 8), flags: [.execute, .glaValid, .faultWithGLA]),
            // Reads and flag-less faults: every restricted frame stays readable.
            MemAccessEvent(gfn: table, offset: 8, gla: 0, flags: [.read]),
            MemAccessEvent(gfn: table, offset: 8, gla: 0, flags: []),
            // A write to a frame no target protects.
            MemAccessEvent(gfn: 0x7_0000, offset: 0x10, gla: 0, flags: [.write]),
        ]
        for event in events {
            let request = Self.request(.memAccess, payload: .memAccess(event))
            Self.expectPlainResume(try harness.answer(request), to: request, echoing: .memAccess(event))
        }
        harness.expectUndisturbed(ignored: events.count)
    }

    @Test func aSinglestepForAVCPUNotInAnAllowWindowIsResumedWithItsViewLeftAlone() throws {
        let harness = try Harness()
        for vcpu: UInt32 in [0, 3, 4, 0xFFFF_FFFF] {
            let request = Self.request(.singlestep, vcpu: vcpu, payload: .singlestep(gfn: harness.gfn("_stext")))
            // The reply's union is zero, which Xen reads as singlestep gfn 0; it never uses it.
            Self.expectPlainResume(try harness.answer(request), to: request, echoing: .singlestep(gfn: 0))
        }
        harness.expectUndisturbed(ignored: 4)
    }

    @Test(arguments: [UInt32(0), 5, 6, 8, 0xFFFF_FFFF])
    func aRequestWithAnotherInterfaceVersionIsResumedPlainAndReportedAsAMismatch(version: UInt32) throws {
        let harness = try Harness()
        // A write to the deny target would be emulated without writes and alerted at version 7.
        let entry = harness.guest.physical("sys_call_table", plus: 8)
        let write = MemAccessEvent(gfn: entry >> 12, offset: entry & 0xFFF, gla: 0, flags: [.write])
        let request = Self.request(.memAccess, version: version, payload: .memAccess(write))
        Self.expectPlainResume(try harness.answer(request), to: request, echoing: .memAccess(write))
        harness.expectUndisturbed(ignored: 0, mismatch: VMEventVersionMismatch(stamped: version))
    }

    @Test func vcpuIDsBeyondTheDomainAreEchoedAndOtherwiseIgnored() throws {
        let harness = try Harness()
        // A write to the deny target from a vCPU the domain does not have is not decided either.
        let write = MemAccessEvent(gfn: harness.gfn("sys_call_table"), offset: 8, gla: 0, flags: [.write])
        for vcpu: UInt32 in [UInt32(Self.vcpus), 255, 0xFFFF_FFFF] {
            let request = Self.request(.cpuid, vcpu: vcpu)
            Self.expectPlainResume(try harness.answer(request), to: request, echoing: .other)
            let access = Self.request(.memAccess, vcpu: vcpu, payload: .memAccess(write))
            Self.expectPlainResume(try harness.answer(access), to: access, echoing: .memAccess(write))
        }
        harness.expectUndisturbed(ignored: 6)
    }

    @Test func garbageUnionBytesAreNeverTrustedIntoAVerdict() throws {
        let harness = try Harness()
        var random = SplitMix64(seed: 0x5EED)
        let reasons: [VMEventReason] = [.memAccess, .singlestep, .cpuid, .guestRequest, .writeCtrlReg, .unknown(77)]
        for reason in reasons {
            for _ in 0..<8 {
                let union = (0..<32).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                let request = Self.request(reason)
                let expected: VMEventPayload
                switch reason {
                case .memAccess:
                    // Xen reads the echoed member back as four little-endian fields; its padding is zero.
                    let event = MemAccessEvent(
                        gfn: Self.little(union, 0, 8), offset: Self.little(union, 8, 8), gla: Self.little(union, 16, 8),
                        flags: MemAccessFlags(rawValue: UInt32(Self.little(union, 24, 4))))
                    try #require(harness.guest.engine.frames.accessByFrame[event.gfn] == nil)
                    expected = .memAccess(event)
                case .singlestep: expected = .singlestep(gfn: 0)
                default: expected = .other
                }
                Self.expectPlainResume(try harness.answer(request, union: union), to: request, echoing: expected)
            }
        }
        harness.expectUndisturbed(ignored: reasons.count * 8)
    }

    @Test func hostileRequestsDoNotConsumeAnotherVCPUsAllowWindow() throws {
        let harness = try Harness()
        let path = harness.guest.physical("modprobe_path")
        let write = MemAccessEvent(gfn: path >> 12, offset: path & 0xFFF, gla: 0, flags: [.write])
        let allow = try harness.answer(Self.request(.memAccess, vcpu: 1, payload: .memAccess(write)))
        #expect(allow.flags == [.vcpuPaused, .alternateP2M, .toggleSinglestep])
        #expect(allow.altp2mIndex == ViewID.host.index)
        // While vCPU 1 steps in the host view: a stray singlestep elsewhere, and one for vCPU 1 at a wrong version.
        for stray in [Self.request(.singlestep, vcpu: 2), Self.request(.singlestep, vcpu: 1, version: 6)] {
            Self.expectPlainResume(try harness.answer(stray), to: stray, echoing: .singlestep(gfn: 0))
        }
        #expect(harness.guest.alerts.isEmpty)
        #expect(harness.session.versionMismatch == VMEventVersionMismatch(stamped: 6))
        let restore = try harness.answer(Self.request(.singlestep, vcpu: 1))
        #expect(restore.flags == [.vcpuPaused, .alternateP2M, .toggleSinglestep])
        #expect(restore.altp2mIndex == harness.session.restrictedView.index)
        #expect(harness.guest.alerts.map(\.outcome) == [.alerted])
        #expect(harness.guest.alerts.map(\.vcpu) == [1])
        #expect(harness.xen.calls == harness.setUpCalls)
    }

    @Test func aRingFullOfHostileRequestsIsAnsweredInOneDrainWithOneNotification() throws {
        let harness = try Harness()
        var requests: [VMEventRequest] = []
        for slot in 0..<8 {
            let request = Self.request(slot % 2 == 0 ? .guestRequest : .unknown(UInt32(100 + slot)), vcpu: UInt32(slot % Self.vcpus))
            #expect(harness.xen.put(request))
            requests.append(request)
        }
        #expect(!harness.xen.put(Self.request(.cpuid)))
        #expect(harness.session.serveRing().isEmpty)
        #expect(harness.xen.notifications == 1)
        let replies = harness.xen.collectResponses()
        #expect(replies.count == 8)
        for (reply, request) in zip(replies, requests) { Self.expectPlainResume(reply, to: request, echoing: .other) }
        harness.expectUndisturbed(ignored: 8)
    }

    static func little(_ bytes: [UInt8], _ start: Int, _ count: Int) -> UInt64 {
        bytes[start..<(start + count)].reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
}

