import WardenCore

/// The flat `name=value` view of an alert shared by the text line and the syslog structured data,
/// so the two can never disagree on a field's name, order or formatting.
///
/// Absent optional fields are left out here; the text renderer shows `unknown` for those a reader
/// expects in every line (`TextAlertRenderer.alwaysShown`).
struct AlertField: Equatable {
    var name: String
    var value: String
}

extension Alert {
    /// Every field present in this alert, in the documented order.
    var flatFields: [AlertField] {
        var fields: [AlertField] = [
            AlertField(name: "action", value: outcome.rawValue),
            AlertField(name: "access", value: access.rawValue),
            AlertField(name: "domain", value: String(domain.id)),
            AlertField(name: "domainName", value: domain.name),
        ]
        if let vcpu { fields.append(AlertField(name: "vcpu", value: String(vcpu))) }
        fields.append(AlertField(name: "target", value: target.description))
        if let gla { fields.append(AlertField(name: "gla", value: hexAddress(gla))) }
        if let gpa { fields.append(AlertField(name: "gpa", value: hexAddress(gpa))) }
        if let rip { fields.append(AlertField(name: "rip", value: hexAddress(rip))) }
        if let ripSymbol { fields.append(AlertField(name: "ripSymbol", value: ripSymbol.description)) }
        fields.append(AlertField(name: "rule", value: rule))
        fields.append(AlertField(name: "policy", value: policy.description))
        if let via { fields.append(AlertField(name: "via", value: via.rawValue)) }
        if let reason { fields.append(AlertField(name: "reason", value: reason.rawValue)) }
        if let written {
            fields.append(AlertField(name: "old", value: hexBytes(written.old)))
            fields.append(AlertField(name: "new", value: hexBytes(written.new)))
        }
        if let after {
            fields.append(AlertField(name: "afterOffset", value: hexAddress(after.offset)))
            fields.append(AlertField(name: "after", value: hexBytes(after.bytes)))
        }
        if let finding { fields += finding.flatFields }
        if repeats > 0 {
            fields.append(AlertField(name: "repeats", value: String(repeats)))
            if let repeatedSince { fields.append(AlertField(name: "repeatedSince", value: repeatedSince.description)) }
        }
        return fields
    }
}
