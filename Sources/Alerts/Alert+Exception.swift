import WardenCore

/// Why an alert does not lead to a policy exception.
public struct ExceptionRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}

extension PolicyException {
    /// Where the store instruction of almost every kernel write sits (arch/x86/lib: memcpy_64.S,
    /// memset_64.S, memmove_64.S, copy_user_64.S, putuser.S, clear_page_64.S; lib/string.c). Trusting
    /// one would excuse nearly every write to the target, so an alert from inside one gets the
    /// narrowest exclusion instead (policies/README.md says the same about `writers`).
    static let sharedWriteRoutines: Set<String> = [
        "memcpy", "__memcpy", "memcpy_orig", "memcpy_erms", "memmove", "__memmove", "memset", "__memset", "memset_orig",
        "memset_erms", "__memcpy_flushcache", "copy_page", "clear_page_orig", "clear_page_rep", "clear_page_erms",
        "rep_movs_alternative", "rep_stos_alternative", "copy_user_generic_unrolled", "copy_user_enhanced_fast_string",
        "copy_user_generic_string", "__copy_user_nocache", "copy_mc_fragile", "copy_mc_enhanced_fast_string",
        "__put_user_1", "__put_user_2", "__put_user_4", "__put_user_8", "__put_user_nocheck_1", "__put_user_nocheck_2",
        "__put_user_nocheck_4", "__put_user_nocheck_8", "strcpy", "strncpy", "strscpy", "strlcpy", "sized_strscpy",
    ]

    /// The exception that would have let `alert`'s access through `target` (the target its rule
    /// names): the function its instruction pointer is in as a trusted writer, or else the narrowest
    /// exclusion, the bytes from the first one accessed to the last one seen to change.
    /// - Parameters:
    ///   - preferExclusion: exclude the bytes even when a writer would do.
    ///   - length: the exclusion's length instead of the one the alert's bytes suggest.
    public init(alert: Alert, target: ProtectedTarget, preferExclusion: Bool = false, length: UInt64? = nil) throws(ExceptionRefusal) {
        switch alert.outcome {
        case .allowed, .allowedTrustedWriter:
            throw ExceptionRefusal("the alert's access was already let through (action \(alert.outcome.rawValue)); nothing to except")
        case .foundAtAttach:
            throw ExceptionRefusal(
                "the alert reports a structure found changed when Warden attached, not an access; no policy change "
                    + "makes the guest's own state right (see on-compromised-at-attach in policies/README.md)")
        case .denied, .alerted, .logged: break
        }
        if alert.reason == .emulationUnimplemented {
            throw ExceptionRefusal(
                "the write was refused because Xen's emulator cannot run its instruction (reason emulation-unimplemented), "
                    + "not by the policy, so no policy change lets it through; on a CPU with the Monitor Trap Flag an "
                    + "allowed write is single-stepped instead")
        }
        if target.action == .allow {
            throw ExceptionRefusal("\(target.rule) at \(target.location) now has action allow, which lets every access through")
        }
        if let size = target.extent.policyLength, alert.target.offset >= size {
            throw ExceptionRefusal(
                "the alert's target.offset \(hexAddress(alert.target.offset)) lies past the end of \(target.extent) "
                    + "(\(size) bytes); was the policy changed since the alert?")
        }
        let comment = Self.describe(alert)
        if let writer = alert.ripSymbol?.symbol, Self.writerProblem(alert, writer: writer, preferExclusion: preferExclusion) == nil {
            if target.writers.contains(where: { $0.function == writer }) {
                throw ExceptionRefusal(
                    "\(writer) is already a trusted writer of \(target.rule); the alert predates that entry, or the "
                        + "kernel's \(writer) was not where the symbols said")
            }
            self.init(target: target, change: .writer(writer), comment: comment + ["trusted writer \(writer) added"])
            return
        }
        let why = Self.writerProblem(alert, writer: alert.ripSymbol?.symbol, preferExclusion: preferExclusion) ?? ""
        let (range, widthNote) = try Self.narrowestExclusion(alert, target: target, length: length)
        self.init(
            target: target, change: .exclusion(offset: range.lowerBound, length: UInt64(range.count)),
            comment: comment + ["bytes +\(hexAddress(range.lowerBound))..+\(hexAddress(range.upperBound)) excluded: \(why)", widthNote])
    }

    /// Why the alert's function cannot be the exception; nil when it can.
    static func writerProblem(_ alert: Alert, writer: String?, preferExclusion: Bool) -> String? {
        if preferExclusion { return "an exclusion was asked for" }
        guard alert.access == .write else { return "the access was an execute, and writers excuse writes only" }
        guard let writer else {
            return "rip \(alert.rip.map(hexAddress) ?? "unknown") is in no known kernel function (module code, or memory with no symbol)"
        }
        if let problem = Policy.symbolNameProblem(writer) { return "rip's symbol cannot be a writer: \(problem)" }
        if sharedWriteRoutines.contains(writer) {
            return "rip is in \(writer), which almost every kernel write goes through; trusting it would excuse nearly "
                + "every write (if you know the function that called it, name that one in writers instead)"
        }
        return nil
    }

    /// From the first accessed byte to the last one seen to change, within the target and before
    /// any exclusion it already has.
    static func narrowestExclusion(_ alert: Alert, target: ProtectedTarget, length: UInt64?) throws(ExceptionRefusal) -> (Range<UInt64>, String) {
        let offset = alert.target.offset
        if let existing = target.exclusions.first(where: { $0.range.contains(offset) }) {
            throw ExceptionRefusal(
                "byte +\(hexAddress(offset)) of \(target.rule) is already excluded at \(existing.location); the alert predates that entry")
        }
        var width: UInt64
        var note: String
        if let length {
            (width, note) = (length, "the length was given on the command line")
        } else if let written = alert.written, written.old.count == written.new.count,
            let last = written.old.indices.last(where: { written.old[$0] != written.new[$0] })
        {
            width = UInt64(last + 1)
            note = "it covers the bytes the write was seen to change; widen length if the write is wider"
        } else {
            width = 1
            note = "the write's width is unknown (no bytes were captured), so only its first byte is excluded, which is "
                + "where Warden decides; widen length to let more through"
        }
        var end = offset + width
        if let size = target.extent.policyLength { end = min(end, size) }
        if let next = target.exclusions.map(\.offset).filter({ $0 > offset }).min() { end = min(end, next) }
        return (offset..<end, note)
    }

    /// The alert in two comment lines: what happened, when and where, and the rule that decided.
    static func describe(_ alert: Alert) -> [String] {
        let rip = (alert.rip.map(hexAddress) ?? "unknown") + (alert.ripSymbol.map { " (\($0))" } ?? "")
        return [
            "warden except: \(alert.outcome.rawValue) \(alert.access.rawValue) at \(alert.time) to \(alert.target), "
                + "gla \(alert.gla.map(hexAddress) ?? "unknown"), gpa \(alert.gpa.map(hexAddress) ?? "unknown"), rip \(rip), "
                + "domain \(alert.domain.id) (\(alert.domain.name)), vcpu \(alert.vcpu.map(String.init) ?? "none")",
            "rule \(alert.rule) at \(alert.policy)",
        ]
    }
}
