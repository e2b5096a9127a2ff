import CXen
import Glibc
import WardenCore

/// `XC_PAGE_SHIFT` (xenctrl.h): gfns are 4 KiB frames.
private let pageShift = UInt64(XC_PAGE_SHIFT)
private let pageSize: UInt64 = 1 << pageShift

/// Guest-physical memory of a live Xen HVM domain, read through libxenforeignmemory.
///
/// Every read maps the frames it needs read-only, at most `pagesPerBatch` per
/// `xenforeignmemory_map` call, copies the bytes out and unmaps the batch before mapping the next.
/// Nothing stays mapped between calls: Warden holds no foreign mappings while idle and never reads
/// a frame through a stale mapping after the guest's p2m changed.
public final class XenDomainMemory: GuestPhysicalMemory {
    public let domid: UInt32
    public let sourceDescription: String
    /// One range, `[0, (max gpfn + 1) × 4 KiB)`. An HVM p2m has holes below its highest gfn (the
    /// MMIO hole under 4 GiB, ROMs, frames never populated); they are not listed here but reported
    /// per page: a read that touches one throws `.unbacked` with that page's address.
    public let ramRanges: [PhysicalRange]
    /// Frames mapped per `xenforeignmemory_map` call, 1…1024.
    public let pagesPerBatch: Int
    private let foreign: ForeignMemory
    private let end: UInt64

    /// Opens libxenforeignmemory for reads of domain `domid`.
    /// - Parameters:
    ///   - maximumGPFN: the domain's highest gfn, from `xc_domain_maximum_gpfn` (inclusive).
    ///   - name: the domain's name, used only in `sourceDescription`.
    ///   - pagesPerBatch: frames per mapping call; clamped to 1…1024.
    /// The corresponding C function is `xenforeignmemory_open`.
    public init(
        domid: UInt32,
        maximumGPFN: UInt64,
        calls: XenCalls,
        name: String? = nil,
        pagesPerBatch: Int = 64
    ) throws(XenError) {
        foreign = try ForeignMemory(calls: calls)
        self.domid = domid
        self.pagesPerBatch = min(max(pagesPerBatch, 1), 1024)
        // A gfn count of 2^52 or more cannot be expressed in 64-bit addresses; cap at the last page.
        let frames = maximumGPFN.addingReportingOverflow(1)
        let bytes = frames.partialValue.multipliedReportingOverflow(by: pageSize)
        end = frames.overflow || bytes.overflow ? UInt64.max - (pageSize - 1) : bytes.partialValue
        ramRanges = [PhysicalRange(start: 0, end: end)]
        sourceDescription = name.map { "Xen domain \($0) (domid \(domid))" } ?? "Xen domain \(domid)"
    }

    /// Copies `buffer.count` bytes from guest-physical `physical`, mapping at most `pagesPerBatch`
    /// frames per call and unmapping each batch before the next. Throws at the first page Xen could
    /// not map: `.unbacked` for a hole, `.unreadable` with Xen's errno for any other refusal, and
    /// `.unreadable` when a whole batch could not be mapped or unmapped.
    /// The corresponding C function is `xenforeignmemory_map`.
    public func read(physical: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(GuestMemoryError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let request = physical.addingReportingOverflow(UInt64(buffer.count))
        guard !request.overflow, request.partialValue <= end else {
            // The first byte past the p2m's top is in the request, so this difference is < buffer.count.
            let firstMissing = max(physical, end)
            throw .unbacked(physical: firstMissing, length: buffer.count - Int(firstMissing - physical))
        }
        let requestEnd = request.partialValue
        let lastGFN = (requestEnd - 1) >> pageShift
        var gfn = physical >> pageShift
        // gfn advances by at least one each pass and never passes lastGFN (< 2^52): no overflow, bounded.
        while gfn <= lastGFN {
            let count = min(UInt64(pagesPerBatch), lastGFN - gfn + 1)
            let gfns = (0..<count).map { gfn + $0 }
            try copyBatch(gfns, into: base, from: physical, to: requestEnd)
            gfn += count
        }
    }

    /// Maps one batch, copies the requested part of each page, and unmaps before reporting any failure.
    private func copyBatch(
        _ gfns: [UInt64],
        into base: UnsafeMutableRawPointer,
        from start: UInt64,
        to requestEnd: UInt64
    ) throws(GuestMemoryError) {
        let batchStart = max(gfns[0] << pageShift, start)
        let mapping: XenForeignMapping
        do throws(XenError) {
            mapping = try foreign.mapReadOnly(domid, gfns: gfns)
        } catch {
            throw .unreadable(physical: batchStart, reason: error.description)
        }
        // Without one result per page the mapping cannot vouch for any page: touch none of them.
        let failure: GuestMemoryError? =
            mapping.pageErrors.count == gfns.count
            ? copyPages(mapping, gfns, into: base, from: start, to: requestEnd)
            : .unreadable(
                physical: batchStart,
                reason: "xenforeignmemory_map gave \(mapping.pageErrors.count) page results for \(gfns.count) pages"
            )
        do throws(XenError) {
            try foreign.unmap(mapping, pages: gfns.count)
        } catch {
            throw .unreadable(physical: batchStart, reason: error.description)
        }
        if let failure { throw failure }
    }

    /// Copies pages in order up to the first one the mapping reports as failed: a failed page is left
    /// unmapped by privcmd and must not be touched. Returns the error for that page, or nil:
    /// `.unbacked` for EINVAL, what Xen answers for a gfn with no RAM behind it (a p2m hole), else
    /// `.unreadable` naming the errno, since a frame that exists but is refused (paged out, shared,
    /// not the domain's own page) is something else, and the difference matters to whoever debugs it.
    private func copyPages(
        _ mapping: XenForeignMapping,
        _ gfns: [UInt64],
        into base: UnsafeMutableRawPointer,
        from start: UInt64,
        to requestEnd: UInt64
    ) -> GuestMemoryError? {
        for (index, gfn) in gfns.enumerated() {
            let pageStart = gfn << pageShift
            let copyStart = max(pageStart, start)
            let copyEnd = min(pageStart + pageSize, requestEnd)
            let pageError = mapping.pageErrors[index]
            guard pageError == 0 else {
                guard pageError != EINVAL else { return .unbacked(physical: copyStart, length: Int(copyEnd - copyStart)) }
                return .unreadable(
                    physical: copyStart,
                    reason: "xenforeignmemory_map refused gfn 0x\(String(gfn, radix: 16)): "
                        + "\(String(cString: strerror(pageError))) (errno \(pageError))")
            }
            let source = mapping.address + (index << Int(pageShift)) + Int(copyStart - pageStart)
            (base + Int(copyStart - start)).copyMemory(from: source, byteCount: Int(copyEnd - copyStart))
        }
        return nil
    }
}
