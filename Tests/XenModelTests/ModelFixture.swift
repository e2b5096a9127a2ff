import Hypervisor
import SyntheticGuest
import Testing
import WardenCore
import XenModel
import XenRing

/// A generated guest under the model, with the addresses the tests write to known up front (the model
/// owns the guest's memory once built).
struct ModelFixture {
    let model: XenModel
    /// Runtime `sys_call_table` and its first frame.
    let tableVirtual: UInt64
    let tablePhysical: UInt64
    var tableGFN: UInt64 { tablePhysical >> 12 }
    /// A kernel text address to run the writing instruction from (`text_poke`).
    let rip: UInt64
    let ripGFN: UInt64

    init(vcpus: Int = 4, configuration: XenModelConfiguration = XenModelConfiguration()) throws {
        var guestConfiguration = SyntheticGuest.Configuration()
        guestConfiguration.vcpuCount = vcpus
        let guest = try SyntheticGuest(guestConfiguration)
        let table = try #require(guest.symbols.first { $0.name == "sys_call_table" }).address
        let poke = try #require(guest.symbols.first { $0.name == "text_poke" }).address
        tableVirtual = table
        tablePhysical = guest.physicalAddress(ofKernelVirtual: table)
        rip = poke
        ripGFN = guest.physicalAddress(ofKernelVirtual: poke) >> 12
        model = XenModel(guest: guest, configuration: configuration)
    }

    /// The 8 bytes at `sys_call_table[index]` in guest RAM.
    func tableEntry(_ index: UInt64 = 0) throws -> [UInt8] {
        try model.readGuest(physical: tablePhysical + index * 8, count: 8)
    }

    /// vCPU `vcpu` overwrites `sys_call_table[index]` with `value`.
    func overwriteTable(vcpu: Int, index: UInt64 = 0, value: UInt64 = 0x4141_4141_4141_4141) -> WriteOutcome {
        model.write(vcpu: vcpu, virtual: tableVirtual + index * 8, bytes: bytes(of: value), rip: rip)
    }

    /// Warden's setup in the reference order: ring, altp2m on, a view with the table frame rx, all vCPUs
    /// on it. Returns the controller end of the ring and the view.
    func protectTable(singlestep: Bool = true) throws -> (HandController, ViewID) {
        let controller = try HandController(model: model)
        if singlestep { try model.setSinglestepMonitoring(true) }
        try model.setAltp2m(enabled: true)
        let view = try model.createView(defaultAccess: .readExecute)
        try model.setMemAccess(.readExecute, view: view, gfn: tableGFN)
        try model.switchToView(view)
        return (controller, view)
    }
}

func bytes(of value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

/// The test playing the controller by hand, through the back side of the real ring.
final class HandController {
    let model: XenModel
    let mapping: XenModel.RingMapping
    var back: VMEventBackRing

    init(model: XenModel) throws {
        self.model = model
        mapping = try model.enableMonitorRing()
        try model.bindEventChannel(remotePort: mapping.remotePort)
        back = try VMEventBackRing(page: mapping.page, size: 4096)
    }

    /// Every request readable now, oldest first.
    func take() -> [VMEventRequest] {
        var requests: [VMEventRequest] = []
        while let request = back.nextRequest() { requests.append(request) }
        return requests
    }

    /// Puts replies and notifies Xen, which consumes them.
    func answer(_ responses: [VMEventResponse]) throws {
        for response in responses { try back.put(response) }
        model.notifyFromDom0()
    }

    func answer(_ response: VMEventResponse) throws { try answer([response]) }

    deinit {
        _ = try? model.unmapRing(mapping.page)
    }
}
