import Alerts
import Foundation
import Testing

@Suite struct AlertTimestampFormatting {
    @Test(arguments: [
        (Int64(0), Int32(0), "1970-01-01T00:00:00.000000Z"),
        (1_735_787_045, 123_456, "2025-01-02T03:04:05.123456Z"),
        (951_825_600, 7, "2000-02-29T12:00:00.000007Z"),
        (1_735_689_599, 999_999, "2024-12-31T23:59:59.999999Z"),
        (-1, 500_000, "1969-12-31T23:59:59.500000Z"),
        (253_402_300_799, 0, "9999-12-31T23:59:59.000000Z"),
    ])
    func rendersRFC3339InUTCWithMicroseconds(seconds: Int64, microseconds: Int32, expected: String) {
        #expect(AlertTimestamp(seconds: seconds, microseconds: microseconds).description == expected)
    }

    @Test func carriesOutOfRangeMicrosecondsIntoSeconds() {
        #expect(AlertTimestamp(seconds: 10, microseconds: 2_500_000) == AlertTimestamp(seconds: 12, microseconds: 500_000))
        #expect(AlertTimestamp(seconds: 10, microseconds: -1) == AlertTimestamp(seconds: 9, microseconds: 999_999))
    }

    @Test func nowIsTheWallClockTime() {
        let before = Date().timeIntervalSince1970
        let now = AlertTimestamp.now()
        let after = Date().timeIntervalSince1970
        let value = Double(now.seconds) + Double(now.microseconds) / 1e6
        #expect(value >= before - 0.001 && value <= after + 0.001)
        AlertSchema.check(AlertSamples.make(time: now))
    }

    @Test func ordersByInstant() {
        #expect(AlertTimestamp(seconds: 1, microseconds: 999_999) < AlertTimestamp(seconds: 2, microseconds: 0))
        #expect(!(AlertTimestamp(seconds: 2, microseconds: 1) < AlertTimestamp(seconds: 2, microseconds: 1)))
    }
}
