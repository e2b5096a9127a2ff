import Foundation
import ElfReader

/// Where a RAM backend's bytes appear in the guest-physical address space, read from QEMU's
/// `info mtree -f` rather than assumed: on pc/q35 the backend file is contiguous while the guest
/// sees its first part below the PCI hole and the rest from 4 GiB up. QEMU 7.2 prints, e.g.:
///
///     FlatView #0
///      AS "memory", root: system
///      AS "cpu-memory-0", root: system
///      Root memory region: system
///       0000000000000000-000000000009ffff (prio 0, ram): ram0
///       0000000000100000-000000007fffffff (prio 0, ram): ram0 @0000000000100000
///       0000000100000000-00000001bfffffff (prio 0, ram): ram0 @0000000080000000
///
/// Ranges are inclusive; `@offset` is the offset inside the named region (absent means 0), which
/// for a memory-backend-file is the offset in its file.
public enum QemuMemoryLayout {
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var line: Int
        public var problem: String
        public init(line: Int, problem: String) {
            self.line = line
            self.problem = problem
        }
        public var description: String { "info mtree -f, line \(line): \(problem)" }
    }

    /// The segments of region `region` in the flat view of address space "memory" (the system
    /// address space the vCPUs see outside SMM).
    public static func segments(mtree text: String, region: String) throws(ParseError) -> [PhysicalSegment] {
        // HMP output ends lines with "\r\n", a single Character: split on isNewline.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        var inSystemView = false
        var sawSystemView = false
        var segments: [PhysicalSegment] = []
        for (index, line) in lines.enumerated() {
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("FlatView #") {
                inSystemView = false
                continue
            }
            if trimmed.hasPrefix("AS \"memory\",") {
                inSystemView = true
                sawSystemView = true
                continue
            }
            guard inSystemView, let entry = try parseEntry(trimmed, line: index + 1) else { continue }
            guard entry.kind == "ram", entry.name == region else { continue }
            segments.append(PhysicalSegment(physical: entry.start, fileOffset: entry.offset, length: entry.length))
        }
        guard sawSystemView else {
            throw ParseError(line: 1, problem: "no flat view of address space \"memory\" in the output")
        }
        return segments
    }

    struct Entry: Equatable {
        var start: UInt64
        var length: UInt64
        var kind: String
        var name: String
        var offset: UInt64
    }

    /// One `START-END (prio P, KIND): NAME [@OFFSET]` line; nil for lines of another shape
    /// (headers, "No rendered FlatView").
    static func parseEntry(_ text: Substring, line: Int) throws(ParseError) -> Entry? {
        guard let dash = text.firstIndex(of: "-"), let open = text.range(of: " ("),
            let close = text.range(of: "): "), dash < open.lowerBound, open.upperBound <= close.lowerBound
        else { return nil }
        let startText = text[..<dash]
        let endText = text[text.index(after: dash)..<open.lowerBound]
        guard startText.allSatisfy(\.isHexDigit), endText.allSatisfy(\.isHexDigit) else { return nil }
        guard let start = UInt64(startText, radix: 16), let end = UInt64(endText, radix: 16), end >= start
        else { throw ParseError(line: line, problem: "bad address range \"\(startText)-\(endText)\"") }
        let (length, overflow) = (end - start).addingReportingOverflow(1)
        guard !overflow else { throw ParseError(line: line, problem: "range covers the whole 64-bit space") }
        let attributes = text[open.upperBound..<close.lowerBound].split(separator: ",")
        let kind = attributes.last.map { String($0.drop { $0 == " " }) } ?? ""
        let words = text[close.upperBound...].split(separator: " ")
        guard !words.isEmpty else { throw ParseError(line: line, problem: "entry has no region name") }
        // The name runs up to the first "@hex" word; anything after it is annotation.
        var nameWords: [Substring] = []
        var offset: UInt64 = 0
        for word in words {
            if word.hasPrefix("@"), word.count > 1, word.dropFirst().allSatisfy(\.isHexDigit) {
                guard let value = UInt64(word.dropFirst(), radix: 16) else {
                    throw ParseError(line: line, problem: "bad region offset \"\(word)\"")
                }
                offset = value
                break
            }
            nameWords.append(word)
        }
        return Entry(start: start, length: length, kind: kind, name: nameWords.joined(separator: " "), offset: offset)
    }
}
