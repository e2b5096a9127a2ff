import Yams

/// Adds a `PolicyException` to a policy file's text in place: into the target's own `writers` or
/// `exclude` list when the file has the target, else as a new target entry at the end of `targets`.
/// Only the lines that change are touched; comments and layout stay as they were.
public enum PolicyEditor {
    /// The edited text and one line saying what changed.
    public struct Edit: Sendable, Equatable {
        public var text: String
        public var summary: String
    }

    /// Edits `yaml` (the text of policy `file`) and checks the result: it must parse, and differ from
    /// the original only by the exception. Throws the file's own problems when it does not parse.
    public static func apply(_ exception: PolicyException, to yaml: String, file: String) throws(PolicyError) -> Edit {
        let original = try Policy.parse(yaml: yaml, file: file)
        guard let root = try? Yams.compose(yaml: yaml, .default, .default, .utf8), case .mapping(let document) = root,
            let targets = document.first(where: { $0.key.string == "targets" })?.value, case .sequence(let items) = targets
        else { throw failure(file, line: 1, "targets", "the file's targets list could not be located for editing") }
        var text = PolicyText(yaml)
        let summary: String
        if let index = original.targets.firstIndex(where: { $0.extent.identity == exception.target.extent.identity }) {
            try checkNotPresent(exception, in: original.targets[index], index: index)
            let item = Array(items)[index]
            try edit(&text, item: item, with: exception, file: file)
            summary = "\(file): \(describe(exception.change)) added to targets[\(index)] (\(original.targets[index].extent)) "
                + "at line \(original.targets[index].location.line)"
        } else {
            let line = try append(&text, to: targets, with: exception, file: file)
            summary = "\(file): new targets entry for \(exception.target.extent) with \(describe(exception.change)) at line \(line)"
        }
        let edited = text.text
        try verify(edited, file: file, original: original, exception: exception)
        return Edit(text: edited, summary: summary)
    }

    static func describe(_ change: PolicyException.Change) -> String {
        switch change {
        case .writer(let name): "writer \(name)"
        case .exclusion(let offset, let length): "excluded bytes +\(hex(offset))..+\(hex(offset + length))"
        }
    }

    static func failure(_ file: String, line: Int, _ field: String, _ message: String) -> PolicyError {
        PolicyError(diagnostics: [PolicyDiagnostic(location: SourceLocation(file: file, line: line, column: 1), field: field, message: message)])
    }

    private static func checkNotPresent(_ exception: PolicyException, in target: ProtectedTarget, index: Int) throws(PolicyError) {
        switch exception.change {
        case .writer(let name):
            if let writer = target.writers.first(where: { $0.function == name }) {
                throw PolicyError(diagnostics: [
                    PolicyDiagnostic(
                        location: writer.location, field: "targets[\(index)].writers",
                        message: "\(name) is already a trusted writer of \(target.extent); nothing to add")
                ])
            }
        case .exclusion(let offset, let length):
            if let excluded = target.exclusions.first(where: { $0.range.overlaps(offset..<(offset + length)) }) {
                throw PolicyError(diagnostics: [
                    PolicyDiagnostic(
                        location: excluded.location, field: "targets[\(index)].exclude",
                        message: "bytes +\(hex(offset))..+\(hex(offset + length)) overlap an exclusion already there; "
                            + "widen that entry by hand if the write needs more")
                ])
            }
        }
    }

    /// Adds the change to an existing target entry.
    private static func edit(_ text: inout PolicyText, item: Node, with exception: PolicyException, file: String) throws(PolicyError) {
        guard case .mapping(let mapping) = item, let mark = item.mark, let firstKey = mapping.first?.key.mark else {
            throw failure(file, line: 1, "targets", "the target entry could not be located for editing")
        }
        let problem = "the \(exception.key) list could not be edited in place; add \(exception.itemText) to it by hand"
        if let field = mapping.first(where: { $0.key.string == exception.key }), case .sequence(let list) = field.value,
            let keyMark = field.key.mark, let listMark = field.value.mark
        {
            if text.isFlowCollection(at: listMark) {
                guard let close = text.closingBracket(line: listMark.line, column: listMark.column) else {
                    throw failure(file, line: listMark.line, exception.key, problem)
                }
                text.insert(list.isEmpty ? exception.itemText : ", " + exception.itemText, line: close.line, column: close.column)
                text.insert(exception.commentLines(indent: text.indentation(ofLine: keyMark.line)), beforeLine: keyMark.line)
                return
            }
            guard let last = list.last, let lastMark = last.mark,
                let dash = text.dashColumn(line: lastMark.line, contentColumn: lastMark.column),
                let end = endLine(of: last, in: text)
            else { throw failure(file, line: listMark.line, exception.key, problem) }
            let indent = String(repeating: " ", count: dash - 1)
            text.insert(exception.commentLines(indent: indent) + ["\(indent)- \(exception.itemText)"], afterLine: end)
            return
        }
        let newField = "\(exception.key): [\(exception.itemText)]"
        if text.isFlowCollection(at: mark) {
            guard let close = text.closingBracket(line: mark.line, column: mark.column) else {
                throw failure(file, line: mark.line, "targets", problem)
            }
            text.insert(", " + newField, line: close.line, column: close.column)
            text.insert(exception.commentLines(indent: text.indentation(ofLine: mark.line)), beforeLine: mark.line)
            return
        }
        guard let end = endLine(of: item, in: text) else { throw failure(file, line: mark.line, "targets", problem) }
        let indent = String(repeating: " ", count: firstKey.column - 1)
        text.insert(exception.commentLines(indent: indent) + [indent + newField], afterLine: end)
    }

    /// Appends a new target entry; returns the line its `-` ends up on.
    private static func append(_ text: inout PolicyText, to targets: Node, with exception: PolicyException, file: String) throws(PolicyError) -> Int {
        guard case .sequence(let items) = targets, let mark = targets.mark, let first = items.first?.mark else {
            throw failure(file, line: 1, "targets", "the targets list could not be located for editing")
        }
        let problem = "a new target could not be appended; add it by hand:\n" + exception.entryLines().joined(separator: "\n")
        if text.isFlowCollection(at: mark) {
            guard let close = text.closingBracket(line: mark.line, column: mark.column) else {
                throw failure(file, line: mark.line, "targets", problem)
            }
            text.insert(", " + exception.flowEntry(), line: close.line, column: close.column)
            text.insert(exception.commentLines(indent: text.indentation(ofLine: mark.line)), beforeLine: mark.line)
            return close.line + exception.comment.count
        }
        guard let dash = text.dashColumn(line: first.line, contentColumn: first.column), let end = endLine(of: targets, in: text) else {
            throw failure(file, line: mark.line, "targets", problem)
        }
        let entry = exception.entryLines(indent: String(repeating: " ", count: dash - 1))
        text.insert([""] + entry, afterLine: end)
        return end + 2 + exception.comment.count
    }

    /// The last line a node's text occupies: a scalar's own line (policy scalars are one line), a
    /// flow collection's closing bracket, a block collection's last child.
    static func endLine(of node: Node, in text: PolicyText) -> Int? {
        switch node {
        case .scalar, .alias:
            return node.mark?.line
        case .sequence(let sequence):
            if text.isFlowCollection(at: node.mark), let mark = node.mark { return text.closingBracket(line: mark.line, column: mark.column)?.line }
            return sequence.last.flatMap { endLine(of: $0, in: text) }
        case .mapping(let mapping):
            if text.isFlowCollection(at: node.mark), let mark = node.mark { return text.closingBracket(line: mark.line, column: mark.column)?.line }
            return mapping.map(\.value).last.flatMap { endLine(of: $0, in: text) }
        }
    }
}
