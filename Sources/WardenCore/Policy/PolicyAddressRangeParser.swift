import Yams

/// Which address space a `physical:` or `virtual:` target is given in.
enum AddressRangeSpace: String {
    case physical
    case virtual
}

/// `physical: {start, length}` and `virtual: {start, length}`: whole 4 KiB frames by address.
extension PolicyNodeReader {
    static let addressRangeKeys = ["start", "length"]
    /// Protection is per 4 KiB frame; a range of whole frames traps exactly what it names.
    static let frameSize: UInt64 = 4096
    /// x86-64's largest MAXPHYADDR is 52 bits (Intel SDM vol. 3A §4.1.4), so no guest frame lies above.
    static let physicalLimit: UInt64 = 1 << 52
    /// The lowest kernel-half address under 5-level paging (bits 63…56 set); under 4-level paging the
    /// kernel half starts higher (0xffff800000000000) and the page walk refuses what lies between.
    static let kernelHalfStart: UInt64 = 0xFF00_0000_0000_0000

    mutating func addressRange(_ node: Node, space: AddressRangeSpace, path: String, fallback: SourceLocation) -> TargetExtent? {
        let expected = "a mapping {start: 0x…, length: …} naming whole 4 KiB frames"
        guard
            let (fields, at) = requiredFields(
                of: node, path: path, keys: Self.addressRangeKeys, expected: expected,
                example: "\(space.rawValue): {start: 0x…, length: …}", fallback: fallback),
            let startField = fields["start"], let lengthField = fields["length"]
        else { return nil }
        let start = address(startField.value, path: "\(path).start", fallback: at)
        let length = byteLength(
            lengthField.value, path: "\(path).length", fallback: at, zeroHint: "a range covers at least one 4 KiB frame")
        guard let start, let length else { return nil }
        var valid = true
        let startAt = location(of: startField.value, else: at)
        let lengthAt = location(of: lengthField.value, else: at)
        let unit = space == .physical ? "frame" : "page"
        if start % Self.frameSize != 0 {
            let below = start & ~(Self.frameSize - 1)
            report(
                "\(path).start", at: startAt,
                "start \(hex(start)) is not \(unit)-aligned: protection is per 4 KiB \(unit), so a \(space.rawValue) range "
                    + "starts on a multiple of 0x1000 (\(hex(below)) or \(hex(below + Self.frameSize)) here)")
            valid = false
        }
        if length % Self.frameSize != 0 {
            let below = length & ~(Self.frameSize - 1)
            let choices = below == 0 ? "4096" : "\(below) or \(below + Self.frameSize)"
            report(
                "\(path).length", at: lengthAt,
                "length \(length) is not a whole number of 4 KiB \(unit)s; use a multiple of 4096 (\(choices) here)")
            valid = false
        }
        let (end, wraps) = start.addingReportingOverflow(length)
        switch space {
        case .physical:
            if wraps || end > Self.physicalLimit {
                report(
                    path, at: at,
                    "range \(hex(start)) + \(length) bytes ends past \(hex(Self.physicalLimit)), the top of the 52-bit "
                        + "guest-physical address space (x86-64's largest MAXPHYADDR)")
                valid = false
            }
        case .virtual:
            if start < Self.kernelHalfStart {
                report(
                    "\(path).start", at: startAt,
                    "start \(hex(start)) is not a kernel address: Warden plans through the kernel's page tables, whose "
                        + "half starts at 0xffff800000000000 (4-level paging) or 0xff00000000000000 (5-level); a user-space "
                        + "address belongs to whichever process happens to run")
                valid = false
            } else if wraps {
                report(path, at: at, "range \(hex(start)) + \(length) bytes wraps past the top of the address space")
                valid = false
            }
        }
        guard valid else { return nil }
        return space == .physical ? .physical(start: start, length: length) : .virtual(start: start, length: length)
    }
}
