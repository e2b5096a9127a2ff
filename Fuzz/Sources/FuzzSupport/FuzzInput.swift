/// A fuzzer's input read front to back as fields. Reading past the end yields zeros, so every input
/// is a valid description of something and libFuzzer's mutations stay meaningful.
public struct FuzzInput {
    public let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var remaining: Int { bytes.count - position }

    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func uint64() -> UInt64 {
        (0..<8).reduce(UInt64(0)) { value, shift in value | UInt64(byte()) << (8 * UInt64(shift)) }
    }

    public mutating func bool() -> Bool { byte() & 1 != 0 }

    /// The next `count` bytes (fewer at the end of the input).
    public mutating func take(_ count: Int) -> ArraySlice<UInt8> {
        let end = position + min(max(count, 0), remaining)
        defer { position = end }
        return bytes[position..<end]
    }

    public mutating func rest() -> ArraySlice<UInt8> { take(remaining) }
}
