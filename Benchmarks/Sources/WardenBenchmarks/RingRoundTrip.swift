import CXen
import Enforcement
import RingBaseline
import SyntheticGuest
import WardenCore
import XenRing

/// The raw hot path through the real ring code: the hypervisor side puts a MEM_ACCESS
/// write on sys_call_table's frame, Warden's side copies it out, asks the decision engine (the plan
/// of the embedded kernel-core policy on the generated guest) through the controller's own raw
/// hot path (`DecisionEngine.deniedWrite`, `VMEventRawReply`), answers, and the hypervisor side
/// takes the answer. The C loop makes the same decision from the same plan (RingBaseline.c).
struct RingRoundTrip {
    static let eventsPerRun = 1_000_000
    static let vcpuCount = 4
    let engine: DecisionEngine
    let request: vm_event_request_t
    let baseline: BaselineTables

    init(policy targets: [ProtectedTarget]) throws {
        let write = try RootkitWrite(policy: targets)
        engine = DecisionEngine(frames: ProtectedFrames(plan: write.plan), symbols: write.kernel.symbols)
        baseline = BaselineTables(engine)
        request = try write.request(vcpu: 1)
    }

    /// What `ProtectionSession.respond` does for a write to a deny target before it reports it: the
    /// raw decision and the raw reply (the alert is measured by the `serveRing` benchmark). Returns the
    /// number of denied requests and the sum of the flags of the responses Xen's side took.
    func runSwift() throws -> (denied: Int, flags: UInt64) {
        let page = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 4096)
        defer { page.deallocate() }
        var back = try VMEventBackRing(page: page, size: 4096)
        var front = try VMEventFrontRing(page: page, size: 4096)
        var raw = vm_event_request_t()
        var answer = vm_event_response_t()
        var denied = 0
        var flags: UInt64 = 0
        // The session holds its engine in a `let` of a class, which is never copied per event.
        let engine = engine
        for _ in 0..<Self.eventsPerRun {
            _ = front.putRaw(request)
            guard back.nextRawRequest(into: &raw) else { continue }
            var response = VMEventRawReply.answering(raw)
            if engine.deniedWrite(raw, vcpuCount: Self.vcpuCount) != nil {
                VMEventRawReply.deny(&response)
                denied += 1
            }
            try back.putRaw(response)
            if front.nextRawResponse(into: &answer) { flags &+= UInt64(answer.flags) }
        }
        return (denied, flags)
    }

    /// The same round trip in C over the same ring shims, with the same decision (RingBaseline.c).
    func runC() -> (denied: Int, flags: UInt64) {
        let page = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 4096)
        defer { page.deallocate() }
        var template = request
        return baseline.run(page: page, request: &template, iterations: Self.eventsPerRun, vcpuCount: Self.vcpuCount)
    }
}

/// The decision engine's plan and rules as the C baseline's flat tables.
struct BaselineTables {
    var frames: [ring_baseline_frame] = []
    var spans: [ring_baseline_span] = []
    var rules: [ring_baseline_rule] = []
    var writers: [ring_baseline_range] = []

    init(_ engine: DecisionEngine) {
        for gfn in engine.frames.accessByFrame.keys.sorted() {
            let frameSpans = engine.frames.spans(inFrame: gfn)
            frames.append(ring_baseline_frame(gfn: gfn, first_span: UInt32(spans.count), span_count: UInt32(frameSpans.count)))
            spans += frameSpans.map {
                ring_baseline_span(offset: $0.offset, length: $0.length, target_offset: $0.targetOffset, target: UInt32($0.targetIndex))
            }
        }
        for (index, planned) in engine.frames.plan.targets.enumerated() {
            let trusted = engine.trustedWriters(ofTarget: index)
            rules.append(
                ring_baseline_rule(
                    first_writer: UInt32(writers.count), writer_count: UInt32(trusted.count),
                    traps_write: planned.target.access.contains(.write) ? 1 : 0, denies: planned.target.action == .deny ? 1 : 0))
            writers += trusted.map { ring_baseline_range(start: $0.lowerBound, end: $0.upperBound) }
        }
    }

    func run(page: UnsafeMutableRawPointer, request: UnsafePointer<vm_event_request_t>, iterations: Int, vcpuCount: Int)
        -> (denied: Int, flags: UInt64)
    {
        var flags: UInt64 = 0
        let denied = ring_baseline_run(page, frames, frames.count, spans, rules, writers, UInt32(vcpuCount), request, iterations, &flags)
        return (denied, flags)
    }
}
