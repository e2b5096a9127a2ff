import Hypervisor
import WardenCore
import XenRing

/// Xen's side of the monitor ring, scripted by a test: it owns a real 4 KiB ring page, puts whatever
/// request the test builds (malformed ones included, which the model of Xen never produces) with
/// `VMEventFrontRing`, and records what the controller answers and every call it makes. Views and
/// per-frame access are only recorded, so a test can tell whether serving requests touched them.
final class ScriptedXen: Hypervisor {
    let domain: UInt32 = 7
    let memory: any GuestPhysicalMemory
    let vcpus: Int
    private let page: UnsafeMutableRawPointer
    private var front: VMEventFrontRing
    private(set) var calls: [String] = []
    private(set) var notifications = 0
    private(set) var responses: [VMEventResponse] = []

    init(memory: any GuestPhysicalMemory, vcpus: Int) throws {
        self.memory = memory
        self.vcpus = vcpus
        page = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 4096)
        // Xen hands out a scrubbed page; the controller's SHARED_RING_INIT keeps both indices at zero,
        // so attaching the front side now matches what the controller initialises later.
        page.initializeMemory(as: UInt8.self, repeating: 0, count: 4096)
        front = try VMEventFrontRing(page: page, size: 4096)
    }

    deinit { page.deallocate() }

    /// Puts a request on the ring as is; false when the ring is full.
    func put(_ request: VMEventRequest) -> Bool { front.put(request) }

    /// Puts `request`, then overwrites its 32-byte union `u` (absolute offsets 24..<56 of the 400-byte
    /// slot, reference §2) with `union`: bytes no encoder would write, as a buggy or hostile producer might.
    func put(_ request: VMEventRequest, union: [UInt8]) -> Bool {
        precondition(union.count == 32)
        guard front.put(request) else { return false }
        // req_prod is the first word of the shared ring; the request just put sits in slot req_prod - 1.
        let slot = Int((page.load(fromByteOffset: 0, as: UInt32.self) &- 1) & UInt32(front.slotCount - 1))
        let start = 64 + slot * 400 + 24
        for (index, byte) in union.enumerated() { page.storeBytes(of: byte, toByteOffset: start + index, as: UInt8.self) }
        return true
    }

    /// Takes every response the controller published, as `vm_event_resume` would, and returns them.
    @discardableResult
    func collectResponses() -> [VMEventResponse] {
        var taken: [VMEventResponse] = []
        while let response = front.nextResponse() { taken.append(response) }
        responses += taken
        return taken
    }

    var freeRequestSlots: Int { front.freeRequestSlots }

    private func record(_ call: String) { calls.append(call) }

    func vcpuCount() throws(HypervisorError) -> Int { vcpus }
    func vcpuRegisters() throws(HypervisorError) -> [VCPURegisters] { [] }
    func pause() throws(HypervisorError) { record("pause") }
    func unpause() throws(HypervisorError) { record("unpause") }
    func enableMonitorRing() throws(HypervisorError) -> UnsafeMutableRawPointer {
        record("enableMonitorRing")
        return page
    }
    func disableMonitorRing() throws(HypervisorError) { record("disableMonitorRing") }
    func waitForRingEvent(milliseconds: Int32) throws(HypervisorError) -> Bool { front.freeRequestSlots < front.slotCount }
    func notifyRing() throws(HypervisorError) { notifications += 1 }
    func setSinglestepMonitoring(_ enabled: Bool) throws(HypervisorError) { record("setSinglestepMonitoring(\(enabled))") }
    func singlestepOff(vcpu: Int) throws(HypervisorError) { record("singlestepOff(\(vcpu))") }
    func altp2mEnabled() throws(HypervisorError) -> Bool { calls.contains("setAltp2m(true)") }
    func setAltp2m(enabled: Bool) throws(HypervisorError) { record("setAltp2m(\(enabled))") }
    func createView(defaultAccess: MemoryAccess) throws(HypervisorError) -> ViewID {
        record("createView")
        return ViewID(1)
    }
    func destroyView(_ view: ViewID) throws(HypervisorError) { record("destroyView(\(view.index))") }
    func setAccess(_ access: MemoryAccess, view: ViewID, gfns: [UInt64]) throws(HypervisorError) {
        record("setAccess(\(access), view \(view.index), \(gfns.count) gfns)")
    }
    func access(view: ViewID, gfn: UInt64) throws(HypervisorError) -> MemoryAccess { .readWriteExecute }
    func setSuppressVE(_ suppress: Bool, view: ViewID, gfn: UInt64) throws(HypervisorError) { record("setSuppressVE") }
    func switchToView(_ view: ViewID) throws(HypervisorError) { record("switchToView(\(view.index))") }
    func setViewVisibility(_ view: ViewID, visible: Bool) throws(HypervisorError) {
        record("setViewVisibility(\(view.index), \(visible))")
    }
    func currentView(vcpu: Int) throws(HypervisorError) -> ViewID { ViewID(1) }
}
