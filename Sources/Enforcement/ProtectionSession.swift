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
    /// How allowed writes get past the restricted view.
    public let allowPath: AllowPath
    public internal(set) var restrictedView = ViewID.host
    /// The domain's vCPUs at setup; a request naming another vCPU is not Xen's and is not acted on.
    public internal(set) var vcpuCount = 0
    public internal(set) var statistics = Statistics()
    /// Slots of the monitor ring, from set-up on (0 before); kept after teardown for the last metrics.
    public internal(set) var ringSlots = 0
    /// Finer counts for metrics; `metrics` copies them (on the session's thread, between passes).
    let counters: MetricsCounters
    public var metrics: SessionMetrics { counters.snapshot() }
    /// Set by the first request stamped with another vm_event interface version; `run` then stops.
    public internal(set) var versionMismatch: VMEventVersionMismatch?
    var ring: VMEventBackRing?
    var undo = UndoStack()
    var stepping: [UInt32: PendingStep] = [:]
    /// Emulate path, by vCPU: the EMULATE reply whose outcome Warden has not seen yet.
    var emulations: [Emulation?] = []
    /// Emulate path, by vCPU: an instruction Xen could not emulate, on its way to #UD.
    var refusals: [Refusal?] = []
    /// Emulate path: whether Xen reports EMUL_UNIMPLEMENTED now (a refusal turns it off for a while).
    var emulUnimplementedMonitored = false
    /// Emulate path on a CPU with the Monitor Trap Flag: an allowed write Xen cannot emulate is single-
    /// stepped instead of refused.
    public internal(set) var singlestepFallback = false
    /// Calls made while serving the ring that failed; `serveRing` returns them, which stops `run`.
    var servingFailures: [HypervisorError] = []
    let report: (Alert) -> Void

    public struct Statistics: Sendable, Equatable {
        public var requests = 0
        public var denied = 0
        public var allowedOnce = 0
        public var collateral = 0
        /// Writes to targets made from inside a trusted writer (`writers:`), let through silently.
        public var trustedWriter = 0
        public var alerts = 0
        public var ignored = 0
        /// Writes Xen could not emulate (EMUL_UNIMPLEMENTED), refused with #UD whatever the policy said.
        public var unemulatable = 0
        /// Requests stamped with another vm_event interface version (the first one stops the run).
        public var otherVersion = 0

        public init() {}
    }

    /// A write let through on one vCPU, waiting to be reported: for its singlestep event (which also
    /// re-protects), or on the emulate path until it is seen to have happened (`Emulation`).
    struct PendingStep {
        var gpa: UInt64
        var old: [UInt8]
        var alert: Alert?
        var snapshotStart: UInt64?
        var snapshotLength: Int
    }

    public init(
        hypervisor: any Hypervisor, engine: DecisionEngine, domain: AlertDomain, allowPath: AllowPath = .preferred,
        report: @escaping (Alert) -> Void
    ) {
        self.hypervisor = hypervisor
        self.engine = engine
        self.domain = domain
        self.allowPath = allowPath
        self.report = report
        counters = MetricsCounters(targets: engine.frames.plan.targets.count)
    }


    /// Xen-side setup in the order of the reference (§1.2): pause, ring, the monitor the allow path
    /// needs (singlestep, or EMUL_UNIMPLEMENTED), altp2m, restricted view, explicit per-frame access (4.17 ignores a new view's default for
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
        ringSlots = ring?.slotCount ?? 0
        // SINGLE_STEP_OFF on every vCPU (one may be mid-step), then singlestep monitoring off.
        func pushSinglestepUndo() {
            undo.push("singlestep off") {
                var first: (any Error)?
                for vcpu in 0..<vcpus {
                    do { try hv.singlestepOff(vcpu: vcpu) } catch { first = first ?? error }
                }
                try hv.setSinglestepMonitoring(false)
                if let first { throw first }
            }
        }
        switch allowPath {
        case .singlestep:
            try step("enable singlestep monitoring") { try hv.setSinglestepMonitoring(true) }
            pushSinglestepUndo()
        case .emulate:
            emulations = Array(repeating: nil, count: vcpus)
            refusals = Array(repeating: nil, count: vcpus)
            // Before any EMULATE reply can meet an instruction Xen cannot emulate: with it off Xen would
            // inject #UD unseen (xen/arch/x86/hvm/emulate.c `hvm_emulate_one_vm_event`).
            try step("enable EMUL_UNIMPLEMENTED monitoring") { try hv.setEmulUnimplementedMonitoring(true) }
            emulUnimplementedMonitored = true
            undo.push("EMUL_UNIMPLEMENTED monitoring off") { [unowned self] in
                // A refusal in progress may have turned it off already (`answerUnemulatable`).
                guard emulUnimplementedMonitored else { return }
                emulUnimplementedMonitored = false
                try hv.setEmulUnimplementedMonitoring(false)
            }
            // With the Monitor Trap Flag an allowed write Xen cannot emulate can still run once on the
            // unrestricted view, as xen-access answers EMUL_UNIMPLEMENTED (tools/misc/xen-access.c). Without
            // it Xen answers EOPNOTSUPP (xen/common/monitor.c `monitor_domctl`) and such writes are refused.
            singlestepFallback = try step("enable singlestep monitoring where the CPU has MTF") { () throws -> Bool in
                do throws(HypervisorError) {
                    try hv.setSinglestepMonitoring(true)
                    return true
                } catch where error.errno == DomainRelease.Errno.eopnotsupp {
                    return false
                }
            }
            if singlestepFallback { pushSinglestepUndo() }
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
        settleEmulationsAtTeardown()
        failures += undo.unwind()
        // Pauses nest (xen/common/domain.c `domain_unpause_by_systemcontroller`): unpausing one this call
        // does not hold would release someone else's, e.g. an operator's `xl pause` (as DomainRelease).
        if paused {
            do { try hypervisor.unpause() } catch { failures.append(error) }
        }
        return failures
    }
}
