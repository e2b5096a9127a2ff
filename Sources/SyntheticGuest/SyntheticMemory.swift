import WardenCore

/// Guest-physical memory for the generated guest: sparse (RAM never written reads as zeros and
/// costs nothing, so a 6 GiB guest is cheap), with optional holes (unbacked ranges, like the PCI
/// hole). Writable, because the hypervisor model writes through it.
public final class SyntheticMemory: GuestPhysicalMemory {
    public let ramRanges: [PhysicalRange]
    public let sourceDescription: String
    public let size: UInt64
    private var chunks: [UInt64: [UInt8]] = [:]
    private static let chunkShift: UInt64 = 20
    private static let chunkSize = 1 << 20

    /// - Parameter holes: ranges inside `[0, size)` that are not RAM.
    public init(size: UInt64, holes: [PhysicalRange] = [], description: String = "synthetic guest") {
        self.size = size
        var ranges: [PhysicalRange] = []
        var start: UInt64 = 0
        for hole in holes.sorted(by: { $0.start < $1.start }) {
            if hole.start > start { ranges.append(PhysicalRange(start: start, end: min(hole.start, size))) }
            start = max(start, hole.end)
        }
        if start < size { ranges.append(PhysicalRange(start: start, end: size)) }
        ramRanges = ranges
        sourceDescription = description
    }

    private func isBacked(_ physical: UInt64, _ count: Int) -> Bool {
        let (end, overflow) = physical.addingReportingOverflow(UInt64(count))
        guard !overflow else { return false }
        return ramRanges.contains { $0.start <= physical && end <= $0.end }
    }

    public func read(physical: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(GuestMemoryError) {
        guard isBacked(physical, buffer.count) else { throw .unbacked(physical: physical, length: buffer.count) }
        var done = 0
        while done < buffer.count {
            let address = physical + UInt64(done)
            let offset = Int(address & UInt64(Self.chunkSize - 1))
            let length = min(Self.chunkSize - offset, buffer.count - done)
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + length)])
            if let chunk = chunks[address >> Self.chunkShift] {
                chunk.withUnsafeBytes { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + length)])) }
            } else {
                target.initializeMemory(as: UInt8.self, repeating: 0)
            }
            done += length
        }
    }

    public func write(physical: UInt64, bytes newBytes: [UInt8]) throws(GuestMemoryError) {
        guard isBacked(physical, newBytes.count) else { throw .unbacked(physical: physical, length: newBytes.count) }
        var done = 0
        while done < newBytes.count {
            let address = physical + UInt64(done)
            let offset = Int(address & UInt64(Self.chunkSize - 1))
            let length = min(Self.chunkSize - offset, newBytes.count - done)
            let key = address >> Self.chunkShift
            var chunk = chunks.removeValue(forKey: key) ?? [UInt8](repeating: 0, count: Self.chunkSize)
            chunk.replaceSubrange(offset..<(offset + length), with: newBytes[done..<(done + length)])
            chunks[key] = chunk
            done += length
        }
    }

    public func writeUInt64(physical: UInt64, _ value: UInt64) throws(GuestMemoryError) {
        try write(physical: physical, bytes: withUnsafeBytes(of: value.littleEndian) { Array($0) })
    }
}
