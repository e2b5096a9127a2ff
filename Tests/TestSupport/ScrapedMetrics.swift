/// A Prometheus text exposition (format 0.0.4) parsed independently of Warden's renderer, checking
/// what a scraper relies on: HELP and TYPE before each family's samples, valid names, escaped label
/// values, no series twice, and histogram buckets that are cumulative and end in +Inf = _count.
public struct ScrapedMetrics: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public struct Family: Sendable {
        public var help: String?
        public var type: String?
    }

    /// Family name → HELP and TYPE, in document order of first appearance.
    public private(set) var families: [(name: String, family: Family)] = []
    /// Series ("name{a=\"x\",b=\"y\"}", labels sorted) → value.
    public private(set) var series: [String: Double] = [:]

    public init(parsing text: String) throws {
        guard text.isEmpty || text.hasSuffix("\n") else { throw Failure(description: "the exposition must end with a line feed") }
        var current: String?
        // By byte, not by Character: "\r\n" is one Character, and only the line feed ends a line.
        let lines = text.utf8.split(separator: 10, omittingEmptySubsequences: false).dropLast()
            .map { Substring(String(decoding: $0, as: UTF8.self)) }
        for (number, line) in lines.enumerated() {
            func fail(_ why: String) -> Failure { Failure(description: "line \(number + 1): \(why): \(line)") }
            if line.hasPrefix("# ") {
                let words = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                guard words.count >= 3, words[1] == "HELP" || words[1] == "TYPE" else { continue }
                let name = String(words[2])
                guard Self.isMetricName(name) else { throw fail("bad metric name") }
                if current != name {
                    guard !families.contains(where: { $0.name == name }) else { throw fail("family \(name) appears twice") }
                    families.append((name, Family()))
                    current = name
                }
                let text = words.count == 4 ? String(words[3]) : ""
                if words[1] == "HELP" {
                    families[families.count - 1].family.help = text
                } else {
                    guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(text) else { throw fail("bad type") }
                    guard families[families.count - 1].family.type == nil else { throw fail("second TYPE") }
                    families[families.count - 1].family.type = text
                }
                continue
            }
            guard !line.isEmpty else { continue }
            let (name, labels, value) = try Self.sample(line, fail)
            guard let family = current, let type = families.last?.family.type else { throw fail("sample before its TYPE line") }
            let suffixes = type == "histogram" ? ["_bucket", "_sum", "_count"] : type == "summary" ? ["", "_sum", "_count"] : [""]
            let allowed = suffixes.map { family + $0 }
            guard allowed.contains(name) else { throw fail("sample of \(name) inside family \(family)") }
            let key = Self.key(name, labels)
            guard series[key] == nil else { throw fail("series \(key) twice") }
            series[key] = value
        }
        try checkHistograms()
    }

    /// The value of one series; labels in any order.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        series[Self.key(name, labels.map { ($0.key, $0.value) })]
    }

    /// Every series of `name` whose labels include `matching`, with its full label set.
    public func samples(_ name: String, matching: [String: String] = [:]) -> [(labels: [String: String], value: Double)] {
        series.compactMap { key, value in
            let (seriesName, labels) = Self.split(key)
            guard seriesName == name, matching.allSatisfy({ labels[$0.key] == $0.value }) else { return nil }
            return (labels, value)
        }
    }

    /// Sum of `name` over series whose labels include `matching`.
    public func sum(_ name: String, matching: [String: String] = [:]) -> Double {
        samples(name, matching: matching).reduce(0) { $0 + $1.value }
    }

    public func type(of family: String) -> String? { families.first { $0.name == family }?.family.type }

    private func checkHistograms() throws {
        for (name, family) in families where family.type == "histogram" {
            let buckets = samples(name + "_bucket")
            let groups = Dictionary(grouping: buckets) { $0.labels.filter { $0.key != "le" }.sorted { $0.key < $1.key }.map { "\($0)=\($1)" } }
            for (labels, group) in groups {
                let ordered = try group.map { bucket -> (Double, Double) in
                    guard let le = bucket.labels["le"], let bound = le == "+Inf" ? Double.infinity : Double(le) else {
                        throw Failure(description: "\(name): a bucket without a numeric le")
                    }
                    return (bound, bucket.value)
                }.sorted { $0.0 < $1.0 }
                guard ordered.last?.0 == .infinity else { throw Failure(description: "\(name)\(labels): no +Inf bucket") }
                guard zip(ordered, ordered.dropFirst()).allSatisfy({ $0.1 <= $1.1 }) else {
                    throw Failure(description: "\(name)\(labels): buckets not cumulative")
                }
                let plain = Dictionary(uniqueKeysWithValues: group[0].labels.filter { $0.key != "le" }.map { ($0.key, $0.value) })
                guard value(name + "_count", plain) == ordered.last?.1, value(name + "_sum", plain) != nil else {
                    throw Failure(description: "\(name)\(labels): +Inf bucket differs from _count, or no _sum")
                }
            }
        }
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*` (label names: the same without the colon, checked by the caller).
    static func isMetricName(_ name: String) -> Bool {
        func letter(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || c == ":" }
        guard let first = name.unicodeScalars.first, letter(first) else { return false }
        return name.unicodeScalars.allSatisfy { letter($0) || ($0 >= "0" && $0 <= "9") }
    }

    static func key(_ name: String, _ labels: [(String, String)]) -> String {
        let sorted = labels.sorted { $0.0 < $1.0 }
        return sorted.isEmpty ? name : name + "{" + sorted.map { "\($0.0)=\($0.1)" }.joined(separator: "\u{1}") + "}"
    }

    static func split(_ key: String) -> (String, [String: String]) {
        guard let brace = key.firstIndex(of: "{") else { return (key, [:]) }
        let inner = key[key.index(after: brace)..<key.index(before: key.endIndex)]
        // Label names hold no "=", so the first one ends the name.
        let pairs = inner.split(separator: "\u{1}").map { (pair: Substring) -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        return (String(key[..<brace]), Dictionary(uniqueKeysWithValues: pairs))
    }

    /// `name{label="value",…} value`, unescaping label values.
    static func sample(_ line: Substring, _ fail: (String) -> Failure) throws -> (String, [(String, String)], Double) {
        var rest = line.unicodeScalars[...]
        var name = ""
        while let c = rest.first, c != "{", c != " " {
            name.unicodeScalars.append(c)
            rest = rest.dropFirst()
        }
        guard isMetricName(name) else { throw fail("bad metric name") }
        var labels: [(String, String)] = []
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                var label = ""
                while let c = rest.first, c != "=" {
                    label.unicodeScalars.append(c)
                    rest = rest.dropFirst()
                }
                guard isMetricName(label), !label.contains(":"), rest.dropFirst().first == "\"" else { throw fail("bad label") }
                rest = rest.dropFirst(2)
                var value = ""
                while let c = rest.first, c != "\"" {
                    rest = rest.dropFirst()
                    if c == "\\" {
                        switch rest.first {
                        case "\\": value += "\\"
                        case "\"": value += "\""
                        case "n": value += "\n"
                        default: throw fail("bad escape in a label value")
                        }
                        rest = rest.dropFirst()
                    } else {
                        guard c != "\n" else { throw fail("raw line feed in a label value") }
                        value.unicodeScalars.append(c)
                    }
                }
                guard rest.first == "\"" else { throw fail("unterminated label value") }
                rest = rest.dropFirst()
                guard !labels.contains(where: { $0.0 == label }) else { throw fail("label \(label) twice") }
                labels.append((label, value))
                if rest.first == "," { rest = rest.dropFirst() } else { guard rest.first == "}" else { throw fail("expected , or }") } }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw fail("expected a space before the value") }
        let fields = String(rest.dropFirst()).split(separator: " ")
        guard (1...2).contains(fields.count), let value = Double(fields[0]) ?? (fields[0] == "+Inf" ? .infinity : nil) else {
            throw fail("bad value")
        }
        return (name, labels, value)
    }
}
