import WardenCore

/// Guest RAM made of a fuzzer's bytes from guest-physical 0 on; everything above them is unbacked,
/// so hostile page-table entries pointing anywhere are the common case, not the exception.
public final class ByteGuestMemory: GuestPhysicalMemory, Sendable {
    public let bytes: [UInt8]
    public let sourceDescription = "fuzz input"
    public let ramRanges: [PhysicalRange]

    public init(_ bytes: some Sequence<UInt8>) {
        self.bytes = Array(bytes)
        ramRanges = self.bytes.isEmpty ? [] : [PhysicalRange(start: 0, end: UInt64(self.bytes.count))]
    }

    public func read(physical: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(GuestMemoryError) {
        let size = UInt64(bytes.count)
        guard physical <= size, UInt64(buffer.count) <= size - physical else {
            throw .unbacked(physical: physical, length: buffer.count)
        }
        let start = Int(physical)
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start..<(start + buffer.count)]))
        }
    }
}
