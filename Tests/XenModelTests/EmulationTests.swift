import Hypervisor
import Testing
import WardenCore
import XenModel
import XenRing

/// EMULATE replies on a host without the Monitor Trap Flag, and instructions Xen's emulator does not
/// implement: xen/arch/x86/hvm/emulate.c `hvm_emulate_one_vm_event`, xen/arch/x86/hvm/monitor.c
/// `hvm_monitor_emul_unimplemented`, xen/arch/x86/monitor.c `arch_monitor_domctl_event` (RELEASE-4.17.7).
@Suite struct EmulationTests {
    static var noMTF: XenModelConfiguration {
        var configuration = XenModelConfiguration()
        configuration.hasMonitorTrapFlag = false
        return configuration
    }

    @Test func aHostWithoutMTFReportsTheCapabilitiesXenGaveOnBochs() throws {
        let fixture = try ModelFixture(configuration: Self.noMTF)
        // Measured on Xen 4.17 under Bochs 2.7 (docs/xen-in-bochs.md): every x86 event but single-step.
        #expect(fixture.model.monitorCapabilities == 0x1F7B)
        #expect(try ModelFixture().model.monitorCapabilities == 0x1F7F)
        #expect(throws: XenErrno.eopnotsupp) { try fixture.model.setSinglestepMonitoring(true) }
        #expect(throws: XenErrno.eopnotsupp) { try fixture.model.setSingleStep(vcpu: 0, enabled: false) }
    }

    @Test func emulUnimplementedMonitoringTogglesOnceAndIsWipedWithTheRing() throws {
        let fixture = try ModelFixture(configuration: Self.noMTF)
        // The ring's mapping lives as long as the controller does; disabling below needs a ring.
        let controller = try HandController(model: fixture.model)
        try fixture.model.setEmulUnimplementedMonitoring(true)
        #expect(throws: XenErrno.eexist) { try fixture.model.setEmulUnimplementedMonitoring(true) }
        #expect(fixture.model.snapshot().emulUnimplementedMonitoring)
        try fixture.model.disableMonitorRing()
        // `arch_monitor_cleanup_domain` clears every monitor setting.
        #expect(!fixture.model.snapshot().emulUnimplementedMonitoring)
        #expect(throws: XenErrno.eexist) { try fixture.model.setEmulUnimplementedMonitoring(false) }
        withExtendedLifetime(controller) {}
    }

    @Test func emulateWritesThroughTheStillRestrictedFrameOnAHostWithoutMTF() throws {
        let fixture = try ModelFixture(configuration: Self.noMTF)
        let (controller, view) = try fixture.protectTable(singlestep: false)
        _ = fixture.overwriteTable(vcpu: 1, index: 2)
        let request = try #require(controller.take().first)
        try controller.answer(VMEventResponse.answering(request).allowByEmulation())
        #expect(fixture.model.vcpuStatus(1)?.emulationPending == true)
        fixture.model.step()
        let status = try #require(fixture.model.vcpuStatus(1))
        #expect(status.retired.map(\.retirement) == [.emulated])
        #expect(status.registers.rip == fixture.rip + 7)
        #expect(status.view == view.index)
        #expect(try fixture.tableEntry(2) == bytes(of: 0x4141_4141_4141_4141))
        #expect(try fixture.model.memAccess(view: view, gfn: fixture.tableGFN) == .readExecute)
        #expect(controller.take().isEmpty, "no event follows an emulated write")
    }

    @Test func anUnemulatableInstructionIsReportedAndRunsAgainOnTheCPUAfterTheReply() throws {
        let fixture = try ModelFixture(configuration: Self.noMTF)
        let (controller, view) = try fixture.protectTable(singlestep: false)
        try fixture.model.setEmulUnimplementedMonitoring(true)
        let original = try fixture.tableEntry()
        _ = fixture.model.write(
            vcpu: 2, virtual: fixture.tableVirtual, bytes: bytes(of: 0x4242_4242_4242_4242), rip: fixture.rip,
            emulatable: false)
        let fault = try #require(controller.take().first)
        try controller.answer(VMEventResponse.answering(fault).allowByEmulation())
        fixture.model.step()
        let event = try #require(controller.take().first)
        #expect(event.reason == .emulUnimplemented)
        #expect(event.vcpuID == 2)
        #expect(event.flags == [.vcpuPaused, .alternateP2M])
        #expect(event.altp2mIndex == view.index)
        #expect(event.registers.rip == fixture.rip)
        let waiting = try #require(fixture.model.vcpuStatus(2))
        #expect(waiting.vmEventPauseCount == 1)
        #expect(waiting.pendingInstruction != nil)
        #expect(waiting.retired.isEmpty)
        #expect(try fixture.tableEntry() == original)
        // No writeback happened: after a plain resume the CPU runs the instruction, which faults again.
        try controller.answer(VMEventResponse.answering(event))
        fixture.model.step()
        let again = try #require(controller.take().first)
        #expect(again.reason == .memAccess)
        #expect(again.payload.memAccess?.gfn == fixture.tableGFN)
        #expect(try fixture.tableEntry() == original)
    }

    @Test(arguments: [false, true])
    func withoutTheMonitorAnUnemulatableInstructionGetsInvalidOpcode(nowrite: Bool) throws {
        let fixture = try ModelFixture(configuration: Self.noMTF)
        let (controller, _) = try fixture.protectTable(singlestep: false)
        let original = try fixture.tableEntry()
        _ = fixture.model.write(
            vcpu: 0, virtual: fixture.tableVirtual, bytes: bytes(of: 0x4343_4343_4343_4343), rip: fixture.rip,
            emulatable: false)
        let fault = try #require(controller.take().first)
        let reply = VMEventResponse.answering(fault)
        try controller.answer(nowrite ? reply.deny() : reply.allowByEmulation())
        fixture.model.step()
        let status = try #require(fixture.model.vcpuStatus(0))
        #expect(status.retired.map(\.retirement) == [.invalidOpcodeInjected])
        #expect(status.pendingInstruction == nil)
        #expect(status.isRunnable)
        #expect(try fixture.tableEntry() == original)
        #expect(controller.take().isEmpty)
    }
}
