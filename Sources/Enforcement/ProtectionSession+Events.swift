import Alerts
import CXen
import Hypervisor
import WardenCore
import XenRing

extension ProtectionSession {
    /// Serves the ring until `shouldStop` says so, a request arrives in another vm_event interface
    /// version (`versionMismatch`), or a call fails; then tears down. Waits in short slices so a stop
    /// request (a signal) is seen within `pollMilliseconds`. `afterPass` runs on this thread after every
    /// wait and pass (the metrics take their copy there, between events).
    public func run(pollMilliseconds: Int32 = 100, shouldStop: () -> Bool, afterPass: () -> Void = {}) -> [HypervisorError] {
        var failures: [HypervisorError] = []
        while !shouldStop() {
            do {
                _ = try hypervisor.waitForRingEvent(milliseconds: pollMilliseconds)
            } catch {
                failures.append(error)
                break
            }
            let drained = serveRing()
            if !drained.isEmpty {
                failures += drained
                break
            }
            afterPass()
            // Xen would drop every further reply too; the drain above still answered every request.
            if versionMismatch != nil { break }
        }
        return failures + tearDown()
    }

    /// Answers every request now on the ring by policy, then notifies Xen once.
    public func serveRing() -> [HypervisorError] {
        if allowPath == .emulate { settleChangedWrites() }
        counters.observeOccupancy(ring?.unconsumedRequests ?? 0)
        var failures = drain(timed: true) { [unowned self] raw in respond(raw) }
        failures += servingFailures
        servingFailures.removeAll()
        return failures
    }

    /// The hot path: a write to a deny target (what a rootkit flood produces) is decided on the raw
    /// request and answered with the raw reply; everything else is decoded and decided in full. On the
    /// emulate path a vCPU that still owes an alert or is being refused takes the full path, which
    /// settles that first; its denials are remembered in case Xen cannot emulate them.
    func respond(_ raw: vm_event_request_t) -> vm_event_response_t {
        if let (index, offset) = engine.deniedWrite(raw, vcpuCount: vcpuCount), !needsFullPath(Int(raw.vcpu_id)) {
            statistics.requests += 1
            counters.count(.memAccess)
            let request = VMEventRequest(raw)
            if case .memAccess(let event) = request.payload {
                recordDenial(request, event, .write, target: index, offset: offset)
                recordEmulation(
                    Emulation(request: request, event: event, access: .write, target: (index, offset), allowance: nil),
                    vcpu: Int(raw.vcpu_id))
            }
            var response = VMEventRawReply.answering(raw)
            VMEventRawReply.deny(&response)
            return response
        }
        return decide(VMEventRequest(raw)).raw
    }

    /// Takes every request off the ring, answers each with `answer`, and notifies once (teardown uses
    /// it with a plain resume to release every waiting vCPU). Every request, asynchronous ones too,
    /// gets a reply, or eight events fill the ring (reference §2). `timed` observes each request's
    /// decision latency with one clock read per request: from the previous reply (or the start of the
    /// pass) to its own, so it covers taking it off the ring, deciding, reporting and replying.
    func drain(timed: Bool = false, _ answer: (vm_event_request_t) -> vm_event_response_t) -> [HypervisorError] {
        guard ring != nil else { return [] }
        var raw = vm_event_request_t()
        var answered = 0
        var failures: [HypervisorError] = []
        var since = timed ? MonotonicClock.nanoseconds() : 0
        repeat {
            while ring?.nextRawRequest(into: &raw) == true {
                do {
                    try ring?.putRaw(answer(raw))
                } catch {
                    failures.append(HypervisorError(operation: "ring response (\(error))", errno: 22))
                }
                answered += 1
                if timed {
                    let now = MonotonicClock.nanoseconds()
                    counters.observeLatency(nanoseconds: now &- since)
                    since = now
                }
            }
        } while ring?.finalCheckForRequests() == true
        if answered > 0 {
            do { try hypervisor.notifyRing() } catch { failures.append(error) }
        }
        return failures
    }

    /// One request → one response, by the decision engine's verdict.
    func decide(_ request: VMEventRequest) -> VMEventResponse {
        statistics.requests += 1
        let reply = VMEventResponse.answering(request)
        // Another interface version: no field can be trusted, and Xen drops version-7 replies. The plain
        // resume still releases the vCPU if the entry was merely corrupt; the session stops (`run`).
        guard request.version == VMEventInterface.version else {
            versionMismatch = versionMismatch ?? VMEventVersionMismatch(stamped: request.version)
            statistics.otherVersion += 1
            counters.count(.otherVersion)
            return reply.resume()
        }
        counters.count(SessionMetrics.EventKind(request.reason))
        // Xen names one of the domain's vCPUs; any other id means the request is not Xen's.
        guard Int(request.vcpuID) < vcpuCount else {
            statistics.ignored += 1
            return reply.resume()
        }
        if allowPath == .emulate, request.reason != .emulUnimplemented { settleEmulation(of: Int(request.vcpuID)) }
        switch request.payload {
        case .memAccess(let event) where request.reason == .memAccess:
            return decideAccess(request, event, reply)
        case .singlestep where request.reason == .singlestep:
            return finishStep(request, reply)
        case .other where request.reason == .emulUnimplemented:
            return answerUnemulatable(request, reply)
        default:
            statistics.ignored += 1
            return reply.resume()
        }
    }

    private func decideAccess(_ request: VMEventRequest, _ event: MemAccessEvent, _ reply: VMEventResponse) -> VMEventResponse {
        // A write or execute fault the restricted view really raises; anything else (a read, an access
        // the frame's restriction permits, an unprotected frame) did not come from this view, and
        // allowing it once would move the vCPU to the unrestricted view for nothing.
        let access: ProtectedAccess
        if event.flags.contains(.write) {
            access = .write
        } else if event.flags.contains(.execute) {
            access = .execute
        } else {
            statistics.ignored += 1
            return reply.resume()
        }
        if let refused = refault(request, event, access, reply) { return refused }
        let rip = request.registers.rip
        let gpa = event.gfn << 12 | (event.offset & 0xFFF)
        let verdict = engine.decide(gfn: event.gfn, offset: event.offset & 0xFFF, access: access, rip: rip)
        if verdict == .allowOnce(.silent), !viewTraps(access, gfn: event.gfn) {
            statistics.ignored += 1
            return reply.resume()
        }
        switch verdict {
        case .deny(let index, let offset):
            recordDenial(request, event, access, target: index, offset: offset)
            recordEmulation(
                Emulation(request: request, event: event, access: access, target: (index, offset), allowance: nil),
                vcpu: Int(request.vcpuID))
            return reply.deny()
        case .allowOnce(let report):
            statistics.allowedOnce += 1
            var pending = PendingStep(gpa: gpa, old: readGuest(gpa, length: Self.reportedBytes), alert: nil,
                                      snapshotStart: nil, snapshotLength: 0)
            var target: (index: Int, offset: UInt64)?
            switch report {
            case .silent:
                statistics.collateral += 1
            case .target(let index, let offset, let outcome):
                counters.countDecision(target: index, outcome)
                target = (index, offset)
                let target = engine.frames.plan.targets[index]
                if outcome == .allowedTrustedWriter { statistics.trustedWriter += 1 }
                if outcome == .alerted || outcome == .logged {
                    pending.alert = alert(request, event, access, target, offset, outcome)
                }
                if outcome == .logged {
                    pending.snapshotStart = gpa - min(offset, event.offset & 0xFFF)
                    pending.snapshotLength = Int(min(target.size, Self.snapshotLimit))
                }
            }
            switch allowPath {
            case .emulate:
                recordEmulation(
                    Emulation(request: request, event: event, access: access, target: target, allowance: pending),
                    vcpu: Int(request.vcpuID))
                return reply.allowByEmulation()
            case .singlestep:
                stepping[request.vcpuID] = pending
                return reply.allowOnce(unrestrictedView: ViewID.host.index)
            }
        }
    }

    /// Whether the restricted view faults `access` on frame `gfn` (setUp gives each frame one of these).
    private func viewTraps(_ access: ProtectedAccess, gfn: UInt64) -> Bool {
        switch engine.frames.accessByFrame[gfn] {
        case .read?: true
        case .readExecute?: access == .write
        case .readWrite?: access == .execute
        default: false
        }
    }

    private func finishStep(_ request: VMEventRequest, _ reply: VMEventResponse) -> VMEventResponse {
        guard let pending = stepping.removeValue(forKey: request.vcpuID) else {
            // A singlestep we did not ask for: release the vCPU and leave its view alone.
            statistics.ignored += 1
            return reply.resume()
        }
        if var alert = pending.alert {
            alert.via = .singleStep
            complete(&alert, pending)
            emit(alert)
        }
        return reply.restoreAfterStep(restrictedView: restrictedView.index)
    }

    /// The bytes an allowed write left: at its location, and for `log` targets the protected snapshot.
    func complete(_ alert: inout Alert, _ pending: PendingStep) {
        alert.written = WrittenBytes(old: pending.old, new: readGuest(pending.gpa, length: pending.old.count))
        if let start = pending.snapshotStart {
            alert.after = ProtectedSnapshot(offset: alert.target.offset - (pending.gpa - start),
                                            bytes: readGuest(start, length: pending.snapshotLength))
        }
    }
}
