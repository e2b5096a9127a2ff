/// `0x`-prefixed lower-case hex: the form every address and offset takes in alert text.
/// (WardenCore has the same helper, internal to it; the format is part of the alert contract.)
func hexAddress(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

/// Bytes as two lower-case hex digits each, no separators: `48c7c0` for 0x48 0xc7 0xc0.
func hexBytes(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
}
