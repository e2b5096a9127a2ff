/// Why a guest-physical read failed. Guest memory is attacker-controlled, so every reader throws
/// instead of trapping, and says where.
public enum GuestMemoryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No RAM is backed at that guest-physical address in this source.
    case unbacked(physical: UInt64, length: Int)
    /// The source itself failed (I/O error, mapping refused).
    case unreadable(physical: UInt64, reason: String)

    public var description: String {
        switch self {
        case .unbacked(let physical, let length):
            "guest-physical range 0x\(String(physical, radix: 16)) (+\(length) bytes) is not backed by guest RAM"
        case .unreadable(let physical, let reason):
            "cannot read guest-physical 0x\(String(physical, radix: 16)): \(reason)"
        }
    }
}

/// A half-open range of guest-physical addresses.
public struct PhysicalRange: Sendable, Hashable, CustomStringConvertible {
    public var start: UInt64
    public var end: UInt64

    public init(start: UInt64, end: UInt64) {
        self.start = start
        self.end = end
    }

    public var length: UInt64 { end - start }

    public func contains(_ address: UInt64) -> Bool { address >= start && address < end }

    public var description: String { "[0x\(String(start, radix: 16)), 0x\(String(end, radix: 16)))" }
}

/// Guest-physical memory of one guest, whatever holds it: an ELF core, a live QEMU guest's shared
/// RAM file, a Xen domain mapped through libxenforeignmemory, or a generated guest.
public protocol GuestPhysicalMemory: AnyObject {
    /// Names the source in messages and in the plan, e.g. `ELF core /tmp/guest.core`.
    var sourceDescription: String { get }
    /// The guest-physical ranges that hold RAM, sorted and disjoint.
    var ramRanges: [PhysicalRange] { get }
    /// Copies `buffer.count` bytes starting at guest-physical `physical`; throws if any byte is not backed.
    func read(physical: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(GuestMemoryError)
}

extension GuestPhysicalMemory {
    public func readBytes(physical: UInt64, count: Int) throws(GuestMemoryError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        // withUnsafeMutableBytes only rethrows untyped errors; carry the typed one out in a Result.
        let outcome = bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(GuestMemoryError) in try read(physical: physical, into: buffer) }
        }
        try outcome.get()
        return bytes
    }

    public func readUInt64(physical: UInt64) throws(GuestMemoryError) -> UInt64 {
        var value: UInt64 = 0
        let outcome = withUnsafeMutableBytes(of: &value) { buffer in
            Result { () throws(GuestMemoryError) in try read(physical: physical, into: buffer) }
        }
        try outcome.get()
        return UInt64(littleEndian: value)
    }
}
