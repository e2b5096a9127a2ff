import WardenCore

/// HMP text as QEMU 7.2 prints it (the formats `QemuMemoryLayout` and `QemuRegisterDump` document,
/// with the q35 layout the GuestSources tests captured), generated for a given guest.
public enum QemuMonitorText {
    /// `info mtree -f` of a q35 machine: RAM below 2 GiB around the legacy holes, the rest from 4 GiB
    /// (in the file right after the low part), and an SMM view that must be ignored.
    public static func mtree(ramSize: UInt64, backend: String) -> String {
        let low = min(ramSize, 0x8000_0000)
        var lines = [
            "FlatView #0", " AS \"memory\", root: system", " AS \"cpu-memory-0\", root: system", " Root memory region: system",
            "  \(range(0, 0xa0000)) (prio 0, ram): \(backend)",
            "  \(range(0xa0000, 0x20000)) (prio 1, i/o): vga-lowmem",
            "  \(range(0xc0000, 0x20000)) (prio 1, rom): pc.rom",
            "  \(range(0xe0000, 0x20000)) (prio 0, rom): pc.bios @\(hex(0x20000))",
            "  \(range(0x10_0000, low - 0x10_0000)) (prio 0, ram): \(backend) @\(hex(0x10_0000))",
            "  \(range(0xfffc_0000, 0x4_0000)) (prio 0, rom): pc.bios",
        ]
        if ramSize > low { lines.append("  \(range(0x1_0000_0000, ramSize - low)) (prio 0, ram): \(backend) @\(hex(low))") }
        lines += [
            "", "FlatView #1", " AS \"cpu-smm-0\", root: memory", " Root memory region: memory",
            "  \(range(0, 0xa0000)) (prio 0, ram): \(backend)", "",
        ]
        return lines.joined(separator: "\r\n")
    }

    /// `info registers -a` for long-mode vCPUs (target/i386/cpu-dump.c's format).
    public static func registers(_ vcpus: [VCPURegisters]) -> String {
        vcpus.map { vcpu in
            [
                "", "CPU#\(vcpu.vcpu)",
                "RAX=\(hex(0)) RBX=\(hex(0)) RCX=\(hex(1)) RDX=\(hex(0x1d3b6))",
                "RIP=\(hex(vcpu.rip)) RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1",
                "ES =0000 \(hex(0)) ffffffff 00c00000",
                "CS =0010 \(hex(0)) ffffffff 00a09b00 DPL=0 CS64 [-RA]",
                "GS =0000 \(hex(vcpu.gsBase)) ffffffff 00c00000",
                "TR =0040 fffffe0000003000 00004087 00008900 DPL=0 TSS64-avl",
                "GDT=     fffffe0000001000 0000007f",
                "IDT=     \(hex(vcpu.idtrBase)) 00000fff",
                "CR0=\(hex(vcpu.cr0, width: 8)) CR2=\(hex(0)) CR3=\(hex(vcpu.cr3)) CR4=\(hex(vcpu.cr4, width: 8))",
                "EFER=\(hex(vcpu.efer))",
            ].joined(separator: "\r\n")
        }.joined(separator: "\r\n") + "\r\n"
    }

    static func hex(_ value: UInt64, width: Int = 16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// An mtree range: inclusive start and end.
    static func range(_ start: UInt64, _ length: UInt64) -> String { "\(hex(start))-\(hex(start + length - 1))" }
}
