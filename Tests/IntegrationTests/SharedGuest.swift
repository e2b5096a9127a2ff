import Foundation
import Testing

/// The one guest a suite's tests share: booted by the first test that asks, shut down when the
/// suite ends (see `SharedGuestTrait`). A failed boot is remembered, so every later test of the
/// suite fails with the same reason instead of booting again.
actor SharedGuest {
    @TaskLocal static var current: SharedGuest?

    let configuration: GuestConfiguration
    private var booting: Task<RunningGuest, any Error>?

    init(configuration: GuestConfiguration) {
        self.configuration = configuration
    }

    /// The running guest of the enclosing `.sharedGuest(…)` suite.
    static func running() async throws -> RunningGuest {
        guard let shared = current else {
            throw HarnessError.bootFailed("no shared guest: the suite lacks the .sharedGuest(…) trait")
        }
        return try await shared.guest()
    }

    func guest() async throws -> RunningGuest {
        if let booting { return try await booting.value }
        let configuration = configuration
        let task = Task { try await QemuGuest.boot(configuration) }
        booting = task
        let guest = try await task.value
        let seconds = Double(guest.bootDuration.components.seconds) + Double(guest.bootDuration.components.attoseconds) / 1e18
        print("integration: \(configuration) booted in \(String(format: "%.1f", seconds)) s")
        return guest
    }

    /// Shuts the guest down if it was booted; records an issue should QEMU somehow survive.
    func shutdown() async {
        guard let booting else { return }
        self.booting = nil
        guard let guest = try? await booting.value else { return }
        await guest.shutdown()
        if await guest.isRunning { Issue.record("QEMU of \(configuration) still runs after shutdown") }
    }
}

/// Gives a suite one lazily booted guest of `configuration` and guarantees its shutdown when the
/// suite's tests are done, however they ended. Not recursive: one scope for the whole suite.
struct SharedGuestTrait: SuiteTrait, TestScoping {
    let configuration: GuestConfiguration

    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let shared = SharedGuest(configuration: configuration)
        do {
            try await SharedGuest.$current.withValue(shared) { try await function() }
        } catch {
            await shared.shutdown()
            throw error
        }
        await shared.shutdown()
    }
}

extension Trait where Self == SharedGuestTrait {
    /// `@Suite(.sharedGuest(.fiveLevel))`: the suite's tests share a guest of that configuration.
    static func sharedGuest(_ configuration: GuestConfiguration) -> Self {
        SharedGuestTrait(configuration: configuration)
    }
}

extension Trait where Self == ConditionTrait {
    /// Skips with the list of what is missing; in CI (`CI=true`) runs anyway, so the gap fails.
    static func requiresGuest(_ configuration: GuestConfiguration) -> Self {
        .enabled(
            if: IntegrationEnvironment.shouldRun(configuration),
            Comment(rawValue: IntegrationEnvironment.skipReason(configuration)))
    }
}

extension Trait where Self == ConditionTrait {
    /// kallsyms-finder is the image path's reference; skipped without it, failed in CI.
    static var requiresKallsymsFinder: Self {
        .enabled(
            if: ImageGroundTruth.toolAvailable || IntegrationEnvironment.isCI,
            "kallsyms-finder missing: run scripts/setup --integration")
    }

    /// The `warden` executable, built beside the test runner; skipped without it, failed in CI.
    static var requiresWardenExecutable: Self {
        .enabled(
            if: WardenCLIChecks.available || IntegrationEnvironment.isCI,
            "the warden executable is not built beside the test runner (swift build --build-tests)")
    }
}
