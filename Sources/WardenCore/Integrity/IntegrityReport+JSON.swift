extension IntegrityReport {
    /// The report as the plan's `integrity` member (docs/plan-json.md).
    var jsonValue: JSONValue {
        .object([
            ("clean", .bool(isClean)),
            ("structures", .array(results.map(\.jsonValue))),
            ("differences", .array(differences.map(\.jsonValue))),
        ])
    }
}

extension StructureResult {
    var jsonValue: JSONValue {
        var members: [(String, JSONValue)] = [("structure", .string(structure))]
        switch outcome {
        case .checked(let entries, let note):
            members += [
                ("outcome", .string("checked")), ("entries", .number(UInt64(entries))), ("note", .string(note)),
                ("differences", .number(UInt64(differences.count))),
            ]
        case .absent: members.append(("outcome", .string("absent")))
        case .unavailable(let reason): members += [("outcome", .string("unavailable")), ("reason", .string(reason))]
        case .notChecked(let reason): members += [("outcome", .string("not-checked")), ("reason", .string(reason))]
        }
        return .object(members)
    }
}

extension IntegrityDifference {
    var jsonValue: JSONValue {
        var members: [(String, JSONValue)] = [
            ("structure", .string(structure)), ("index", .number(UInt64(max(0, index)))), ("entry", .string(hex(entryAddress))),
            ("offset", .number(entryOffset)),
        ]
        if let entryPhysical { members.append(("gpa", .string(hex(entryPhysical)))) }
        switch found {
        case .pointer(let address, let place):
            members.append(("found", .string(hex(address))))
            switch place {
            case .kernelImage(let symbol):
                members.append(("foundSymbol", .object([("symbol", .string(symbol.symbol)), ("offset", .number(symbol.offset))])))
            case .moduleArea: members.append(("foundRegion", .string("module-area")))
            case .outsideKernelImage: members.append(("foundRegion", .string("outside-kernel-image")))
            }
        case .attributes(let text): members.append(("foundAttributes", .string(text)))
        }
        members.append(("expected", .string(expected)))
        return .object(members)
    }
}
