/// What `AddressSpace.copyMapped` copied from a guest-virtual range and what it left as zeros: pages
/// the page tables do not map (boot unmaps the parts of the kernel image it frees), and pages that
/// translate but whose frame the memory source could not read (a frame Xen would not map, a hole in
/// a dump). A search that finds nothing in such a copy reports this, so its reader can tell "not
/// there" from "not readable".
public struct CopyCoverage: Sendable, Equatable, CustomStringConvertible {
    /// A frame that translated but could not be read, and why.
    public struct UnreadableFrame: Sendable, Equatable {
        public var gfn: UInt64
        public var error: GuestMemoryError
    }

    public let virtualStart: UInt64
    public let byteCount: Int
    /// 4 KiB virtual pages the range touches.
    public let pages: Int
    public private(set) var copiedBytes = 0
    /// From the lowest guest-physical byte copied to past the highest; nil when nothing was copied.
    public private(set) var physicalSpan: PhysicalRange?
    public private(set) var unmappedPages = 0
    public private(set) var firstUnmapped: UInt64?
    public private(set) var unreadablePages = 0
    public private(set) var firstUnreadable: UnreadableFrame?
    /// Every frame that could not be read, in the order met.
    public private(set) var unreadableGFNs: [UInt64] = []

    public init(virtualStart: UInt64, byteCount: Int) {
        self.virtualStart = virtualStart
        self.byteCount = byteCount
        let end = virtualStart &+ UInt64(max(byteCount, 1)) &- 1
        pages = byteCount > 0 ? Int((end >> 12) &- (virtualStart >> 12)) + 1 : 0
    }

    /// True when every page of the range was copied.
    public var isComplete: Bool { unmappedPages == 0 && unreadablePages == 0 }

    mutating func noteCopied(physical: UInt64, length: Int) {
        copiedBytes += length
        let end = physical + UInt64(length)
        physicalSpan = physicalSpan.map { PhysicalRange(start: min($0.start, physical), end: max($0.end, end)) }
            ?? PhysicalRange(start: physical, end: end)
    }

    mutating func noteUnmapped(virtual: UInt64) {
        unmappedPages += 1
        if firstUnmapped == nil { firstUnmapped = virtual }
    }

    mutating func noteUnreadable(physical: UInt64, _ error: GuestMemoryError) {
        unreadablePages += 1
        unreadableGFNs.append(physical >> 12)
        if firstUnreadable == nil { firstUnreadable = UnreadableFrame(gfn: physical >> 12, error: error) }
    }

    /// E.g. `guest-virtual 0xffffffff81000000–0xffffffff84600000 (54 MiB; gpa 0x1000000–0x4600000): 1 of
    /// 13,824 pages could not be read (first at gfn 0x2410: …); 1,402 pages not mapped by the page
    /// tables (first at 0xffffffff82a00000); both searched as zeros`.
    public var description: String {
        let end = virtualStart &+ UInt64(byteCount)
        var text = "guest-virtual \(hex(virtualStart))–\(hex(end)) (\(Self.size(byteCount))"
        if let span = physicalSpan { text += "; gpa \(hex(span.start))–\(hex(span.end))" }
        text += ")"
        guard !isComplete else { return text + ": every page read" }
        var losses: [String] = []
        if let first = firstUnreadable {
            losses.append(
                "\(Self.count(unreadablePages)) of \(Self.count(pages)) pages could not be read "
                    + "(first at gfn \(hex(first.gfn)): \(first.error))")
        }
        if let first = firstUnmapped {
            losses.append(
                "\(Self.count(unmappedPages)) of \(Self.count(pages)) pages not mapped by the page tables "
                    + "(first at \(hex(first)))")
        }
        return text + ": " + losses.joined(separator: "; ") + "; read as zeros"
    }

    /// Whole MiB when exact, else bytes.
    static func size(_ bytes: Int) -> String {
        bytes > 0 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(count(bytes)) bytes"
    }

    /// Decimal with thousands separators: 13,824.
    static func count(_ value: Int) -> String {
        let digits = Array(String(value.magnitude))
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return value < 0 ? "-" + grouped : grouped
    }
}
