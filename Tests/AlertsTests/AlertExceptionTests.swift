import Alerts
import Testing
import WardenCore

/// Which policy change an alert leads to (`warden except`).
@Suite struct AlertExceptionTests {
    static let location = WardenCore.SourceLocation(file: "p.yaml", line: 6, column: 5)

    static func target(
        _ extent: TargetExtent = .symbol("sys_call_table"), _ action: PolicyAction = .deny, writers: [String] = [],
        exclusions: [Range<UInt64>] = []
    ) -> ProtectedTarget {
        ProtectedTarget(
            extent: extent, access: [.write], action: action, optional: false,
            writers: writers.map { WriterException(function: $0, location: location) },
            exclusions: exclusions.map { ExcludedBytes(offset: $0.lowerBound, length: UInt64($0.count), location: location) },
            rule: "p/\(extent)", location: location)
    }

    func refusal(_ alert: Alert, _ target: ProtectedTarget = target()) -> String? {
        do {
            let exception = try PolicyException(alert: alert, target: target)
            Issue.record("expected a refusal, got \(exception.change)")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func theKernelFunctionAWriteCameFromBecomesATrustedWriter() throws {
        let alert = AlertSamples.make(outcome: .alerted, ripSymbol: SymbolOffset(symbol: "proc_dostring", offset: 0x10))
        let exception = try PolicyException(alert: alert, target: Self.target(.symbol("modprobe_path"), .alert))
        #expect(exception.change == .writer("proc_dostring"))
        #expect(exception.entryLines() == [
            "  # warden except: alerted write at 2025-01-02T03:04:05.123456Z to sys_call_table+0x18, gla 0xffffffff82200018, "
                + "gpa 0x2200018, rip 0xffffffffc0a01234 (proc_dostring+0x10), domain 7 (web-1), vcpu 1",
            "  # rule linux-syscall-tables/sys_call_table at policies/linux-syscall-tables.yaml:12:5",
            "  # trusted writer proc_dostring added",
            "  - symbol: modprobe_path",
            "    action: alert",
            "    writers: [proc_dostring]",
        ])
    }

    @Test func withoutAFunctionTheFirstAccessedByteIsExcluded() throws {
        let exception = try PolicyException(alert: AlertSamples.make(ripSymbol: nil), target: Self.target())
        #expect(exception.change == .exclusion(offset: 0x18, length: 1))
        #expect(exception.comment.contains { $0.contains("is in no known kernel function") })
        #expect(exception.comment.contains { $0.contains("width is unknown") })
        #expect(exception.entryLines().last == "    exclude: [{offset: 0x18, length: 1}]")
    }

    @Test func theExclusionReachesTheLastByteSeenToChange() throws {
        let written = WrittenBytes(old: [1, 2, 3, 4, 5, 6, 7, 8], new: [9, 2, 9, 4, 5, 6, 7, 8])
        let alert = AlertSamples.make(outcome: .alerted, ripSymbol: nil, written: written)
        #expect(try PolicyException(alert: alert, target: Self.target(.symbol("t"), .alert)).change == .exclusion(offset: 0x18, length: 3))
        // Never past the target's end, nor into an exclusion it already has.
        let short = Self.target(.symbolWithLength("t", 0x1A), .alert)
        #expect(try PolicyException(alert: alert, target: short).change == .exclusion(offset: 0x18, length: 2))
        let excluded = Self.target(.symbol("t"), .alert, exclusions: [0x19..<0x20])
        #expect(try PolicyException(alert: alert, target: excluded).change == .exclusion(offset: 0x18, length: 1))
        #expect(try PolicyException(alert: alert, target: Self.target(.symbol("t"), .alert), length: 8).change == .exclusion(offset: 0x18, length: 8))
    }

    @Test(arguments: ["memcpy", "__memset", "rep_movs_alternative", "__put_user_8"])
    func sharedCopyRoutinesAreNeverTrusted(routine: String) throws {
        let alert = AlertSamples.make(ripSymbol: SymbolOffset(symbol: routine, offset: 4))
        let exception = try PolicyException(alert: alert, target: Self.target())
        #expect(exception.change == .exclusion(offset: 0x18, length: 1))
        #expect(exception.comment.contains { $0.contains("rip is in \(routine), which almost every kernel write goes through") })
    }

    @Test func executesAndAskedForExclusionsGetBytesNotWriters() throws {
        let execute = AlertSamples.make(access: .execute)
        #expect(try PolicyException(alert: execute, target: Self.target()).change == .exclusion(offset: 0x18, length: 1))
        #expect(try PolicyException(alert: AlertSamples.make(), target: Self.target(), preferExclusion: true).change == .exclusion(offset: 0x18, length: 1))
    }

    @Test func aGuestsSymbolNameCannotBreakOutOfTheComment() throws {
        let alert = AlertSamples.make(ripSymbol: SymbolOffset(symbol: AlertSamples.hostileSymbol, offset: 0))
        let exception = try PolicyException(alert: alert, target: Self.target())
        // Not a valid writer name either, so the bytes are excluded; no comment line holds a line break.
        #expect(exception.change == .exclusion(offset: 0x18, length: 1))
        #expect(exception.comment.allSatisfy { $0.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) } })
        #expect(exception.comment[0].contains("ev\"il]\\fn\\u{a}fake action=allowed"))
    }

    @Test func alertsThatNoPolicyChangeWouldHaveStoppedAreRefused() throws {
        #expect(refusal(AlertSamples.make(outcome: .allowedTrustedWriter))?.contains("already let through") == true)
        #expect(refusal(AlertSamples.make(outcome: .allowed))?.contains("already let through") == true)
        #expect(refusal(AlertSamples.make(reason: .emulationUnimplemented))?.contains("emulation-unimplemented") == true)
        #expect(refusal(AlertSamples.make(), Self.target(.symbol("t"), .allow))?.contains("now has action allow") == true)
        #expect(refusal(AlertSamples.make(), Self.target(writers: ["evil_init"]))?.contains("already a trusted writer") == true)
        #expect(refusal(AlertSamples.make(ripSymbol: nil), Self.target(exclusions: [0x10..<0x20]))?.contains("already excluded") == true)
        #expect(refusal(AlertSamples.make(), Self.target(.symbolWithLength("t", 0x18)))?.contains("past the end") == true)
    }

    @Test func namesYAMLWouldReadAsOtherTypesAreQuoted() throws {
        let alert = AlertSamples.make(ripSymbol: SymbolOffset(symbol: "null", offset: 0))
        let exception = try PolicyException(alert: alert, target: Self.target())
        #expect(exception.entryLines().last == "    writers: ['null']")
    }
}
