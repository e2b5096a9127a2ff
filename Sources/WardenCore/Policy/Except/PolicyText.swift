import Yams

/// A policy file as lines of text, for edits that leave every other byte as it was: comments,
/// blank lines, quoting and key order survive because nothing is re-serialised.
///
/// Positions are Yams marks: 1-based lines, and 1-based columns counted in Unicode scalars.
struct PolicyText {
    var lines: [String]
    /// `\r\n` when the file uses it, so inserted lines match their neighbours.
    let lineEnding: String
    /// Whether the last line ended with a line break.
    let endsWithNewline: Bool

    init(_ text: String) {
        // "\r\n" is one Character in Swift, and one line break to YAML.
        let isBreak: (Character) -> Bool = { $0 == "\n" || $0 == "\r\n" }
        lineEnding = text.contains("\r\n") ? "\r\n" : "\n"
        endsWithNewline = text.last.map(isBreak) ?? false
        var split = text.split(omittingEmptySubsequences: false, whereSeparator: isBreak).map(String.init)
        if endsWithNewline { split.removeLast() }
        lines = split
    }

    var text: String { lines.joined(separator: lineEnding) + (endsWithNewline || lines.isEmpty ? lineEnding : "") }

    /// Line `number` (1-based) as Unicode scalars.
    func scalars(_ number: Int) -> [Unicode.Scalar] { Array(lines[number - 1].unicodeScalars) }

    /// The spaces before a line's first other character.
    func indentation(ofLine number: Int) -> String {
        String(lines[number - 1].prefix { $0 == " " })
    }

    /// True for lines a YAML reader skips: blank, or only a comment.
    func isBlankOrComment(_ number: Int) -> Bool {
        let rest = lines[number - 1].drop { $0 == " " || $0 == "\t" }
        return rest.isEmpty || rest.hasPrefix("#")
    }

    /// The last line in `first...last` that holds YAML content, or `first` when none does.
    func lastContentLine(from first: Int, through last: Int) -> Int {
        stride(from: min(last, lines.count), through: first, by: -1).first { !isBlankOrComment($0) } ?? first
    }

    mutating func insert(_ newLines: [String], afterLine number: Int) {
        lines.insert(contentsOf: newLines, at: number)
    }

    mutating func insert(_ newLines: [String], beforeLine number: Int) {
        lines.insert(contentsOf: newLines, at: number - 1)
    }

    /// Inserts `text` before the scalar at `column` of line `line`.
    mutating func insert(_ text: String, line: Int, column: Int) {
        var scalars = self.scalars(line)
        scalars.insert(contentsOf: text.unicodeScalars, at: column - 1)
        var rebuilt = String.UnicodeScalarView()
        rebuilt.append(contentsOf: scalars)
        lines[line - 1] = String(rebuilt)
    }

    /// Whether a collection node starting at `mark` is in flow style: it starts with its bracket. (Yams
    /// 6 reports a collection's style from its end event, so the node's own `style` cannot be trusted.)
    func isFlowCollection(at mark: Mark?) -> Bool {
        guard let mark, mark.line >= 1, mark.line <= lines.count else { return false }
        let scalars = self.scalars(mark.line)
        guard mark.column >= 1, mark.column <= scalars.count else { return false }
        return scalars[mark.column - 1] == "[" || scalars[mark.column - 1] == "{"
    }

    /// The column of the `-` that starts the block sequence item whose content begins at `column`.
    func dashColumn(line: Int, contentColumn column: Int) -> Int? {
        let scalars = self.scalars(line)
        var index = min(column - 1, scalars.count) - 1
        while index >= 0, scalars[index] == " " { index -= 1 }
        return index >= 0 && scalars[index] == "-" ? index + 1 : nil
    }

    /// Where the flow collection opened at `line`:`column` (a `[` or `{`) closes, skipping quoted
    /// text and comments; nil when it never does (the parser would have refused such a file).
    func closingBracket(line: Int, column: Int) -> (line: Int, column: Int)? {
        var depth = 0
        var quote: Unicode.Scalar?
        var lineNumber = line
        var index = column - 1
        while lineNumber <= lines.count {
            let scalars = self.scalars(lineNumber)
            while index < scalars.count {
                let scalar = scalars[index]
                if let open = quote {
                    if scalar == "\\" && open == "\"" {
                        index += 1
                    } else if scalar == open {
                        // '' inside single quotes is an escaped quote, not the end.
                        if open == "'", index + 1 < scalars.count, scalars[index + 1] == "'" { index += 1 } else { quote = nil }
                    }
                } else if scalar == "'" || scalar == "\"" {
                    quote = scalar
                } else if scalar == "#", index == 0 || scalars[index - 1] == " " || scalars[index - 1] == "\t" {
                    break
                } else if scalar == "[" || scalar == "{" {
                    depth += 1
                } else if scalar == "]" || scalar == "}" {
                    depth -= 1
                    if depth == 0 { return (lineNumber, index + 1) }
                }
                index += 1
            }
            lineNumber += 1
            index = 0
        }
        return nil
    }
}
