import Glibc

/// A UTC instant with microsecond resolution, rendered as RFC 3339 (`2025-01-02T03:04:05.123456Z`).
///
/// Integer seconds and microseconds rather than `Date`: a Double of seconds can round a microsecond
/// the wrong way, and alert times must print the same everywhere.
public struct AlertTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var seconds: Int64
    /// 0 ..< 1_000_000.
    public var microseconds: Int32

    /// Normalises `microseconds` into 0 ..< 1_000_000 by carrying whole seconds.
    public init(seconds: Int64, microseconds: Int32) {
        let carry = Int64(microseconds.floorDividedBy1M)
        self.seconds = seconds + carry
        self.microseconds = microseconds - Int32(carry) * 1_000_000
    }

    /// The current wall-clock time (CLOCK_REALTIME).
    public static func now() -> AlertTimestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return AlertTimestamp(seconds: Int64(spec.tv_sec), microseconds: Int32(spec.tv_nsec / 1000))
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.seconds, lhs.microseconds) < (rhs.seconds, rhs.microseconds)
    }

    /// RFC 3339 in UTC with exactly six fractional digits; also a valid RFC 5424 TIMESTAMP.
    public var description: String {
        let (year, month, day) = Self.civilDate(daysSinceEpoch: seconds.floorDivided(by: 86_400))
        let secondOfDay = seconds - seconds.floorDivided(by: 86_400) * 86_400
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(Int64(microseconds), 6))Z"
    }

    /// Proleptic Gregorian date of a day count (Howard Hinnant's `civil_from_days`); pure arithmetic,
    /// so it needs no time-zone state and cannot fail the way `gmtime_r` can for far-off years.
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = shifted.floorDivided(by: 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// Zero-padded decimal; years before 0 or after 9999 simply print wider.
private func pad(_ value: Int64, _ width: Int) -> String {
    let digits = String(value.magnitude)
    let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
    return value < 0 ? "-" + padded : padded
}

extension Int64 {
    /// Division rounding toward negative infinity, so times before 1970 land on the right day.
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

extension Int32 {
    fileprivate var floorDividedBy1M: Int32 {
        let quotient = self / 1_000_000
        return (self % 1_000_000 != 0 && self < 0) ? quotient - 1 : quotient
    }
}
