import WardenCore

/// A run of guest-physical memory stored contiguously in a file (an ELF core's PT_LOAD, a piece
/// of a QEMU RAM backend file).
public struct PhysicalSegment: Sendable, Hashable, CustomStringConvertible {
    public var physical: UInt64
    public var fileOffset: UInt64
    public var length: UInt64

    public init(physical: UInt64, fileOffset: UInt64, length: UInt64) {
        self.physical = physical
        self.fileOffset = fileOffset
        self.length = length
    }

    public var description: String {
        "guest-physical 0x\(String(physical, radix: 16)) +0x\(String(length, radix: 16))"
            + " at file offset 0x\(String(fileOffset, radix: 16))"
    }
}

/// Why a set of segments cannot describe guest memory.
public enum PhysicalLayoutError: Error, Equatable, Sendable, CustomStringConvertible {
    case beyondFile(segment: PhysicalSegment, fileSize: UInt64)
    case addressOverflow(segment: PhysicalSegment)
    case overlap(PhysicalSegment, PhysicalSegment)

    public var description: String {
        switch self {
        case .beyondFile(let segment, let fileSize):
            "segment (\(segment)) ends past the end of the file (\(fileSize) bytes): the file is truncated"
        case .addressOverflow(let segment):
            "segment (\(segment)) runs past the end of the 64-bit address space"
        case .overlap(let first, let second):
            "segments overlap: (\(first)) and (\(second))"
        }
    }
}

/// Sorted, disjoint, file-checked segments: the guest-physical → file-offset map of one file.
public struct PhysicalSegmentMap: Sendable {
    public let segments: [PhysicalSegment]

    /// Validates every segment against `fileSize` and against each other; empty segments are dropped.
    public init(segments: [PhysicalSegment], fileSize: UInt64) throws(PhysicalLayoutError) {
        var sorted = segments.filter { $0.length > 0 }
        for segment in sorted {
            let (fileEnd, fileOverflow) = segment.fileOffset.addingReportingOverflow(segment.length)
            if fileOverflow || fileEnd > fileSize { throw .beyondFile(segment: segment, fileSize: fileSize) }
            let (_, addressOverflow) = segment.physical.addingReportingOverflow(segment.length)
            if addressOverflow { throw .addressOverflow(segment: segment) }
        }
        sorted.sort { $0.physical < $1.physical }
        for (previous, next) in zip(sorted, sorted.dropFirst())
        where previous.physical + previous.length > next.physical {
            throw .overlap(previous, next)
        }
        self.segments = sorted
    }

    /// The guest-physical ranges held, with physically adjacent segments merged.
    public var ramRanges: [PhysicalRange] {
        var ranges: [PhysicalRange] = []
        for segment in segments {
            let end = segment.physical + segment.length
            if let last = ranges.last, last.end == segment.physical {
                ranges[ranges.count - 1].end = end
            } else {
                ranges.append(PhysicalRange(start: segment.physical, end: end))
            }
        }
        return ranges
    }

    /// The index of the segment holding `physical`, by binary search.
    func segmentIndex(containing physical: UInt64) -> Int? {
        var low = 0
        var high = segments.count
        while low < high {
            let mid = (low + high) / 2
            if segments[mid].physical <= physical { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return nil }
        let candidate = segments[low - 1]
        return physical - candidate.physical < candidate.length ? low - 1 : nil
    }

    /// Copies guest-physical bytes out of `file`, crossing into the next segment when it continues
    /// the same physical range; any byte outside every segment makes the whole read fail.
    public func read(
        from file: MappedFile, physical: UInt64, into buffer: UnsafeMutableRawBufferPointer
    ) throws(GuestMemoryError) {
        let (_, overflow) = physical.addingReportingOverflow(UInt64(buffer.count))
        if overflow { throw .unbacked(physical: physical, length: buffer.count) }
        guard buffer.count > 0 else { return }
        guard var index = segmentIndex(containing: physical) else {
            throw .unbacked(physical: physical, length: buffer.count)
        }
        var done = 0
        var address = physical
        // Each pass consumes at least one byte of a distinct segment, so this ends.
        while done < buffer.count {
            guard index < segments.count, segments[index].physical <= address else {
                throw .unbacked(physical: physical, length: buffer.count)
            }
            let segment = segments[index]
            let within = address - segment.physical
            guard within < segment.length else { throw .unbacked(physical: physical, length: buffer.count) }
            let chunk = Int(min(segment.length - within, UInt64(buffer.count - done)))
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + chunk)])
            guard file.copy(offset: segment.fileOffset + within, into: target) else {
                throw .unreadable(physical: address, reason: "\(file.path) is shorter than its layout says")
            }
            done += chunk
            address += UInt64(chunk)
            index += 1
        }
    }
}
