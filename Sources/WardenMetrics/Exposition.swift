/// One metric family in the Prometheus text exposition format 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/): its HELP and TYPE lines, then its
/// samples. Values are kept as text so that counts print as integers and seconds exactly.
public struct MetricFamily: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    public struct Sample: Sendable, Equatable {
        /// Appended to the family name: `_bucket`, `_sum`, `_count` for histograms, empty otherwise.
        public var suffix: String
        public var labels: [(name: String, value: String)]
        public var value: String

        public init(suffix: String = "", labels: [(name: String, value: String)] = [], value: String) {
            self.suffix = suffix
            self.labels = labels
            self.value = value
        }

        public static func == (a: Sample, b: Sample) -> Bool {
            a.suffix == b.suffix && a.value == b.value && a.labels.elementsEqual(b.labels) { $0 == $1 }
        }
    }

    public var name: String
    public var help: String
    public var kind: Kind
    public var samples: [Sample]

    public init(name: String, help: String, kind: Kind, samples: [Sample]) {
        self.name = name
        self.help = help
        self.kind = kind
        self.samples = samples
    }

    /// A counter or gauge with one unlabelled sample.
    public static func single(_ name: String, _ kind: Kind, help: String, _ value: Int) -> MetricFamily {
        MetricFamily(name: name, help: help, kind: kind, samples: [Sample(value: String(value))])
    }

    /// A histogram from non-cumulative bucket counts (the exposition's buckets are cumulative, ending
    /// with `+Inf`, which equals `_count`).
    public static func histogram(
        _ name: String, help: String, bounds: [String], counts: [Int], sum: String, labels: [(name: String, value: String)] = []
    ) -> MetricFamily {
        precondition(counts.count == bounds.count + 1, "one count per bound plus the one above every bound")
        var samples: [Sample] = []
        var running = 0
        for (bound, count) in zip(bounds + ["+Inf"], counts) {
            running += count
            samples.append(Sample(suffix: "_bucket", labels: labels + [("le", bound)], value: String(running)))
        }
        samples.append(Sample(suffix: "_sum", labels: labels, value: sum))
        samples.append(Sample(suffix: "_count", labels: labels, value: String(running)))
        return MetricFamily(name: name, help: help, kind: .histogram, samples: samples)
    }
}

public enum Exposition {
    /// The Content-Type a scraper is told: format 0.0.4.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The families as one exposition document, each family's lines together, ending in a newline.
    public static func render(_ families: [MetricFamily]) -> String {
        var text = ""
        for family in families {
            text += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            text += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for sample in family.samples {
                text += family.name + sample.suffix
                if !sample.labels.isEmpty {
                    text += "{" + sample.labels.map { "\($0.name)=\"\(escapeLabel($0.value))\"" }.joined(separator: ",") + "}"
                }
                text += " \(sample.value)\n"
            }
        }
        return text
    }

    /// HELP text escapes backslash and line feed.
    static func escapeHelp(_ text: String) -> String {
        text.replacingAll(["\\": "\\\\", "\n": "\\n"])
    }

    /// Label values also escape the double quote. Target names come from policy files, which may hold
    /// any of these.
    static func escapeLabel(_ text: String) -> String {
        text.replacingAll(["\\": "\\\\", "\n": "\\n", "\"": "\\\""])
    }

    /// Seconds from nanoseconds, exactly (no binary floating point): 2500 → "0.0000025".
    public static func seconds(nanoseconds: UInt64) -> String {
        let whole = nanoseconds / 1_000_000_000
        let fraction = nanoseconds % 1_000_000_000
        guard fraction > 0 else { return String(whole) }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 9 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}

extension String {
    /// By Unicode scalar, not by Character: "\r\n" is one Character, and its line feed must still be escaped.
    fileprivate func replacingAll(_ replacements: [Unicode.Scalar: String]) -> String {
        var result = ""
        result.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            if let replacement = replacements[scalar] { result += replacement } else { result.unicodeScalars.append(scalar) }
        }
        return result
    }
}
