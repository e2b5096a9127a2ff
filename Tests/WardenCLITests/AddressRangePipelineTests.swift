import Foundation
import SyntheticGuest
import Testing
import WardenCore

@testable import warden

/// `physical:` and `virtual:` targets from a policy file through the pipeline `warden plan` and
/// `warden run` share, on the generated guest.
@Suite struct AddressRangePipelineTests {
    @Test func planAndRunResolveAddressRangeTargetsFromAPolicyFile() throws {
        let guest = try SyntheticGuest()
        let directMap = SyntheticGuest.directMapBase + 0x380_0000
        let yaml = """
            warden-policy: 1
            name: frames
            targets:
              - physical: {start: 0x3800000, length: 0x2000}
                action: alert
              - virtual: {start: 0x\(String(directMap, radix: 16)), length: 4096}
                action: alert
              - symbol: sys_call_table

            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("frames-\(UUID().uuidString).yaml").path
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }

        let targets = try PolicySet.load(paths: [path]).targets
        let resolved = try PlanPipeline.resolve(targets: targets, memory: guest.memory, registers: guest.vcpuRegisters(), symbolFile: nil)
        let plan = resolved.plan
        #expect(plan.targets.map(\.target.rule) == ["frames/physical:0x3800000+8192", "frames/virtual:0x\(String(directMap, radix: 16))+4096", "frames/sys_call_table"])
        #expect(plan.targets[0].frames.map(\.gfn) == [0x3800, 0x3801])
        // The virtual range is the direct map's view of the physical range's first frame.
        #expect(plan.targets[1].frames.map(\.gfn) == [0x3800])
        #expect(plan.distinctFrames == 2 + plan.targets[2].frames.count)
        // The attach line still names where the symbols came from, though the first target has none.
        #expect(Warden.Run.attachLine(resolved).contains("; symbols: kallsyms in guest memory"))
    }
}
