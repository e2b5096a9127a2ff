/// The part of one guest frame that a protected range covers.
public struct FrameSpan: Sendable, Hashable {
    public var gfn: UInt64
    /// Byte offset of the first covered byte inside the frame.
    public var offset: UInt64
    public var length: UInt64

    public init(gfn: UInt64, offset: UInt64, length: UInt64) {
        self.gfn = gfn
        self.offset = offset
        self.length = length
    }

    /// Guest-physical address of the first covered byte.
    public var physical: UInt64 { gfn << 12 | offset }
}

/// Why a virtual range could not be read or split into frames.
public enum RangeError: Error, Equatable, Sendable, CustomStringConvertible {
    case overflow(virtual: UInt64, length: UInt64)
    case tooLarge(length: UInt64, limit: UInt64)
    case translation(TranslationError)
    case memory(virtual: UInt64, GuestMemoryError)

    public var description: String {
        switch self {
        case .overflow(let virtual, let length):
            "range 0x\(String(virtual, radix: 16)) + \(length) wraps past the top of the address space"
        case .tooLarge(let length, let limit):
            "range of \(length) bytes exceeds the limit of \(limit) bytes"
        case .translation(let error): error.description
        case .memory(let virtual, let error): "reading 0x\(String(virtual, radix: 16)): \(error)"
        }
    }
}

extension AddressSpace {
    /// Ranges bigger than this are refused: no legitimate kernel target spans more than 1 GiB.
    public static let maximumRangeLength: UInt64 = 1 << 30

    /// Every 4 KiB guest frame behind `[virtual, virtual + length)`, in virtual order, one span per frame.
    /// A range crossing a page boundary yields each frame; frames inside large pages are split to 4 KiB.
    public func frames(virtual: UInt64, length: UInt64) throws(RangeError) -> [FrameSpan] {
        guard length <= Self.maximumRangeLength else {
            throw .tooLarge(length: length, limit: Self.maximumRangeLength)
        }
        let (end, overflow) = virtual.addingReportingOverflow(length)
        guard !overflow else { throw .overflow(virtual: virtual, length: length) }
        var spans: [FrameSpan] = []
        spans.reserveCapacity(Int(length >> 12) + 2)
        var cursor = virtual
        var cachedPage: (virtualBase: UInt64, size: UInt64, physicalBase: UInt64)?
        while cursor < end {
            let physical: UInt64
            if let page = cachedPage, cursor >= page.virtualBase, cursor - page.virtualBase < page.size {
                physical = page.physicalBase + (cursor - page.virtualBase)
            } else {
                let translation: Translation
                do { translation = try translate(cursor) } catch { throw .translation(error) }
                let offsetInPage = cursor & (translation.pageSize - 1)
                cachedPage = (cursor - offsetInPage, translation.pageSize, translation.physical - offsetInPage)
                physical = translation.physical
            }
            let offset = physical & 0xFFF
            let chunk = min(4096 - offset, end - cursor)
            spans.append(FrameSpan(gfn: physical >> 12, offset: offset, length: chunk))
            cursor += chunk
        }
        return spans
    }

    /// Reads `count` bytes of guest-virtual memory, page by page through the page tables.
    public func read(virtual: UInt64, count: Int) throws(RangeError) -> [UInt8] {
        guard count >= 0 else { return [] }
        let spans = try frames(virtual: virtual, length: UInt64(count))
        var bytes = [UInt8](repeating: 0, count: count)
        var failure: RangeError?
        bytes.withUnsafeMutableBytes { buffer in
            var position = 0
            for span in spans {
                let length = Int(span.length)
                let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[position..<(position + length)])
                let outcome = Result { () throws(GuestMemoryError) in
                    try memory.read(physical: span.physical, into: slice)
                }
                if case .failure(let error) = outcome {
                    failure = .memory(virtual: virtual + UInt64(position), error)
                    return
                }
                position += length
            }
        }
        if let failure { throw failure }
        return bytes
    }
}
