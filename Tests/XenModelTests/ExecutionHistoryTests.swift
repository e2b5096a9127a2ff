import Testing
import XenModel

/// The model keeps a bounded history of retired instructions, so a guest that runs for hours
/// (`warden demo --hold`) does not grow it without limit.
@Suite struct ExecutionHistoryTests {
    @Test func retiredInstructionsAreForgottenOldestFirstAndSaySo() throws {
        let fixture = try ModelFixture()
        let writes = 2 * 4096 + 10
        var outcomes: [WriteOutcome] = []
        for index in 0..<writes {
            outcomes.append(fixture.overwriteTable(vcpu: 0, index: UInt64(index % 64)))
        }
        #expect(outcomes.allSatisfy { $0 == .completed(.executed) })
        let retired = try #require(fixture.model.vcpuStatus(0)?.retired)
        #expect(retired.count >= 4096 && retired.count < 2 * 4096)
        #expect(retired.last?.sequence == writes - 1)
        #expect(fixture.model.outcome(of: 0, on: 0) == .retiredOutOfHistory)
        #expect(fixture.model.outcome(of: writes - 1, on: 0) == .completed(.executed))
        // Sequences not issued yet are still "queued", not "forgotten".
        #expect(fixture.model.outcome(of: writes, on: 0) == .queued)
    }
}
