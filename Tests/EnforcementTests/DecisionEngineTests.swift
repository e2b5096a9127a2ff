import Alerts
import Enforcement
import Hypervisor
import SyntheticGuest
import Testing
import WardenCore

/// A plan made by the real pipeline on the generated guest.
struct PlannedGuest {
    let guest: SyntheticGuest
    let kernel: GuestKernel
    let plan: ProtectionPlan

    static let location = SourceLocation(file: "test.yaml", line: 1, column: 1)

    static func target(
        _ extent: TargetExtent, _ action: PolicyAction, access: Set<ProtectedAccess> = [.write], writers: [String] = []
    ) -> ProtectedTarget {
        ProtectedTarget(
            extent: extent, access: access, action: action, optional: false,
            writers: writers.map { WriterException(function: $0, location: location) }, rule: "test/\(extent)",
            location: location)
    }

    init(_ targets: [ProtectedTarget], configuration: SyntheticGuest.Configuration = .init()) throws {
        guest = try SyntheticGuest(configuration)
        kernel = try GuestKernel.read(memory: guest.memory, registers: guest.vcpuRegisters())
        plan = try kernel.plan(targets, in: guest.memory)
    }

    func address(_ name: String) -> UInt64 { guest.symbols.first { $0.name == name }?.address ?? 0 }
    func physical(_ name: String, plus offset: UInt64 = 0) -> UInt64 {
        guest.physicalAddress(ofKernelVirtual: address(name) + offset)
    }
}

@Suite struct DecisionEngineTests {
    @Test func framesGetTheAccessThatTrapsExactlyThePolicysAccesses() throws {
        let planned = try PlannedGuest([
            PlannedGuest.target(.symbol("sys_call_table"), .deny),
            PlannedGuest.target(.symbol("x64_sys_call"), .alert, access: [.write, .execute]),
            PlannedGuest.target(.symbolWithLength("idt_table", 4096), .alert, access: [.execute]),
        ])
        let frames = ProtectedFrames(plan: planned.plan)
        #expect(frames.accessByFrame[planned.physical("sys_call_table") >> 12] == .readExecute)
        #expect(frames.accessByFrame[planned.physical("x64_sys_call") >> 12] == .read)
        #expect(frames.accessByFrame[planned.physical("idt_table") >> 12] == .readWrite)
    }

    @Test func policyActionsBecomeVerdictsAndNeighboursOfATargetAreCollateral() throws {
        let planned = try PlannedGuest([
            PlannedGuest.target(.symbolWithLength("sys_call_table", 8 * 451), .deny),
            PlannedGuest.target(.symbol("modprobe_path"), .alert),
            PlannedGuest.target(.symbol("core_pattern"), .log),
            PlannedGuest.target(.symbol("poweroff_cmd"), .allow),
        ])
        let engine = DecisionEngine(frames: ProtectedFrames(plan: planned.plan), symbols: planned.kernel.symbols)
        let rip = planned.address("commit_creds")
        func verdict(_ name: String, _ offset: UInt64 = 0) -> Verdict {
            let gpa = planned.physical(name, plus: offset)
            return engine.decide(gfn: gpa >> 12, offset: gpa & 0xFFF, access: .write, rip: rip)
        }
        guard case .deny(let index, let offset) = verdict("sys_call_table", 0x18) else {
            Issue.record("a write into sys_call_table must be denied")
            return
        }
        #expect(planned.plan.targets[index].target.rule == "test/sys_call_table+3608")
        #expect(offset == 0x18)
        guard case .allowOnce(.target(_, _, let alerted)) = verdict("modprobe_path") else {
            Issue.record("alert target")
            return
        }
        #expect(alerted == .alerted)
        guard case .allowOnce(.target(_, _, let logged)) = verdict("core_pattern", 4) else {
            Issue.record("log target")
            return
        }
        #expect(logged == .logged)
        guard case .allowOnce(.target(_, _, let allowed)) = verdict("poweroff_cmd") else {
            Issue.record("allow target")
            return
        }
        #expect(allowed == .allowed)
        // Past the table's end, in the same frame: protected by page granularity only.
        #expect(verdict("sys_call_table", 8 * 451 + 8) == .allowOnce(.silent))
    }

    @Test func trustedWritersAreAllowedOnlyFromInsideTheirFunctions() throws {
        let planned = try PlannedGuest([
            PlannedGuest.target(.range(from: "_stext", to: "_etext"), .deny, writers: ["text_poke", "__text_poke"])
        ])
        let engine = DecisionEngine(frames: ProtectedFrames(plan: planned.plan), symbols: planned.kernel.symbols)
        let gpa = planned.physical("x64_sys_call")
        let fromPatcher = engine.decide(gfn: gpa >> 12, offset: gpa & 0xFFF, access: .write, rip: planned.address("__text_poke") + 0x40)
        guard case .allowOnce(.target(_, _, .allowedTrustedWriter)) = fromPatcher else {
            Issue.record("a write from __text_poke is a trusted writer's, got \(fromPatcher)")
            return
        }
        let fromElsewhere = engine.decide(gfn: gpa >> 12, offset: gpa & 0xFFF, access: .write, rip: planned.address("commit_creds"))
        guard case .deny = fromElsewhere else {
            Issue.record("a write from commit_creds must be denied, got \(fromElsewhere)")
            return
        }
        // Executing protected text is not trapped by a write-only target.
        #expect(engine.decide(gfn: gpa >> 12, offset: gpa & 0xFFF, access: .execute, rip: 0) == .allowOnce(.silent))
    }
}
