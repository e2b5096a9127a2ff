import WardenCore

/// Writable guest-physical memory over a read-only source (an ELF core, a live guest's RAM): reads
/// fall through to the source until a page is written; a write first copies the whole 4 KiB page it
/// touches into private memory and changes only that copy. The source is never written.
///
/// Only RAM the source backs can be written, so a hostile address fails as the source's own reads do.
/// Private copies are bounded by `maxPrivatePages`; a write needing more fails with `.unreadable`.
public final class CopyOnWriteMemory: WritableGuestMemory {
    public static let pageSize = 4096
    private static let pageMask = UInt64(pageSize - 1)

    public let base: any GuestPhysicalMemory
    public let maxPrivatePages: Int
    private var pages: [UInt64: [UInt8]] = [:]

    /// - Parameters:
    ///   - base: the memory read through; never written.
    ///   - maxPrivatePages: at most this many pages are copied (default 65,536: 256 MiB).
    public init(over base: any GuestPhysicalMemory, maxPrivatePages: Int = 65_536) {
        self.base = base
        self.maxPrivatePages = max(0, maxPrivatePages)
    }

    public var sourceDescription: String { "\(base.sourceDescription) (copy-on-write)" }
    public var ramRanges: [PhysicalRange] { base.ramRanges }

    /// How many pages have been copied so far.
    public var privatePageCount: Int { pages.count }

    /// Guest frame numbers of the copied pages, ascending.
    public var privateFrames: [UInt64] { pages.keys.sorted() }

    public func read(physical: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(GuestMemoryError) {
        guard !buffer.isEmpty else { return }
        let end = try Self.end(of: physical, buffer.count)
        guard !pages.isEmpty else { return try base.read(physical: physical, into: buffer) }
        var address = physical
        while address < end {
            let frame = address >> 12
            let offset = Int(address & Self.pageMask)
            let length = Int(min(UInt64(Self.pageSize - offset), end - address))
            let done = Int(address - physical)
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + length)])
            if let page = pages[frame] {
                page.withUnsafeBytes { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + length)])) }
            } else {
                try base.read(physical: address, into: target)
            }
            address += UInt64(length)
        }
    }

    public func write(physical: UInt64, bytes: [UInt8]) throws(GuestMemoryError) {
        guard !bytes.isEmpty else { return }
        let end = try Self.end(of: physical, bytes.count)
        // Copy every page first, so a write that fails part-way changes nothing.
        let frames = Array((physical >> 12)...((end - 1) >> 12))
        let missing = frames.filter { pages[$0] == nil }
        guard pages.count + missing.count <= maxPrivatePages else {
            throw .unreadable(
                physical: physical, reason: "copy-on-write limit of \(maxPrivatePages) private pages reached")
        }
        var copies: [UInt64: [UInt8]] = [:]
        for frame in missing { copies[frame] = try base.readBytes(physical: frame << 12, count: Self.pageSize) }
        pages.merge(copies) { current, _ in current }
        for frame in frames {
            let pageStart = frame << 12
            let from = max(physical, pageStart)
            let to = min(end, pageStart + UInt64(Self.pageSize))
            let source = Int(from - physical)..<Int(to - physical)
            let offset = Int(from - pageStart)
            pages[frame]?.replaceSubrange(offset..<(offset + source.count), with: bytes[source])
        }
    }

    private static func end(of physical: UInt64, _ count: Int) throws(GuestMemoryError) -> UInt64 {
        let (end, overflow) = physical.addingReportingOverflow(UInt64(count))
        guard !overflow else { throw .unbacked(physical: physical, length: count) }
        return end
    }
}
