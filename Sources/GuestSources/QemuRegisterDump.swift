import WardenCore

/// Reads vCPU registers out of the HMP `info registers -a` text. QEMU 7.2 prints per vCPU:
///
///     CPU#0
///     RAX=… (or EAX=… outside 64-bit mode)
///     RIP=ffffffff81e0a4ab RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1   (or EIP=0000fff0 EFL=…)
///     GS =0000 ffff88807dc00000 ffffffff 00c00000 DPL=0 DS   [-WA]           (selector base limit flags)
///     IDT=     fffffe0000000000 00000fff                                     (base limit)
///     CR0=80050033 CR2=00007f6f1c3b6000 CR3=0000000002a0e000 CR4=00350ef0
///     EFER=0000000000000d01
///
/// The kernel GS base (MSR_KERNEL_GS_BASE) is not in this text and is reported as 0.
public enum QemuRegisterDump {
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var problem: String
        public init(problem: String) { self.problem = problem }
        public var description: String { "info registers: \(problem)" }
    }

    /// Bounds the parse of a hostile or runaway text; QEMU supports far fewer vCPUs.
    static let maximumCPUs = 4096

    public static func parse(_ text: String) throws(ParseError) -> [VCPURegisters] {
        var blocks: [(cpu: Int, fields: [String: UInt64])] = []
        // HMP output ends lines with "\r\n", a single Character: split on isNewline.
        for line in text.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("CPU#") {
                guard let cpu = Int(line.dropFirst(4).prefix { $0.isNumber }) else {
                    throw ParseError(problem: "bad vCPU header \"\(line.prefix(40))\"")
                }
                guard blocks.count < maximumCPUs else { throw ParseError(problem: "more than \(maximumCPUs) vCPUs") }
                blocks.append((cpu, [:]))
                continue
            }
            guard !blocks.isEmpty else { continue }
            for (key, value) in fields(of: line) { blocks[blocks.count - 1].fields[key] = value }
        }
        guard !blocks.isEmpty else {
            let start = text.split(whereSeparator: \.isNewline).first.map { String($0.prefix(80)) } ?? ""
            throw ParseError(problem: "no \"CPU#n\" block in the output (it starts \"\(start)\")")
        }
        return try blocks.map { block throws(ParseError) in
            func need(_ names: String...) throws(ParseError) -> UInt64 {
                for name in names { if let value = block.fields[name] { return value } }
                throw ParseError(problem: "vCPU \(block.cpu) has no \(names.joined(separator: " or ")) value")
            }
            return VCPURegisters(
                vcpu: block.cpu, cr0: try need("CR0"), cr3: try need("CR3"), cr4: try need("CR4"),
                efer: try need("EFER"), rip: try need("RIP", "EIP"), idtrBase: try need("IDT.base"),
                gsBase: try need("GS.base"), kernelGSBase: 0)
        }
    }

    /// The hex fields of one line. Segment lines (`GS =sel base limit flags`, `IDT=     base limit`)
    /// yield `NAME.base`; `KEY=value` words yield `KEY`. Words that are not hex are ignored.
    static func fields(of line: Substring) -> [(String, UInt64)] {
        guard let equals = line.firstIndex(of: "=") else { return [] }
        let name = line[..<equals].trimmingSuffixSpaces()
        let words = line[line.index(after: equals)...].split(separator: " ")
        switch name {
        case "ES", "CS", "SS", "DS", "FS", "GS", "LDT", "TR":
            // selector, base, limit, flags
            guard words.count >= 2, let base = UInt64(words[1], radix: 16) else { return [] }
            return [(name + ".base", base)]
        case "GDT", "IDT":
            guard let first = words.first, let base = UInt64(first, radix: 16) else { return [] }
            return [(name + ".base", base)]
        default:
            var out: [(String, UInt64)] = []
            for word in line.split(separator: " ") {
                let parts = word.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let value = UInt64(parts[1], radix: 16) else { continue }
                out.append((String(parts[0]), value))
            }
            return out
        }
    }
}

extension Substring {
    fileprivate func trimmingSuffixSpaces() -> String {
        var end = endIndex
        while end > startIndex, self[index(before: end)] == " " { end = index(before: end) }
        return String(self[startIndex..<end])
    }
}
