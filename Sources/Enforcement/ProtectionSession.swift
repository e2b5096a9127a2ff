import Alerts
import Hypervisor
import WardenCore
import XenRing

/// One enforcement run against one domain: the restricted view is set up, every ring request is
/// answered by the decision engine, and teardown leaves the guest running and unrestricted.
public final class ProtectionSession {
    public struct SetupError: Error, CustomStringConvertible {
        public var step: String
        public var cause: HypervisorError
        /// Undo failures after the setup failure (empty when the guest was fully restored).
        public var undoFailures: [HypervisorError]
        public var description: String {
            "setup failed at \(step): \(cause)"
                + (undoFailures.isEmpty ? "; the guest was restored" : "; restoring also failed: \(undoFailures)")
        }
    }

    public let hypervisor: any Hypervisor
    public let engine: DecisionEngine
    public let domain: AlertDomain
    public internal(set) var restrictedView = ViewID.host
    /// The domain's vCPUs at setup; a request naming another vCPU is not Xen's and is not acted on.
    public internal(set) var vcpuCount = 0
    public internal(set) var statistics = Statistics()
    /// Set by the first request stamped with another vm_event interface version; `run` then stops.
    public internal(set) var versionMismatch: VMEventVersionMismatch?
    var ring: VMEventBackRing?
    var undo = UndoStack()
    var stepping: [UInt32: PendingStep] = [:]
    let report: (Alert) -> Void

    public struct Statistics: Sendable, Equatable {
        public var requests = 0
        public var denied = 0
        public var allowedOnce = 0
        public var collateral = 0
        public var alerts = 0
        public var ignored = 0
        /// Requests stamped with another vm_event interface version (the first one stops the run).
        public var otherVersion = 0

        public init() {}
    }

    /// A write let through on one vCPU, waiting for its singlestep event to be reported and re-protected.
    struct PendingStep {
        var gpa: UInt64
        var old: [UInt8]
        var alert: Alert?
        var snapshotStart: UInt64?
        var snapshotLength: Int
    }

    public init(hypervisor: any Hypervisor, engine: DecisionEngine, domain: AlertDomain, report: @escaping (Alert) -> Void) {
        self.hypervisor = hypervisor
        self.engine = engine
        self.domain = domain
        self.report = report
    }

    /// Xen-side setup in the order of the reference (§1.2): pause, ring, singlestep monitoring,
    /// altp2m, restricted view, explicit per-frame access (4.17 ignores a new view's default for
    /// lazily copied entries), switch, hide the unrestricted view from VMFUNC, unpause.
    public func setUp() throws(SetupError) {
        let hv = hypervisor
        var paused = false
        // A failed step undoes what was done, then releases the pause setup took.
        func step<T>(_ name: String, _ body: () throws -> T) throws(SetupError) -> T {
            do { return try body() } catch {
                // Every primitive throws HypervisorError; anything else is a ring attach failure (EINVAL).
                let cause = error as? HypervisorError ?? HypervisorError(operation: "\(name) (\(error))", errno: 22)
                var failures = undo.unwind()
                if paused {
                    do { try hv.unpause() } catch { failures.append(error) }
                }
                throw SetupError(step: name, cause: cause, undoFailures: failures)
            }
        }
        let vcpus = try step("count vCPUs") { try hv.vcpuCount() }
        vcpuCount = vcpus
        try step("pause") { try hv.pause() }
        paused = true
        let page = try step("enable the monitor ring") { try hv.enableMonitorRing() }
        undo.push("disable the monitor ring") { [unowned self] in
            ring = nil
            try hv.disableMonitorRing()
        }
        try step("attach the ring") { ring = try VMEventBackRing(page: page, size: 4096) }
        try step("enable singlestep monitoring") { try hv.setSinglestepMonitoring(true) }
        undo.push("singlestep off") {
            var first: (any Error)?
            for vcpu in 0..<vcpus {
                do { try hv.singlestepOff(vcpu: vcpu) } catch { first = first ?? error }
            }
            try hv.setSinglestepMonitoring(false)
            if let first { throw first }
        }
        try step("enable altp2m") { try hv.setAltp2m(enabled: true) }
        undo.push("disable altp2m") { try hv.setAltp2m(enabled: false) }
        let view = try step("create the restricted view") { try hv.createView(defaultAccess: .readWriteExecute) }
        restrictedView = view
        undo.push("destroy \(view)") { try hv.destroyView(view) }
        let byAccess = Dictionary(grouping: engine.frames.accessByFrame, by: \.value)
        for (access, frames) in byAccess.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let gfns = frames.map(\.key).sorted()
            try step("restrict \(gfns.count) frames") { try hv.setAccess(access, view: view, gfns: gfns) }
        }
        try step("switch to \(view)") { try hv.switchToView(view) }
        undo.push("switch to the host view") { try hv.switchToView(.host) }
        try step("hide the host view") { try hv.setViewVisibility(.host, visible: false) }
        undo.push("show the host view") { try hv.setViewVisibility(.host, visible: true) }
        try step("unpause") { try hv.unpause() }
        paused = false
    }

    /// Pause, answer every pending request, then undo setup newest first and unpause. Safe to call
    /// more than once and after a partial setup. Returns the undo failures (empty: fully restored).
    @discardableResult
    public func tearDown() -> [HypervisorError] {
        guard !undo.names.isEmpty else { return [] }
        var failures: [HypervisorError] = []
        var paused = false
        do {
            try hypervisor.pause()
            paused = true
        } catch { failures.append(error) }
        // Every vCPU waiting on the ring is released by a plain resume; views are restored below.
        failures += drain { VMEventRawReply.answering($0) }
        stepping.removeAll()
        failures += undo.unwind()
        // Pauses nest (xen/common/domain.c `domain_unpause_by_systemcontroller`): unpausing one this call
        // does not hold would release someone else's, e.g. an operator's `xl pause` (as DomainRelease).
        if paused {
            do { try hypervisor.unpause() } catch { failures.append(error) }
        }
        return failures
    }
}
