import Hypervisor
import WardenCore

/// Wraps a hypervisor and makes its N-th state-changing call fail with `errno`, to prove that a
/// failure at any setup step leaves the guest unrestricted. Every call is logged by name.
final class FaultInjectingHypervisor: Hypervisor {
    let inner: any Hypervisor
    var failAt: Int?
    var failWith: Int32 = 16  // EBUSY
    private(set) var mutatingCalls = 0
    private(set) var log: [String] = []

    init(_ inner: any Hypervisor, failAt: Int? = nil) {
        self.inner = inner
        self.failAt = failAt
    }

    /// Counts the call; throws instead of forwarding when it is the one chosen to fail.
    private func mutate<T>(_ name: String, _ body: () throws(HypervisorError) -> T) throws(HypervisorError) -> T {
        mutatingCalls += 1
        log.append(name)
        if mutatingCalls == failAt { throw HypervisorError(operation: "injected: \(name)", errno: failWith) }
        return try body()
    }

    var domain: UInt32 { inner.domain }
    var memory: any GuestPhysicalMemory { inner.memory }
    func vcpuCount() throws(HypervisorError) -> Int { try inner.vcpuCount() }
    func vcpuRegisters() throws(HypervisorError) -> [VCPURegisters] { try inner.vcpuRegisters() }
    func pause() throws(HypervisorError) { try mutate("pause") { () throws(HypervisorError) in try inner.pause() } }
    func unpause() throws(HypervisorError) { try mutate("unpause") { () throws(HypervisorError) in try inner.unpause() } }
    func enableMonitorRing() throws(HypervisorError) -> UnsafeMutableRawPointer {
        try mutate("enableMonitorRing") { () throws(HypervisorError) in try inner.enableMonitorRing() }
    }
    func disableMonitorRing() throws(HypervisorError) {
        try mutate("disableMonitorRing") { () throws(HypervisorError) in try inner.disableMonitorRing() }
    }
    func waitForRingEvent(milliseconds: Int32) throws(HypervisorError) -> Bool {
        try inner.waitForRingEvent(milliseconds: milliseconds)
    }
    func notifyRing() throws(HypervisorError) { try inner.notifyRing() }
    func setSinglestepMonitoring(_ enabled: Bool) throws(HypervisorError) {
        try mutate("setSinglestepMonitoring(\(enabled))") { () throws(HypervisorError) in try inner.setSinglestepMonitoring(enabled) }
    }
    func setEmulUnimplementedMonitoring(_ enabled: Bool) throws(HypervisorError) {
        try mutate("setEmulUnimplementedMonitoring(\(enabled))") { () throws(HypervisorError) in
            try inner.setEmulUnimplementedMonitoring(enabled)
        }
    }
    func singlestepOff(vcpu: Int) throws(HypervisorError) {
        try mutate("singlestepOff(\(vcpu))") { () throws(HypervisorError) in try inner.singlestepOff(vcpu: vcpu) }
    }
    func altp2mEnabled() throws(HypervisorError) -> Bool { try inner.altp2mEnabled() }
    func setAltp2m(enabled: Bool) throws(HypervisorError) {
        try mutate("setAltp2m(\(enabled))") { () throws(HypervisorError) in try inner.setAltp2m(enabled: enabled) }
    }
    func createView(defaultAccess: MemoryAccess) throws(HypervisorError) -> ViewID {
        try mutate("createView") { () throws(HypervisorError) in try inner.createView(defaultAccess: defaultAccess) }
    }
    func destroyView(_ view: ViewID) throws(HypervisorError) {
        try mutate("destroyView(\(view.index))") { () throws(HypervisorError) in try inner.destroyView(view) }
    }
    func setAccess(_ access: MemoryAccess, view: ViewID, gfns: [UInt64]) throws(HypervisorError) {
        try mutate("setAccess(\(access), \(gfns.count) gfns)") { () throws(HypervisorError) in
            try inner.setAccess(access, view: view, gfns: gfns)
        }
    }
    func access(view: ViewID, gfn: UInt64) throws(HypervisorError) -> MemoryAccess { try inner.access(view: view, gfn: gfn) }
    func setSuppressVE(_ suppress: Bool, view: ViewID, gfn: UInt64) throws(HypervisorError) {
        try mutate("setSuppressVE") { () throws(HypervisorError) in try inner.setSuppressVE(suppress, view: view, gfn: gfn) }
    }
    func switchToView(_ view: ViewID) throws(HypervisorError) {
        try mutate("switchToView(\(view.index))") { () throws(HypervisorError) in try inner.switchToView(view) }
    }
    func setViewVisibility(_ view: ViewID, visible: Bool) throws(HypervisorError) {
        try mutate("setViewVisibility(\(view.index), \(visible))") { () throws(HypervisorError) in
            try inner.setViewVisibility(view, visible: visible)
        }
    }
    func currentView(vcpu: Int) throws(HypervisorError) -> ViewID { try inner.currentView(vcpu: vcpu) }
}
