import Yams

/// `exclude: [{offset, length}, …]`: bytes of a target whose trapped accesses are allowed silently.
extension PolicyNodeReader {
    static let exclusionKeys = ["offset", "length"]

    /// - Parameter targetLength: the target's size when the policy fixes it; otherwise the bounds
    ///   are checked when the target is planned against a guest's symbols.
    mutating func exclusions(
        _ field: PolicyField, targetLength: UInt64?, action: PolicyAction, path: String, fallback: SourceLocation
    ) -> [ExcludedBytes]? {
        let expected = "a list of byte ranges such as [{offset: 0x18, length: 8}]"
        guard let items = list(field.value, path: path, expected: expected, fallback: fallback) else { return nil }
        let listStart = location(of: field.value, else: fallback)
        var result: [ExcludedBytes] = []
        var valid = true
        for (index, item) in items.enumerated() {
            guard let excluded = exclusion(item, path: "\(path)[\(index)]", targetLength: targetLength, fallback: listStart)
            else {
                valid = false
                continue
            }
            if let (earlier, position) = zip(result, result.indices).first(where: { $0.0.range.overlaps(excluded.range) }) {
                report(
                    "\(path)[\(index)]", at: excluded.location,
                    "bytes \(Self.span(excluded)) overlap \(path)[\(position)] (bytes \(Self.span(earlier)), line "
                        + "\(earlier.location.line)); merge the two into one entry")
                valid = false
                continue
            }
            result.append(excluded)
        }
        if action == .allow {
            report(
                path, at: location(of: field.key, else: fallback),
                "exclusions have no effect with action allow, which already lets every access through silently; "
                    + "remove exclude or choose deny, alert or log")
            return nil
        }
        if let targetLength, valid, !result.isEmpty, result.reduce(0, { $0 + $1.length }) == targetLength {
            report(
                path, at: location(of: field.key, else: fallback),
                "the exclusions cover every byte of the target, so it would protect nothing; remove the target instead")
            return nil
        }
        return valid ? result : nil
    }

    private mutating func exclusion(_ node: Node, path: String, targetLength: UInt64?, fallback: SourceLocation) -> ExcludedBytes? {
        let expected = "a byte range {offset: …, length: …} inside the target"
        guard
            let (fields, at) = requiredFields(
                of: node, path: path, keys: Self.exclusionKeys, expected: expected,
                example: "{offset: <bytes into the target>, length: <bytes>}", fallback: fallback),
            let offsetField = fields["offset"], let lengthField = fields["length"]
        else { return nil }
        let offset = targetOffset(offsetField.value, path: "\(path).offset", fallback: at)
        let length = byteLength(lengthField.value, path: "\(path).length", fallback: at, zeroHint: "an exclusion covers at least one byte")
        guard let offset, let length else { return nil }
        let excluded = ExcludedBytes(offset: offset, length: length, location: at)
        if let targetLength, offset + length > targetLength {
            report(
                path, at: at,
                "bytes \(Self.span(excluded)) run past the end of the target, which is \(targetLength) bytes long; "
                    + "exclude only bytes inside it")
            return nil
        }
        return excluded
    }

    /// `0x18..0x20`: the half-open byte range, in target offsets.
    static func span(_ excluded: ExcludedBytes) -> String {
        "\(hex(excluded.offset))..\(hex(excluded.offset + excluded.length))"
    }
}
