@testable import Enforcement
import Testing
import WardenCore

/// The per-event frame lookup against a brute-force reading of the plan.
@Suite struct FrameLookupTests {
    /// Nested, overlapping and neighbouring targets: a span of .rodata holding one table and half of
    /// another, and two deny strings in one frame. Every offset of every protected frame resolves to the
    /// smallest covering target (plan order among equals), with the same offset into it.
    @Test func everyProtectedByteResolvesToTheSmallestCoveringTarget() throws {
        let planned = try PlannedGuest([
            PlannedGuest.target(.symbolWithLength("__start___ex_table", 0x1_1400), .alert),
            PlannedGuest.target(.symbol("sys_call_table"), .alert),
            PlannedGuest.target(.symbol("ia32_sys_call_table"), .alert),
            PlannedGuest.target(.symbol("modprobe_path"), .deny),
            PlannedGuest.target(.symbol("core_pattern"), .deny),
        ])
        let frames = ProtectedFrames(plan: planned.plan)
        #expect(planned.plan.targets.allSatisfy { !$0.frames.isEmpty })
        for gfn in frames.accessByFrame.keys {
            for offset in stride(from: UInt64(0), to: 4096, by: 3) {
                let found = frames.targetIndex(gfn: gfn, offset: offset)
                let expected = Self.reference(planned.plan, gfn: gfn, offset: offset)
                #expect(found?.index == expected?.index && found?.offsetInTarget == expected?.offset, "gfn \(gfn) offset \(offset)")
            }
        }
        #expect(frames.targetIndex(gfn: 1 << 40, offset: 0) == nil)
    }

    /// Frame numbers chosen so every one hashes to the same home slot: each is still found, an absent
    /// one with the same home is not, and neither lookup runs past the table.
    @Test func collidingFrameNumbersAreAllFoundAndAbsentOnesEndAtAnEmptySlot() {
        // 0x9E3779B97F4A7C15 × inverse ≡ 1 (mod 2^64), so gfn k × inverse hashes to k before the shift.
        let inverse: UInt64 = 0xF1DE_83E1_9937_733D
        #expect(0x9E37_79B9_7F4A_7C15 &* inverse == 1)
        let gfns = (0..<1000).map { UInt64($0) &* inverse }
        let index = FrameIndex(gfns.enumerated().map { ($0.element, $0.offset..<($0.offset + 1)) })
        for (position, gfn) in gfns.enumerated() {
            #expect(index.spans(of: gfn) == position..<(position + 1))
        }
        #expect(index.spans(of: 1000 &* inverse) == nil)
        #expect(index.spans(of: FrameIndex.empty) == nil)
        #expect(FrameIndex([]).spans(of: 0) == nil)
    }

    static func reference(_ plan: ProtectionPlan, gfn: UInt64, offset: UInt64) -> (index: Int, offset: UInt64)? {
        var best: (index: Int, offset: UInt64)?
        for (index, planned) in plan.targets.enumerated() {
            var into: UInt64 = 0
            for frame in planned.frames {
                if frame.gfn == gfn, offset >= frame.offset, offset < frame.offset + frame.length,
                    best.map({ planned.size < plan.targets[$0.index].size }) ?? true
                {
                    best = (index, into + offset - frame.offset)
                }
                into += frame.length
            }
        }
        return best
    }
}
