import Yams

/// Numbers in a policy: lengths, addresses and offsets. Decimal or 0x hex only, because YAML 1.1
/// would read 0755 as octal and accepts 0b, 0o, '_' and base-60 forms nobody expects here.
extension PolicyNodeReader {
    /// A number as written, before its range is judged.
    enum PlainNumber {
        case value(UInt64, text: String)
        case negative(text: String)
        case beyond64Bits(text: String)
    }

    /// Reports notation problems itself; returns nil exactly when it did.
    mutating func plainNumber(_ node: Node, path: String, expected: String, examples: String, fallback: SourceLocation) -> PlainNumber? {
        let at = location(of: node, else: fallback)
        guard case .scalar(let scalar) = node, Self.kind(node) == .int || Self.kind(node) == .float else {
            report(path, at: at, "expected \(expected); found \(Self.describe(node)); \(examples)")
            return nil
        }
        let text = scalar.string
        var digits = Substring(text)
        var radix = 10
        if digits.hasPrefix("0x") {
            digits = digits.dropFirst(2)
            radix = 16
        }
        if text.hasPrefix("-") { return .negative(text: text) }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && (radix == 16 ? $0.isHexDigit : $0.isWholeNumber) }) else {
            report(path, at: at, "'\(Self.clip(text))' is not a supported number notation; \(examples)")
            return nil
        }
        guard radix == 16 || digits.count == 1 || !digits.hasPrefix("0") else {
            report(path, at: at, "'\(Self.clip(text))' has a leading zero, which YAML reads as octal; \(examples)")
            return nil
        }
        guard let value = UInt64(digits, radix: radix) else { return .beyond64Bits(text: text) }
        return .value(value, text: text)
    }

    /// A byte count: greater than 0 and at most 1 GiB. `zeroHint` says what to do instead of 0.
    mutating func byteLength(
        _ node: Node, path: String, fallback: SourceLocation,
        zeroHint: String = "omit length to use the symbol's own size"
    ) -> UInt64? {
        let at = location(of: node, else: fallback)
        let examples = "write a byte count in decimal (4096) or 0x hex (0x1000)"
        let limit = "at most 1 GiB (0x40000000) and greater than 0"
        guard let number = plainNumber(node, path: path, expected: "a byte count", examples: examples, fallback: fallback)
        else { return nil }
        switch number {
        case .negative(let text):
            report(path, at: at, "length \(Self.clip(text)) is negative; lengths are \(limit)")
            return nil
        case .beyond64Bits(let text):
            report(path, at: at, "length \(Self.clip(text)) is too large; lengths are \(limit)")
            return nil
        case .value(let value, let text):
            guard value <= Self.maximumLength else {
                report(path, at: at, "length \(Self.clip(text)) is too large; lengths are \(limit)")
                return nil
            }
            guard value > 0 else {
                report(path, at: at, "length is 0; lengths are \(limit) (\(zeroHint))")
                return nil
            }
            return value
        }
    }

    /// A guest address: any 64-bit value; the caller judges alignment and which half it is in.
    mutating func address(_ node: Node, path: String, fallback: SourceLocation) -> UInt64? {
        let at = location(of: node, else: fallback)
        let examples = "write the address in 0x hex, such as 0x1000000"
        guard let number = plainNumber(node, path: path, expected: "an address", examples: examples, fallback: fallback)
        else { return nil }
        switch number {
        case .negative(let text):
            report(path, at: at, "address \(Self.clip(text)) is negative; \(examples)")
            return nil
        case .beyond64Bits(let text):
            report(path, at: at, "address \(Self.clip(text)) does not fit in 64 bits; \(examples)")
            return nil
        case .value(let value, _):
            return value
        }
    }

    /// An offset into a target: 0 up to (not including) 1 GiB, the largest target.
    mutating func targetOffset(_ node: Node, path: String, fallback: SourceLocation) -> UInt64? {
        let at = location(of: node, else: fallback)
        let examples = "write the offset into the target in decimal (24) or 0x hex (0x18)"
        let limit = "offsets are 0 or more and below 1 GiB (0x40000000), the largest target"
        guard let number = plainNumber(node, path: path, expected: "a byte offset", examples: examples, fallback: fallback)
        else { return nil }
        switch number {
        case .negative(let text):
            report(path, at: at, "offset \(Self.clip(text)) is negative; \(limit)")
            return nil
        case .beyond64Bits(let text):
            report(path, at: at, "offset \(Self.clip(text)) is too large; \(limit)")
            return nil
        case .value(let value, let text):
            guard value < Self.maximumLength else {
                report(path, at: at, "offset \(Self.clip(text)) is too large; \(limit)")
                return nil
            }
            return value
        }
    }
}
