import Hypervisor
import XenRing

/// What `DomainRelease.release` did, step by step.
public struct ReleaseReport: Sendable, Equatable, CustomStringConvertible {
    public enum Outcome: Sendable, Equatable {
        /// The call succeeded.
        case ok
        /// Xen said the domain is already in the state this step wants (the reason names the errno).
        case already(String)
        case failed(HypervisorError)
        /// Not attempted, because an earlier step it depends on failed (the reason says which).
        case skipped(String)
    }

    public struct Step: Sendable, Equatable {
        public var name: String
        public var outcome: Outcome
    }

    public var domain: UInt32
    public internal(set) var steps: [Step] = []

    /// Every step succeeded or found its state already reached: the domain is unrestricted and runs.
    public var succeeded: Bool {
        !steps.contains { step in
            switch step.outcome {
            case .ok, .already: false
            case .failed, .skipped: true
            }
        }
    }

    public var description: String {
        steps.map { step in
            let outcome = switch step.outcome {
            case .ok: "ok"
            case .already(let why): "already: \(why)"
            case .failed(let error): "FAILED: \(error.operation), errno \(error.errno)"
            case .skipped(let why): "SKIPPED: \(why)"
            }
            return "\(step.name): \(outcome)"
        }.joined(separator: "\n")
    }

    mutating func record(_ name: String, _ outcome: Outcome) { steps.append(Step(name: name, outcome: outcome)) }
}

/// Recovery after a controller was killed (SIGKILL) with the domain still under its control: the
/// monitor ring outlives its process, vCPUs wait forever for replies that will not come (xen/common/
/// vm_event.c: only `vm_event_resume` releases them, `vm_event_disable` does not), and the restricted
/// view, the hidden host view and per-vCPU singlestep all stay in place. Reference §1.2, last bullets.
public enum DomainRelease {
    /// Xen errno values (xen/include/public/errno.h; on x86 they equal Linux's).
    enum Errno {
        static let ebusy: Int32 = 16
        static let eexist: Int32 = 17
        static let einval: Int32 = 22
        static let eopnotsupp: Int32 = 95
    }

    /// Best effort, every step attempted: a failure is recorded and the rest still run. The order is the
    /// reference's: pause; xc_monitor_disable on the orphaned ring, re-enable, one VCPU_PAUSED reply per
    /// vCPU, notify, disable again; then the teardown of §1.2 (show view 0, switch to it, altp2m off,
    /// singlestep off on every vCPU, singlestep monitoring off); unpause. On a domain nobody controls
    /// every step is a no-op, so releasing twice, or a domain Warden never touched, is harmless.
    /// The replies are vm_event interface version 7, which a Xen of another version drops: on Xen, check
    /// the version first (`XenPreflight.checkForRelease`).
    public static func release(_ hypervisor: any Hypervisor) -> ReleaseReport {
        var report = ReleaseReport(domain: hypervisor.domain)
        let vcpus: Int?
        do {
            vcpus = try hypervisor.vcpuCount()
            report.record("count vCPUs", .ok)
        } catch {
            vcpus = nil
            report.record("count vCPUs", .failed(error))
        }
        let paused = attempt(&report, "pause the domain") { () throws(HypervisorError) in try hypervisor.pause() }

        // xc_monitor_disable: no ring → EINVAL (vm_event_domctl's initial rc), nothing orphaned. EBUSY means
        // vCPUs queued for ring space, which only draining the old ring (gone with its process) would wake.
        attempt(&report, "disable the orphaned monitor ring", already: [Errno.einval: "no ring (EINVAL)"]) {
            () throws(HypervisorError) in try hypervisor.disableMonitorRing()
        }
        rescue(hypervisor, vcpus: vcpus, into: &report)

        // With the ring gone, the teardown of §1.2. Every altp2m op but set_domain_state returns EOPNOTSUPP
        // when altp2m is not active or not available (xen/arch/x86/hvm/hvm.c `do_altp2m_op`): no views exist.
        let altp2mOff = [Errno.eopnotsupp: "altp2m not active (EOPNOTSUPP)"]
        attempt(&report, "show the host view", already: altp2mOff) { () throws(HypervisorError) in
            try hypervisor.setViewVisibility(.host, visible: true)
        }
        attempt(&report, "switch every vCPU to the host view", already: altp2mOff) { () throws(HypervisorError) in
            try hypervisor.switchToView(.host)
        }
        // set_domain_state(0) puts every vCPU on the host p2m and destroys every view (p2m_flush_altp2m);
        // the same state again returns 0; EOPNOTSUPP: no altp2m on this host or domain, nothing to undo.
        attempt(&report, "altp2m off (destroys every view)", already: [Errno.eopnotsupp: "altp2m unavailable (EOPNOTSUPP)"]) {
            () throws(HypervisorError) in try hypervisor.setAltp2m(enabled: false)
        }
        singlestepOff(hypervisor, vcpus: vcpus, into: &report)
        // EMUL_UNIMPLEMENTED monitoring (the emulate path's) needs no step: disabling the ring above wiped it
        // with every other monitor setting (`arch_monitor_cleanup_domain`), and the vm_event state holding
        // any emulation a killed Warden had asked for went with it (the vCPU re-runs its instruction).
        // xc_monitor_singlestep(0): already off → EEXIST (x86 monitor.c), the usual case here because
        // xc_monitor_disable wipes monitor settings (`arch_monitor_cleanup_domain`); no MTF → EOPNOTSUPP.
        attempt(&report, "singlestep monitoring off",
                already: [Errno.eexist: "already off (EEXIST)", Errno.eopnotsupp: "not available (EOPNOTSUPP)"]) {
            () throws(HypervisorError) in try hypervisor.setSinglestepMonitoring(false)
        }
        if paused {
            attempt(&report, "unpause the domain") { () throws(HypervisorError) in try hypervisor.unpause() }
        } else {
            // Unpausing a pause this call does not hold would release someone else's.
            report.record("unpause the domain", .skipped("the pause failed"))
        }
        return report
    }

    /// Re-enable the ring, reply VCPU_PAUSED for every vCPU (Xen acts only where the vCPU's vm_event
    /// pause count is above zero, `vm_event_resume`; others ignore it), notify, disable the ring again.
    /// Xen consumes responses inside the notify hypercall (xen/common/event_channel.c `evtchn_send` calls
    /// the Xen consumer's `monitor_notification` directly), so each batch of slotCount is gone on return.
    private static func rescue(_ hypervisor: any Hypervisor, vcpus: Int?, into report: inout ReleaseReport) {
        let replies = "reply VCPU_PAUSED to every vCPU", notify = "notify Xen", disable = "disable the monitor ring again"
        let page: UnsafeMutableRawPointer
        do {
            page = try hypervisor.enableMonitorRing()
            report.record("re-enable the monitor ring", .ok)
        } catch {
            report.record("re-enable the monitor ring", .failed(error))
            for name in [replies, notify, disable] { report.record(name, .skipped("no ring")) }
            return
        }
        var placeFailure: HypervisorError?
        var notifyFailure: HypervisorError?
        if let vcpus {
            do {
                var ring = try VMEventBackRing(page: page, size: 4096)
                var next = 0
                while next < vcpus, placeFailure == nil, notifyFailure == nil {
                    let batch = next..<min(vcpus, next + ring.slotCount)
                    for vcpu in batch where placeFailure == nil {
                        let reply = VMEventResponse(flags: .vcpuPaused, reason: .unspecified, vcpuID: UInt32(vcpu))
                        do { try ring.putUnsolicited(reply) } catch {
                            placeFailure = HypervisorError(operation: "rescue reply for vCPU \(vcpu) (\(error))", errno: Errno.ebusy)
                        }
                    }
                    do { try hypervisor.notifyRing() } catch { notifyFailure = error }
                    next = batch.upperBound
                }
            } catch {
                placeFailure = HypervisorError(operation: "attach the ring (\(error))", errno: Errno.einval)
            }
            report.record(replies, placeFailure.map { .failed($0) } ?? .ok)
            report.record(notify, notifyFailure.map { .failed($0) } ?? .ok)
        } else {
            report.record(replies, .skipped("the vCPU count is unknown"))
            report.record(notify, .skipped("no replies"))
        }
        // Never serve this ring: after an unsolicited reply Xen counts more free slots than exist.
        attempt(&report, disable) { () throws(HypervisorError) in try hypervisor.disableMonitorRing() }
    }

    /// SINGLE_STEP_OFF on every vCPU: off again returns 0 (`hvm_debug_op`); EOPNOTSUPP means no MTF, so
    /// it was never on. One report line for all vCPUs, naming the first that failed.
    private static func singlestepOff(_ hypervisor: any Hypervisor, vcpus: Int?, into report: inout ReleaseReport) {
        let name = "singlestep off on every vCPU"
        guard let vcpus else { return report.record(name, .skipped("the vCPU count is unknown")) }
        var outcome = ReleaseReport.Outcome.ok
        for vcpu in 0..<vcpus {
            do { try hypervisor.singlestepOff(vcpu: vcpu) } catch where error.errno == Errno.eopnotsupp {
                if outcome == .ok { outcome = .already("no monitor trap flag (EOPNOTSUPP)") }
            } catch {
                if case .failed = outcome { continue }
                outcome = .failed(HypervisorError(operation: "\(error.operation) (vCPU \(vcpu))", errno: error.errno))
            }
        }
        report.record(name, outcome)
    }

    /// Runs one step and records it; `already` maps errnos that mean the state is already reached.
    @discardableResult
    private static func attempt(
        _ report: inout ReleaseReport, _ name: String, already: [Int32: String] = [:],
        _ body: () throws(HypervisorError) -> Void
    ) -> Bool {
        do {
            try body()
            report.record(name, .ok)
            return true
        } catch {
            if let why = already[error.errno] {
                report.record(name, .already(why))
                return true
            }
            report.record(name, .failed(error))
            return false
        }
    }
}
