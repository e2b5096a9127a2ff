import Alerts
import Enforcement
import Testing
import WardenCore

/// `exclude:` in decisions: excluded bytes of the deciding target are let through silently.
@Suite struct ExclusionDecisionTests {
    static func target(_ extent: TargetExtent, _ action: PolicyAction, access: Set<ProtectedAccess> = [.write], excluding: [Range<UInt64>]) -> ProtectedTarget {
        var target = PlannedGuest.target(extent, action, access: access)
        target.exclusions = excluding.map { ExcludedBytes(offset: $0.lowerBound, length: UInt64($0.count), location: PlannedGuest.location) }
        return target
    }

    @Test func excludedBytesAreAllowedAndTheirNeighboursStillDenied() throws {
        let planned = try PlannedGuest([Self.target(.symbolWithLength("sys_call_table", 8 * 451), .deny, excluding: [0x18..<0x20])])
        let engine = DecisionEngine(frames: ProtectedFrames(plan: planned.plan), symbols: planned.kernel.symbols)
        func verdict(_ offset: UInt64) -> Verdict {
            let gpa = planned.physical("sys_call_table", plus: offset)
            return engine.decide(gfn: gpa >> 12, offset: gpa & 0xFFF, access: .write, rip: planned.address("commit_creds"))
        }
        #expect(verdict(0x18) == .allowOnce(.target(0, offset: 0x18, outcome: .allowed)))
        #expect(verdict(0x1F) == .allowOnce(.target(0, offset: 0x1F, outcome: .allowed)))
        #expect(verdict(0x17) == .deny(target: 0, offset: 0x17))
        #expect(verdict(0x20) == .deny(target: 0, offset: 0x20))
    }

    @Test func anEnclosingTargetDoesNotTakeBackAnInnerTargetsExclusion() throws {
        let planned = try PlannedGuest([
            Self.target(.range(from: "_stext", to: "_etext"), .alert, excluding: []),
            Self.target(.symbol("x64_sys_call"), .alert, excluding: [0..<1]),
        ])
        let engine = DecisionEngine(frames: ProtectedFrames(plan: planned.plan), symbols: planned.kernel.symbols)
        let gpa = planned.physical("x64_sys_call")
        let rip = planned.address("commit_creds")
        #expect(engine.decide(gfn: gpa >> 12, offset: gpa & 0xFFF, access: .write, rip: rip) == .allowOnce(.target(1, offset: 0, outcome: .allowed)))
        let next = gpa + 1
        #expect(engine.decide(gfn: next >> 12, offset: next & 0xFFF, access: .write, rip: rip) == .allowOnce(.target(1, offset: 1, outcome: .alerted)))
    }

    @Test func exclusionsCoverExecutesTooWhereTheTargetTrapsThem() throws {
        let planned = try PlannedGuest([Self.target(.symbol("x64_sys_call"), .deny, access: [.write, .execute], excluding: [0x10..<0x20])])
        let engine = DecisionEngine(frames: ProtectedFrames(plan: planned.plan), symbols: planned.kernel.symbols)
        let gpa = planned.physical("x64_sys_call", plus: 0x10)
        #expect(engine.decide(gfn: gpa >> 12, offset: gpa & 0xFFF, access: .execute, rip: 0) == .allowOnce(.target(0, offset: 0x10, outcome: .allowed)))
        let outside = planned.physical("x64_sys_call")
        #expect(engine.decide(gfn: outside >> 12, offset: outside & 0xFFF, access: .execute, rip: 0) == .deny(target: 0, offset: 0))
    }
}
