import Alerts
import Testing
import WardenCore

/// A test clock's instant: a plain offset from an arbitrary origin, so windows are exact.
struct TestInstant: InstantProtocol {
    var sinceOrigin: Duration

    static func seconds(_ value: Double) -> TestInstant { TestInstant(sinceOrigin: .milliseconds(Int64(value * 1000))) }
    func advanced(by duration: Duration) -> TestInstant { TestInstant(sinceOrigin: sinceOrigin + duration) }
    func duration(to other: TestInstant) -> Duration { other.sinceOrigin - sinceOrigin }
    static func < (lhs: TestInstant, rhs: TestInstant) -> Bool { lhs.sinceOrigin < rhs.sinceOrigin }
}

/// The throttle under test; every alert it lets out is schema-checked.
struct Throttled {
    var throttle: AlertThrottle<TestInstant>

    init(window: Duration = .seconds(10), capacity: Int = 1024) throws {
        throttle = try AlertThrottle(window: window, capacity: capacity)
    }

    mutating func admit(_ alert: Alert, at seconds: Double) -> [Alert] {
        AlertSchema.checked(throttle.admit(alert, at: .seconds(seconds)))
    }
    mutating func expire(at seconds: Double) -> [Alert] { AlertSchema.checked(throttle.expire(at: .seconds(seconds))) }
    mutating func flush() -> [Alert] { AlertSchema.checked(throttle.flush()) }
}

@Suite struct AlertFloodControl {
    /// The nth alert of a flood: its own time and vCPU, same kind.
    func occurrence(_ n: Int, vcpu: UInt32 = 0, rip: UInt64 = 0xffff_ffff_c0a0_1234, outcome: AlertOutcome = .denied) -> Alert {
        AlertSamples.make(outcome: outcome, time: AlertTimestamp(seconds: 1_735_787_045 + Int64(n), microseconds: 0), vcpu: vcpu, rip: rip)
    }

    @Test func passesTheFirstAlertAndCountsRepeatsIntoOneSummaryWhenTheWindowCloses() throws {
        var throttle = try Throttled()
        #expect(throttle.admit(occurrence(0), at: 0) == [occurrence(0)])
        for n in 1...5 { #expect(throttle.admit(occurrence(n, vcpu: UInt32(n % 2)), at: Double(n)).isEmpty) }
        #expect(throttle.expire(at: 9.999).isEmpty)
        let summaries = throttle.expire(at: 10)
        #expect(summaries.count == 1)
        var expected = occurrence(5, vcpu: 1)
        expected.repeats = 5
        expected.repeatedSince = occurrence(1).time
        #expect(summaries == [expected])
        #expect(throttle.throttle.trackedKinds == 0)
    }

    @Test func reportsAgainAfterTheWindowWithoutASummaryWhenNothingRepeated() throws {
        var throttle = try Throttled()
        #expect(throttle.admit(occurrence(0), at: 0).count == 1)
        #expect(throttle.admit(occurrence(1), at: 10.5) == [occurrence(1)])
    }

    @Test func emitsTheClosedWindowsSummaryBeforeTheNextAlertOfTheSameKind() throws {
        var throttle = try Throttled(window: .seconds(2))
        _ = throttle.admit(occurrence(0), at: 0)
        _ = throttle.admit(occurrence(1), at: 1)
        let out = throttle.admit(occurrence(3), at: 3)
        #expect(out.map(\.repeats) == [1, 0])
        #expect(out.last == occurrence(3))
    }

    @Test func keepsDifferentKindsApart() throws {
        var throttle = try Throttled()
        #expect(throttle.admit(occurrence(0), at: 0).count == 1)
        #expect(throttle.admit(occurrence(1, rip: 0xffff_ffff_8100_0000), at: 1).count == 1)
        #expect(throttle.admit(occurrence(2, outcome: .alerted), at: 2).count == 1)
        var otherDomain = occurrence(3)
        otherDomain.domain = AlertDomain(id: 8, name: "db-1")
        #expect(throttle.admit(otherDomain, at: 3).count == 1)
        var otherOffset = occurrence(4)
        otherOffset.target.offset += 8
        #expect(throttle.admit(otherOffset, at: 4).count == 1)
        #expect(throttle.admit(occurrence(5, vcpu: 3), at: 5).isEmpty, "another vCPU is the same kind")
        #expect(throttle.throttle.trackedKinds == 5)
    }

    @Test func flushSummarisesEveryOpenWindowOldestFirstAndForgetsThem() throws {
        var throttle = try Throttled()
        _ = throttle.admit(occurrence(0), at: 0)
        _ = throttle.admit(occurrence(1, rip: 1), at: 1)
        _ = throttle.admit(occurrence(2, rip: 1), at: 2)
        _ = throttle.admit(occurrence(3), at: 3)
        _ = throttle.admit(occurrence(4), at: 4)
        let out = throttle.flush()
        #expect(out.map(\.repeats) == [2, 1])
        #expect(out.map(\.rip) == [0xffff_ffff_c0a0_1234, 1])
        #expect(out.first?.repeatedSince == occurrence(3).time)
        #expect(throttle.throttle.trackedKinds == 0)
        #expect(throttle.flush().isEmpty)
        #expect(throttle.admit(occurrence(5), at: 5).count == 1, "after a flush the next alert is new again")
    }

    @Test func evictsTheOldestKindAtCapacityEmittingItsSummaryEarly() throws {
        var throttle = try Throttled(capacity: 2)
        _ = throttle.admit(occurrence(0, rip: 1), at: 0)
        _ = throttle.admit(occurrence(1, rip: 1), at: 1)
        _ = throttle.admit(occurrence(2, rip: 2), at: 2)
        let out = throttle.admit(occurrence(3, rip: 3), at: 3)
        #expect(out.map(\.rip) == [1, 3])
        #expect(out.map(\.repeats) == [1, 0])
        #expect(throttle.throttle.evictions == 1)
        #expect(throttle.throttle.trackedKinds == 2)
        #expect(throttle.admit(occurrence(4, rip: 4), at: 4).map(\.rip) == [4], "rip 2 had no repeats: no summary")
        #expect(throttle.throttle.evictions == 2)
    }

    @Test func staysBoundedUnderManyDistinctKinds() throws {
        var throttle = try Throttled(capacity: 16)
        var emitted = 0
        for n in 0..<10_000 { emitted += throttle.admit(occurrence(n, rip: UInt64(n % 100)), at: Double(n) / 1000).count }
        #expect(throttle.throttle.trackedKinds <= 16)
        emitted += throttle.flush().count
        #expect(emitted >= 100)
        #expect(throttle.throttle.evictions > 0)
    }

    @Test(arguments: [(Duration.zero, 1), (.seconds(-1), 1), (.seconds(10), 0)])
    func refusesAWindowOrCapacityThatCannotWork(window: Duration, capacity: Int) {
        #expect(throws: AlertThrottleError.self) { try AlertThrottle<TestInstant>(window: window, capacity: capacity) }
    }

    @Test func worksWithTheContinuousClock() throws {
        var throttle = try AlertThrottle<ContinuousClock.Instant>()
        let start = ContinuousClock.now
        #expect(throttle.admit(occurrence(0), at: start).count == 1)
        #expect(throttle.admit(occurrence(1), at: start + .seconds(1)).isEmpty)
        #expect(AlertSchema.checked(throttle.expire(at: start + .seconds(10))).map(\.repeats) == [1])
    }
}
