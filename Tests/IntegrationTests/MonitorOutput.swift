import Foundation
import WardenCore

/// One stretch of guest-physical address space and where it lives in a file (the shared RAM
/// file, or an ELF core's PT_LOAD data).
struct FileMapping: Sendable, Equatable {
    let physicalStart: UInt64
    let length: UInt64
    let fileOffset: UInt64

    var physicalEnd: UInt64 { physicalStart + length }
}

/// Parsers for QEMU's human-monitor text, kept apart from the I/O so their rules are in one place.
enum MonitorOutput {
    /// Monitor text ends lines with "\r\n", which Swift reads as one Character.
    private static func lines(_ text: String) -> [Substring] {
        text.split(whereSeparator: \.isNewline)
    }

    /// `gva2gpa` prints `gpa: 0x9400360`, or `Unmapped` when the current page tables lack the address.
    static func physicalAddress(fromGva2gpa text: String) throws -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed == "Unmapped" { return nil }
        guard trimmed.hasPrefix("gpa: 0x"), let value = UInt64(trimmed.dropFirst(7), radix: 16) else {
            throw HarnessError.unexpectedReply(command: "gva2gpa", reply: text)
        }
        return value
    }

    /// `info registers -a`: one `CPU#n` block per vCPU with `CR3=…`-style fields and segment lines
    /// (`GS =0000 <base> <limit> <flags>`, `IDT=     <base> <limit>`).
    static func registers(fromInfoRegisters text: String) throws -> [VCPURegisters] {
        var blocks: [[Substring]] = []
        for line in lines(text) {
            if line.hasPrefix("CPU#") { blocks.append([line]) } else if !blocks.isEmpty { blocks[blocks.count - 1].append(line) }
        }
        guard !blocks.isEmpty else { throw HarnessError.unexpectedReply(command: "info registers -a", reply: text) }
        return try blocks.map { block in
            var fields: [String: UInt64] = [:]
            for line in block {
                let words = line.split(separator: " ")
                for word in words {
                    let parts = word.split(separator: "=", maxSplits: 1)
                    if parts.count == 2, let value = UInt64(parts[1], radix: 16) { fields[String(parts[0])] = value }
                }
                // Segment and descriptor-table lines carry the base as the first bare hex word.
                if line.hasPrefix("GS =") || line.hasPrefix("IDT="), let base = words.dropFirst(line.hasPrefix("GS") ? 2 : 1).first {
                    fields[line.hasPrefix("GS") ? "GS.base" : "IDT.base"] = UInt64(base, radix: 16)
                }
            }
            guard let index = Int(block[0].dropFirst(4).prefix { $0.isNumber }),
                  let cr3 = fields["CR3"], let cr4 = fields["CR4"]
            else { throw HarnessError.unexpectedReply(command: "info registers -a", reply: block.joined(separator: "\n")) }
            return VCPURegisters(
                vcpu: index, cr0: fields["CR0"] ?? 0, cr3: cr3, cr4: cr4, efer: fields["EFER"] ?? 0,
                rip: fields["RIP"] ?? 0, idtrBase: fields["IDT.base"] ?? 0, gsBase: fields["GS.base"] ?? 0)
        }
    }

    /// `info mtree -f`: in the flat view of the CPU's address space ("memory"), every range backed
    /// by the RAM backend `backend`, e.g. `0000000100000000-00000001bfffffff (prio 0, ram): ram0 @00000000c0000000`.
    /// No `@offset` means offset 0 in the backend.
    static func ramLayout(fromFlatViews text: String, backend: String) throws -> [FileMapping] {
        var mappings: [FileMapping] = []
        var inSystemMemory = false
        for line in lines(text) {
            if line.hasPrefix("FlatView") { inSystemMemory = false; continue }
            if line.trimmingCharacters(in: .whitespaces) == #"AS "memory", root: system"# { inSystemMemory = true; continue }
            guard inSystemMemory else { continue }
            let words = line.split(separator: " ")
            // range, "(prio", "N,", "ram):" or "rom):", name, optional "@offset"
            guard words.count >= 5, words[3] == "ram):" || words[3] == "rom):", words[4] == backend[...] else { continue }
            let bounds = words[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt64(bounds[0], radix: 16), let last = UInt64(bounds[1], radix: 16)
            else { continue }
            let offset = words.count > 5 && words[5].hasPrefix("@") ? UInt64(words[5].dropFirst(), radix: 16) : 0
            guard let offset else { continue }
            mappings.append(FileMapping(physicalStart: start, length: last - start + 1, fileOffset: offset))
        }
        guard !mappings.isEmpty else { throw HarnessError.unexpectedReply(command: "info mtree -f", reply: String(text.prefix(2000))) }
        return mappings.sorted { $0.physicalStart < $1.physicalStart }
    }

    /// `xp /Ngx ADDR`: lines `0000000009400360: 0xffffffffa2a01a30 0xffffffffa2a01b40`.
    static func quadwords(fromPhysicalExamine text: String) throws -> [UInt64] {
        var values: [UInt64] = []
        for line in lines(text) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            for word in line[line.index(after: colon)...].split(separator: " ") {
                guard word.hasPrefix("0x"), let value = UInt64(word.dropFirst(2), radix: 16) else {
                    throw HarnessError.unexpectedReply(command: "xp", reply: text)
                }
                values.append(value)
            }
        }
        return values
    }
}
