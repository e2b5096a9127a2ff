import Hypervisor
import Testing
import XenModel
import XenRing

/// The ring under load: xen/common/vm_event.c slot claiming, waiting and blocking (RELEASE-4.17.7).
@Suite struct RingTests {
    @Test func fourVCPUsWritingAtOncePutFourRequestsBeforeTheControllerAnswers() throws {
        let fixture = try ModelFixture()
        let (controller, _) = try fixture.protectTable()
        for vcpu in 0..<4 {
            let write = GuestWrite(virtual: fixture.tableVirtual + UInt64(vcpu) * 8, bytes: [0xCC])
            fixture.model.enqueue(GuestInstruction(rip: fixture.rip, write: write), on: vcpu)
        }
        #expect(fixture.model.step() == 4)
        #expect(fixture.model.freeRingSlots == 4)
        let requests = controller.take()
        #expect(requests.map(\.vcpuID) == [0, 1, 2, 3])
        #expect(requests.compactMap(\.payload.memAccess?.gla) == (0..<4).map { fixture.tableVirtual + UInt64($0) * 8 })
        #expect(fixture.model.notificationCount == 4)
        try controller.answer(requests.map { VMEventResponse.answering($0).deny() })
        #expect(fixture.model.freeRingSlots == 8)
        #expect(fixture.model.step() == 4)
        for vcpu in 0..<4 {
            #expect(fixture.model.vcpuStatus(vcpu)?.retired.map(\.retirement) == [.emulatedWithoutWrites])
        }
    }

    @Test func aFullRingMakesFurtherVCPUsWaitUntilSlotsAreFreed() throws {
        let fixture = try ModelFixture(vcpus: 10)
        let (controller, _) = try fixture.protectTable()
        for vcpu in 0..<10 { _ = fixture.overwriteTable(vcpu: vcpu) }
        #expect(fixture.model.freeRingSlots == 0)
        #expect(fixture.overwriteTable(vcpu: 8) == .queued)
        #expect(fixture.model.vcpuStatus(8)?.waitingForRingSlot == true)
        #expect(fixture.model.vcpuStatus(9)?.waitingForRingSlot == true)
        // A disable now would strand the waiters: Xen refuses.
        #expect(throws: XenErrno.ebusy) { try fixture.model.disableMonitorRing() }
        // Taking requests frees nothing: Xen frees a slot only by consuming a reply.
        let first = controller.take()
        #expect(first.count == 8)
        #expect(fixture.model.step() == 0)
        try controller.answer(first.prefix(2).map { VMEventResponse.answering($0).deny() })
        fixture.model.step()
        let late = controller.take()
        #expect(Set(late.map(\.vcpuID)) == [8, 9])
        #expect(fixture.model.vcpuStatus(8)?.waitingForRingSlot == false)
        try controller.answer((first.dropFirst(2) + late).map { VMEventResponse.answering($0).deny() })
        fixture.model.runUntilIdle()
        for vcpu in 0..<10 {
            #expect(fixture.model.vcpuStatus(vcpu)?.retired.first?.retirement == .emulatedWithoutWrites)
        }
        try fixture.model.disableMonitorRing()
    }

    @Test func asyncEventsPauseTheProducerWhileFewerSlotsAreFreeThanVCPUs() throws {
        let fixture = try ModelFixture()
        let model = fixture.model
        let controller = try HandController(model: model)
        try model.setAltp2m(enabled: true)
        let view = try model.createView(defaultAccess: .readExecute)
        // n2rwx frames report asynchronously and become rwx.
        let frames = (0..<5).map { fixture.tableGFN + UInt64($0) }
        for gfn in frames { try model.setMemAccess(.noneToReadWriteExecute, view: view, gfn: gfn) }
        try model.switchToView(view)
        var outcomes: [WriteOutcome] = []
        for page in 0..<5 {
            let virtual = fixture.tableVirtual + UInt64(page) * 4096
            outcomes.append(model.write(vcpu: 0, virtual: virtual, bytes: [0x90], rip: fixture.rip))
        }
        // 8 slots, 4 vCPUs: after the fifth event 3 are free, so vCPU 0 is paused before its retry.
        #expect(Array(outcomes.prefix(4)) == Array(repeating: WriteOutcome.completed(.executed), count: 4))
        #expect(outcomes.last == .blockedForRingSpace)
        let requests = controller.take()
        #expect(requests.count == 5)
        #expect(requests.allSatisfy { !$0.flags.contains(.vcpuPaused) })
        #expect(try model.memAccess(view: view, gfn: frames[0]) == .readWriteExecute)
        try controller.answer(VMEventResponse.answering(requests[0]))
        #expect(model.vcpuStatus(0)?.blockedForRingSpace == false)
        model.step()
        #expect(model.vcpuStatus(0)?.retired.count == 5)
    }

    @Test func xenNotifiesOncePerRequestAndDeliversThroughTheMaskedPort() throws {
        let fixture = try ModelFixture()
        let (controller, _) = try fixture.protectTable()
        _ = fixture.overwriteTable(vcpu: 0)
        _ = fixture.overwriteTable(vcpu: 1)
        #expect(fixture.model.notificationCount == 2)
        // The second notification arrived while the port was masked: one delivery now, one after unmask.
        #expect(fixture.model.takeNotification())
        #expect(fixture.model.takeNotification())
        #expect(fixture.model.takeNotification() == false)
        _ = controller
    }

    @Test func responsesWithoutARingAreENODEV() throws {
        let model = try ModelFixture().model
        #expect(throws: XenErrno.enodev) { try model.processResponses() }
        model.notifyFromDom0()
    }
}
