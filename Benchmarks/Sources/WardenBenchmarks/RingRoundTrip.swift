import CXen
import Enforcement
import RingBaseline
import SyntheticGuest
import WardenCore
import XenRing

/// decode → decide → respond through the real ring code: the hypervisor side puts a MEM_ACCESS
/// write on sys_call_table's frame, Warden's side copies it out, decodes it, asks the decision
/// engine (the plan of the embedded kernel-core policy on the generated guest), answers with the
/// response builder, and the hypervisor side takes the answer.
struct RingRoundTrip {
    static let eventsPerRun = 1_000_000
    let engine: DecisionEngine
    let request: vm_event_request_t
    let protectedGFNs: [UInt64]

    init(policy targets: [ProtectedTarget]) throws {
        let guest = try SyntheticGuest()
        let kernel = try GuestKernel.read(memory: guest.memory, registers: guest.vcpuRegisters())
        let plan = try kernel.plan(targets, in: guest.memory)
        let frames = ProtectedFrames(plan: plan)
        engine = DecisionEngine(frames: frames, symbols: kernel.symbols)
        protectedGFNs = frames.accessByFrame.keys.sorted()
        let table = plan.targets.first { $0.target.extent == .symbol("sys_call_table") }?.frames.first
        var registers = X86Registers()
        registers.rip = guest.textBase + 0x3_0000  // commit_creds: not a trusted writer
        let event = MemAccessEvent(
            gfn: table?.gfn ?? 0, offset: (table?.offset ?? 0) + 8, gla: 0, flags: [.write, .glaValid, .faultWithGLA])
        request = VMEventRequest(
            flags: [.vcpuPaused, .alternateP2M], reason: .memAccess, vcpuID: 1, altp2mIndex: 1,
            payload: .memAccess(event), registers: registers
        ).raw
    }

    /// Warden's Swift path, as `ProtectionSession.respond` takes it for a write to a deny target
    /// (the raw decision and raw reply; the alert it then emits is reporting, measured elsewhere).
    /// Returns the number of denied requests.
    func runSwift() throws -> Int {
        let page = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 4096)
        defer { page.deallocate() }
        var back = try VMEventBackRing(page: page, size: 4096)
        var front = try VMEventFrontRing(page: page, size: 4096)
        var raw = vm_event_request_t()
        var answer = vm_event_response_t()
        var denied = 0
        for _ in 0..<Self.eventsPerRun {
            _ = front.putRaw(request)
            guard back.nextRawRequest(into: &raw) else { continue }
            var response = VMEventRawReply.answering(raw)
            if raw.reason == VMEventReason.memAccess.rawValue, raw.u.mem_access.flags & MemAccessFlags.write.rawValue != 0,
                case .deny = engine.decide(
                    gfn: raw.u.mem_access.gfn, offset: raw.u.mem_access.offset & 0xFFF, access: .write, rip: raw.data.regs.x86.rip)
            {
                VMEventRawReply.deny(&response)
                denied += 1
            }
            try back.putRaw(response)
            _ = front.nextRawResponse(into: &answer)
        }
        return denied
    }

    /// The same round trip in C with the ring.h macros (Benchmarks/Sources/RingBaseline).
    func runC() -> Int {
        let page = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 4096)
        defer { page.deallocate() }
        var template = request
        return protectedGFNs.withUnsafeBufferPointer { gfns in
            Int(ring_baseline_run(page, gfns.baseAddress, gfns.count, &template, Self.eventsPerRun))
        }
    }
}
