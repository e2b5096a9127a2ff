extension ProtectionPlan {
    /// Version of the JSON plan schema (documented in docs/plan-json.md). Bump on any incompatible change.
    public static let jsonSchemaVersion = 1

    /// The plan as one JSON document. Addresses and frame numbers are hex strings; sizes, offsets
    /// and lengths are numbers. `gfn * 4096 + offset` is the guest-physical address of the first
    /// protected byte in that frame.
    /// - Parameter integrity: the integrity check made with the plan, rendered as `integrity`.
    public func renderJSON(integrity: IntegrityReport? = nil) -> String {
        let kernelObject = JSONValue.object([
            ("textBase", .string(hex(kernel.textBase))), ("kaslrSlide", .string(hex(kernel.kaslrSlide))),
            ("physicalBase", .string(hex(kernel.physicalBase))), ("pagingLevels", .number(UInt64(kernel.pagingLevels))),
        ])
        let targetObjects = targets.map { planned -> JSONValue in
            let target = planned.target
            // `va` for targets the page walk placed; `pa` for physical ranges, which have no virtual address.
            let start: (String, JSONValue) =
                planned.virtualAddress.map { ("va", .string(hex($0))) } ?? ("pa", .string(hex(planned.frames.first?.physical ?? 0)))
            return .object([
                ("symbol", .string(target.extent.description)),
                ("rule", .string(target.rule)),
                ("policy", .string(target.location.description)),
                start,
                ("size", .number(planned.size)),
                ("sizeSource", .string(planned.sizeSource.rawValue)),
                ("source", .string(planned.symbolSource)),
                ("action", .string(target.action.rawValue)),
                ("access", .array(target.access.sorted().map { .string($0.rawValue) })),
                ("optional", .bool(target.optional)),
                ("writers", .array(target.writers.map { .string($0.function) })),
                ("exclude", .array(target.exclusions.map { .object([("offset", .number($0.offset)), ("length", .number($0.length))]) })),
                ("frames", .array(planned.frames.map { span in
                    .object([("gfn", .string(hex(span.gfn))), ("offset", .number(span.offset)), ("length", .number(span.length))])
                })),
            ])
        }
        var members: [(String, JSONValue)] = [
            ("schema", .number(UInt64(Self.jsonSchemaVersion))),
            ("kernel", kernelObject),
            ("targets", .array(targetObjects)),
            ("warnings", .array(warnings.map { .string($0) })),
            ("summary", .object([("targets", .number(UInt64(targets.count))), ("frames", .number(UInt64(distinctFrames)))])),
        ]
        if let integrity { members.append(("integrity", integrity.jsonValue)) }
        let document = JSONValue.object(members)
        return document.serialized() + "\n"
    }
}

/// A minimal JSON value with key order kept, so output is stable and diffable.
enum JSONValue {
    case string(String)
    case number(UInt64)
    case bool(Bool)
    case array([JSONValue])
    case object([(String, JSONValue)])

    func serialized() -> String {
        switch self {
        case .string(let text): JSONString.quoted(text)
        case .number(let value): String(value)
        case .bool(let value): value ? "true" : "false"
        case .array(let items): "[" + items.map { $0.serialized() }.joined(separator: ",") + "]"
        case .object(let members): "{" + members.map { JSONString.quoted($0.0) + ":" + $0.1.serialized() }.joined(separator: ",") + "}"
        }
    }
}
