import Alerts
import Enforcement
import Hypervisor
import RingScript
import SyntheticGuest
import WardenCore
import WardenMetrics
import XenRing

/// A protection session on the generated guest with Xen's side of the ring driven by hand, so a test
/// knows exactly which requests the metrics must show.
final class MeasuredSession {
    static let policy = """
        warden-policy: 1
        name: metrics-test
        description: targets of every action the metrics name
        targets:
          - symbol: sys_call_table
            length: 3608
            action: deny
          - symbol: modprobe_path
            action: alert
          - range: _stext.._etext
            action: alert
            writers: [text_poke]
        """

    let guest: SyntheticGuest
    let xen: ScriptedXen
    let session: ProtectionSession
    let run: RunSnapshot.Run

    init() throws {
        guest = try SyntheticGuest()
        let kernel = try GuestKernel.read(memory: guest.memory, registers: guest.vcpuRegisters())
        let policy = try Policy.parse(yaml: Self.policy, file: "metrics-test.yaml")
        let plan = try kernel.plan(try PolicySet(policies: [policy]).targets, in: guest.memory)
        xen = try ScriptedXen(memory: guest.memory, vcpus: 4)
        session = ProtectionSession(
            hypervisor: xen, engine: DecisionEngine(frames: ProtectedFrames(plan: plan), symbols: kernel.symbols),
            domain: AlertDomain(id: 7, name: "web-1"), allowPath: .singlestep, report: { _ in })
        run = RunSnapshot.Run(session: session, version: "9.9.9")
    }

    func symbol(_ name: String) -> UInt64 { guest.symbols.first { $0.name == name }!.address }

    /// The guest-physical address of a kernel symbol (the generated kernel is linear from `_text`).
    func physical(_ name: String, plus offset: UInt64 = 0) -> UInt64 {
        symbol(name) + offset - guest.textBase + guest.configuration.physicalBase
    }

    /// A write to `name` from `writer`, as Xen stamps it with altp2m active; put on the ring.
    @discardableResult
    func write(_ name: String, plus offset: UInt64 = 0, from writer: String = "commit_creds", vcpu: UInt32 = 1) -> Bool {
        let gpa = physical(name, plus: offset)
        var registers = X86Registers()
        registers.rip = symbol(writer)
        let request = VMEventRequest(
            version: VMEventInterface.version, flags: [.vcpuPaused, .alternateP2M], reason: .memAccess, vcpuID: vcpu, altp2mIndex: 1,
            payload: .memAccess(MemAccessEvent(gfn: gpa >> 12, offset: gpa & 0xFFF, gla: symbol(name) + offset, flags: [.write, .glaValid])),
            registers: registers)
        return xen.put(request)
    }

    func snapshot(_ state: RunSnapshot.State) -> RunSnapshot { RunSnapshot(run: run, session: session, state: state) }
}
