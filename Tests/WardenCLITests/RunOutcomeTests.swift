import ArgumentParser
import Enforcement
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
}
