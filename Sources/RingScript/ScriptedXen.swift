import CXen
import Hypervisor
import WardenCore
import XenRing

/// Xen's side of the monitor ring, scripted by a test: it owns a real 4 KiB ring page, puts whatever
/// request the test builds (malformed ones included, which the model of Xen never produces) with
/// `VMEventFrontRing`, and records what the controller answers and every call it makes. Views and
/// per-frame access are only recorded, so a test can tell whether serving requests touched them.
/// The benchmarks drive the controller's whole ring loop through it too.
public final class ScriptedXen: Hypervisor {
    public let domain: UInt32 = 7
    public let memory: any GuestPhysicalMemory
    public let vcpus: Int
    private let page: UnsafeMutableRawPointer
    private var front: VMEventFrontRing
    public private(set) var calls: [String] = []
    public private(set) var notifications = 0
    public private(set) var responses: [VMEventResponse] = []

    public init(memory: any GuestPhysicalMemory, vcpus: Int) throws {
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
    public func put(_ request: VMEventRequest) -> Bool { front.put(request) }

    /// Puts `request`, then overwrites its 32-byte union `u` (absolute offsets 24..<56 of the 400-byte
    /// slot, reference §2) with `union`: bytes no encoder would write, as a buggy or hostile producer might.
    public func put(_ request: VMEventRequest, union: [UInt8]) -> Bool {
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
    public func collectResponses() -> [VMEventResponse] {
        var taken: [VMEventResponse] = []
        while let response = front.nextResponse() { taken.append(response) }
        responses += taken
        return taken
    }

    /// Puts a request as the C struct, for loops that must not pay for encoding; false when the ring is full.
    public func putRaw(_ request: borrowing vm_event_request_t) -> Bool { front.putRaw(request) }

    /// Takes every published response without decoding or keeping it; returns how many there were.
    public func discardResponses() -> Int {
        var raw = vm_event_response_t()
        var count = 0
        while front.nextRawResponse(into: &raw) { count += 1 }
        return count
    }

    public var freeRequestSlots: Int { front.freeRequestSlots }

    private func record(_ call: String) { calls.append(call) }

    public func vcpuCount() throws(HypervisorError) -> Int { vcpus }
    public func vcpuRegisters() throws(HypervisorError) -> [VCPURegisters] { [] }
    public func pause() throws(HypervisorError) { record("pause") }
    public func unpause() throws(HypervisorError) { record("unpause") }
    public func enableMonitorRing() throws(HypervisorError) -> UnsafeMutableRawPointer {
        record("enableMonitorRing")
        return page
    }
    public func disableMonitorRing() throws(HypervisorError) { record("disableMonitorRing") }
    public func waitForRingEvent(milliseconds: Int32) throws(HypervisorError) -> Bool { front.freeRequestSlots < front.slotCount }
    public func notifyRing() throws(HypervisorError) { notifications += 1 }
    public func setSinglestepMonitoring(_ enabled: Bool) throws(HypervisorError) { record("setSinglestepMonitoring(\(enabled))") }
    public func singlestepOff(vcpu: Int) throws(HypervisorError) { record("singlestepOff(\(vcpu))") }
    public func setEmulUnimplementedMonitoring(_ enabled: Bool) throws(HypervisorError) {
        record("setEmulUnimplementedMonitoring(\(enabled))")
    }
    public func altp2mEnabled() throws(HypervisorError) -> Bool { calls.contains("setAltp2m(true)") }
    public func setAltp2m(enabled: Bool) throws(HypervisorError) { record("setAltp2m(\(enabled))") }
    public func createView(defaultAccess: MemoryAccess) throws(HypervisorError) -> ViewID {
        record("createView")
        return ViewID(1)
    }
    public func destroyView(_ view: ViewID) throws(HypervisorError) { record("destroyView(\(view.index))") }
    public func setAccess(_ access: MemoryAccess, view: ViewID, gfns: [UInt64]) throws(HypervisorError) {
        record("setAccess(\(access), view \(view.index), \(gfns.count) gfns)")
    }
    public func access(view: ViewID, gfn: UInt64) throws(HypervisorError) -> MemoryAccess { .readWriteExecute }
    public func setSuppressVE(_ suppress: Bool, view: ViewID, gfn: UInt64) throws(HypervisorError) { record("setSuppressVE") }
    public func switchToView(_ view: ViewID) throws(HypervisorError) { record("switchToView(\(view.index))") }
    public func setViewVisibility(_ view: ViewID, visible: Bool) throws(HypervisorError) {
        record("setViewVisibility(\(view.index), \(visible))")
    }
    public func currentView(vcpu: Int) throws(HypervisorError) -> ViewID { ViewID(1) }
}
