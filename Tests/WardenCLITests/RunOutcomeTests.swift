import ArgumentParser
import Enforcement
import Hypervisor
import Testing

@testable import warden

/// How `warden run` ends after the session stopped: what reaches stderr and the exit status.
@Suite struct RunOutcomeTests {
    @Test func aVMEventVersionMismatchEndsWardenRunWithThatErrorAndStatus1() {
        let mismatch = VMEventVersionMismatch(stamped: 8)
        let outcome = EnforcementDriver.Outcome(statistics: .init(), teardownFailures: [], versionMismatch: mismatch)
        #expect(throws: mismatch) { try Warden.Run.finish(outcome) }
        // ArgumentParser prints the message on stderr and exits with this code.
        #expect(Warden.exitCode(for: mismatch) == .failure)
        #expect(Warden.message(for: mismatch).contains("Xen stamped vm_event interface version 8"))
    }

    @Test func aStopOnRequestWithACleanTeardownIsNoError() throws {
        try Warden.Run.finish(EnforcementDriver.Outcome(statistics: .init(), teardownFailures: []))
    }

    /// A teardown that could not finish is a run-time failure (status 1, no usage text) that names
    /// `warden release`, with or without a version mismatch before it.
    @Test func anIncompleteTeardownEndsWithStatus1AndPointsAtRelease() {
        let failure = HypervisorError(operation: "xc_altp2m_set_domain_state", errno: 16)
        let outcome = EnforcementDriver.Outcome(statistics: .init(), teardownFailures: [failure])
        do {
            try Warden.Run.finish(outcome)
            Issue.record("an incomplete teardown must fail")
        } catch {
            #expect(Warden.exitCode(for: error) == .failure)
            #expect(Warden.message(for: error).contains("run `warden release`"))
            #expect(!Warden.fullMessage(for: error).contains("USAGE"))
        }
    }
}
