import Yams

/// Which bytes a target names: one of `symbol` (with an optional `length`), `range`, `physical` or
/// `virtual`.
extension PolicyNodeReader {
    static let extentKeys = ["symbol", "range", "physical", "virtual"]

    /// Exactly one extent key; `length` only refines a symbol.
    mutating func extent(_ fields: [String: PolicyField], path: String, at: SourceLocation) -> TargetExtent? {
        let named = Self.extentKeys.filter { fields[$0] != nil }
        if named.count > 1, let second = fields[named[1]] {
            report(
                "\(path).\(named[1])", at: location(of: second.key, else: at),
                "a target names either \(named[0]) or \(named[1]), not both; split it into two targets")
            return nil
        }
        let lengthField = fields["length"]
        guard let kind = named.first, let field = fields[kind] else {
            report(
                path, at: at,
                "target names neither symbol nor range; add 'symbol: <name>' for one symbol, "
                    + "'range: <start>..<end>' for the bytes between two symbols, or 'physical:'/'virtual:' "
                    + "with {start, length} for whole frames by address")
            return nil
        }
        if kind != "symbol", let lengthField {
            let why =
                kind == "range"
                ? "a range already ends at its end symbol" : "a \(kind) range carries its length inside {start, length}"
            report(
                "\(path).length", at: location(of: lengthField.key, else: at),
                "length applies only to symbol targets; \(why), so remove length")
            return nil
        }
        switch kind {
        case "range": return range(field.value, path: "\(path).range", fallback: at)
        case "physical": return addressRange(field.value, space: .physical, path: "\(path).physical", fallback: at)
        case "virtual": return addressRange(field.value, space: .virtual, path: "\(path).virtual", fallback: at)
        default: break
        }
        let name = symbolName(field.value, path: "\(path).symbol", fallback: at)
        guard let lengthField else { return name.map { .symbol($0) } }
        let length = byteLength(lengthField.value, path: "\(path).length", fallback: at)
        guard let name, let length else { return nil }
        return .symbolWithLength(name, length)
    }

    /// `optional` says a kernel may lack a symbol; an address range has none to lack, and an
    /// unmapped or absent range is an error in the plan like any other.
    mutating func checkOptional(
        _ field: PolicyField, fields: [String: PolicyField], path: String, fallback: SourceLocation
    ) -> Bool {
        guard let kind = ["physical", "virtual"].first(where: { fields[$0] != nil }) else { return true }
        report(
            path, at: location(of: field.key, else: fallback),
            "optional applies to symbols a kernel may lack; a \(kind) range names no symbol, so remove optional")
        return false
    }

    /// `start..end`, half-open: the end symbol's first byte is not protected.
    private mutating func range(_ node: Node, path: String, fallback: SourceLocation) -> TargetExtent? {
        let form = "write the range as <start>..<end>, two symbol names around '..', such as _stext.._etext"
        guard let text = text(node, path: path, expected: "a symbol range such as _stext.._etext", fallback: fallback)
        else { return nil }
        let at = location(of: node, else: fallback)
        let parts = text.split(separator: "..", omittingEmptySubsequences: false)
        // Symbols may contain '.', so "a...b" could split two ways; refuse to guess.
        guard parts.count == 2, !text.contains("...") else {
            report(path, at: at, "'\(Self.clip(text))' is not a range; \(form)")
            return nil
        }
        let from = parts[0].trimming(while: \.isWhitespace)
        let to = parts[1].trimming(while: \.isWhitespace)
        var valid = true
        for (end, name) in [("start", from), ("end", to)] {
            if let problem = Self.symbolNameProblem(name) {
                report(path, at: at, "range \(end): \(problem)")
                valid = false
            }
        }
        guard valid else { return nil }
        guard from != to else {
            report(path, at: at, "range \(from)..\(to) is empty because it starts and ends at the same symbol; \(form)")
            return nil
        }
        return .range(from: from, to: to)
    }
}

extension Substring {
    fileprivate func trimming(while predicate: (Character) -> Bool) -> String {
        String(drop(while: predicate).reversed().drop(while: predicate).reversed())
    }
}
