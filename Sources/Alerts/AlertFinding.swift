import WardenCore

extension Alert {
    /// The alert for one difference the integrity check found at attach, reported because the policy
    /// says `on-compromised-at-attach: alert`. The hook was written before Warden attached, so no
    /// vCPU or instruction is known (`vcpu` only for an IDT register, which is per vCPU); the target
    /// is the structure and the entry's offset in it, `gla`/`gpa` the entry's addresses (for an IDT
    /// register, its base and what that reaches).
    public init(finding: IntegrityDifference, time: AlertTimestamp, domain: AlertDomain, rule: String, policy: SourceLocation) {
        let isRegister = finding.structure == IDTCheck.registerName
        self.init(
            time: time, domain: domain, vcpu: isRegister ? UInt32(clamping: finding.index) : nil, access: .write,
            target: SymbolOffset(symbol: isRegister ? IDTCheck.tableName : finding.structure, offset: finding.entryOffset),
            gla: finding.entryAddress, gpa: finding.entryPhysical, rip: nil, ripSymbol: nil, outcome: .foundAtAttach,
            finding: finding, rule: rule, policy: policy)
    }
}

extension IntegrityDifference {
    /// `foundRegion` values: where a pointer that is not in the kernel image leads.
    var regionName: String? {
        guard case .pointer(_, let place) = found else { return nil }
        switch place {
        case .kernelImage: return nil
        case .moduleArea: return "module-area"
        case .outsideKernelImage: return "outside-kernel-image"
        }
    }

    var foundPointer: UInt64? {
        if case .pointer(let address, _) = found { address } else { nil }
    }

    var foundSymbol: SymbolOffset? {
        guard case .pointer(_, .kernelImage(let place)) = found else { return nil }
        return SymbolOffset(symbol: place.symbol, offset: place.offset)
    }

    var foundAttributes: String? {
        if case .attributes(let text) = found { text } else { nil }
    }

    /// The flat fields the text line and syslog carry, in the documented order.
    var flatFields: [AlertField] {
        var fields = [AlertField(name: "finding", value: entryName)]
        if let foundPointer { fields.append(AlertField(name: "found", value: hexAddress(foundPointer))) }
        if let foundSymbol { fields.append(AlertField(name: "foundSymbol", value: foundSymbol.description)) }
        if let regionName { fields.append(AlertField(name: "foundRegion", value: regionName)) }
        if let foundAttributes { fields.append(AlertField(name: "foundAttributes", value: foundAttributes)) }
        fields.append(AlertField(name: "expected", value: expected))
        return fields
    }
}
