import WardenCore

/// One alert as one JSON object on one line (JSON Lines), schema `Alert.schemaVersion`.
///
/// Written by hand rather than with `JSONEncoder`: the field order is part of what readers see and
/// diff, 64-bit addresses must be `0x…` strings, and absent optional fields are omitted, never null.
/// `docs/alerts.md` documents each field; `docs/alert.schema.json` checks them.
public enum JSONAlertRenderer {
    /// The object, without the trailing newline.
    public static func line(_ alert: Alert) -> String {
        var object = JSONObjectWriter()
        object.number("schema", Alert.schemaVersion)
        object.string("time", alert.time.description)
        object.string("action", alert.outcome.rawValue)
        object.string("access", alert.access.rawValue)
        object.object("domain") { domain in
            domain.number("id", Int(alert.domain.id))
            domain.string("name", alert.domain.name)
        }
        if let vcpu = alert.vcpu { object.number("vcpu", Int(vcpu)) }
        object.symbolOffset("target", alert.target)
        if let gla = alert.gla { object.string("gla", hexAddress(gla)) }
        if let gpa = alert.gpa { object.string("gpa", hexAddress(gpa)) }
        if let rip = alert.rip { object.string("rip", hexAddress(rip)) }
        if let ripSymbol = alert.ripSymbol { object.symbolOffset("ripSymbol", ripSymbol) }
        if let via = alert.via { object.string("via", via.rawValue) }
        if let reason = alert.reason { object.string("reason", reason.rawValue) }
        if let written = alert.written {
            object.string("old", hexBytes(written.old))
            object.string("new", hexBytes(written.new))
        }
        if let after = alert.after {
            object.object("after") { snapshot in
                snapshot.unsigned("offset", after.offset)
                snapshot.string("bytes", hexBytes(after.bytes))
            }
        }
        if let finding = alert.finding {
            object.object("finding") { nested in
                nested.string("structure", finding.structure)
                nested.number("index", finding.index)
                if let found = finding.foundPointer { nested.string("found", hexAddress(found)) }
                if let symbol = finding.foundSymbol { nested.symbolOffset("foundSymbol", symbol) }
                if let region = finding.regionName { nested.string("foundRegion", region) }
                if let attributes = finding.foundAttributes { nested.string("foundAttributes", attributes) }
                nested.string("expected", finding.expected)
            }
        }
        object.string("rule", alert.rule)
        object.string("policy", alert.policy.description)
        object.number("repeats", max(0, alert.repeats))
        if alert.repeats > 0, let since = alert.repeatedSince { object.string("repeatedSince", since.description) }
        return object.finished()
    }
}

/// Appends `"name":value` members to one JSON object, in call order.
struct JSONObjectWriter {
    private var text = "{"
    private var empty = true

    mutating func string(_ name: String, _ value: String) { member(name, JSONString.quoted(value)) }
    mutating func number(_ name: String, _ value: Int) { member(name, String(value)) }
    mutating func unsigned(_ name: String, _ value: UInt64) { member(name, String(value)) }

    mutating func object(_ name: String, _ build: (inout JSONObjectWriter) -> Void) {
        var nested = JSONObjectWriter()
        build(&nested)
        member(name, nested.finished())
    }

    mutating func symbolOffset(_ name: String, _ value: SymbolOffset) {
        object(name) { nested in
            nested.string("symbol", value.symbol)
            nested.unsigned("offset", value.offset)
        }
    }

    func finished() -> String { text + "}" }

    private mutating func member(_ name: String, _ value: String) {
        text += (empty ? "" : ",") + JSONString.quoted(name) + ":" + value
        empty = false
    }
}
