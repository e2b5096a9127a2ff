import ElfReader
import GuestSources
import Testing
import WardenCore

/// Parsing of HMP text as QEMU 7.2 prints it. The q35 flat view and the real-mode vCPU are
/// captured from qemu-system-x86_64 7.2.22 (plus an SMM view that must be ignored); the long-mode
/// vCPU follows the formats of QEMU's target/i386/cpu-dump.c, since no guest boots in these tests.
@Suite struct QemuMonitorTextTests {
    static let q35Mtree = """
        FlatView #0
         AS "memory", root: system
         AS "cpu-memory-0", root: system
         Root memory region: system
          0000000000000000-000000000009ffff (prio 0, ram): mem
          00000000000a0000-00000000000bffff (prio 1, i/o): vga-lowmem
          00000000000c0000-00000000000dffff (prio 1, rom): pc.rom
          00000000000e0000-00000000000fffff (prio 0, rom): pc.bios @0000000000020000
          0000000000100000-000000007fffffff (prio 0, ram): mem @0000000000100000
          00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios
          0000000100000000-00000001bfffffff (prio 0, ram): mem @0000000080000000

        FlatView #1
         AS "cpu-smm-0", root: memory
         Root memory region: memory
          0000000000000000-000000000009ffff (prio 0, ram): mem
          0000000200000000-00000002ffffffff (prio 0, ram): mem @0000000000000000

        FlatView #2
         AS "mch", root: bus master container
         Root memory region: (none)
          No rendered FlatView

        """

    @Test func mtreeGivesTheBackendsSegmentsInSystemMemoryOnly() throws {
        let segments = try QemuMemoryLayout.segments(mtree: Self.q35Mtree, region: "mem")
        #expect(segments == [
            PhysicalSegment(physical: 0, fileOffset: 0, length: 0xa0000),
            PhysicalSegment(physical: 0x10_0000, fileOffset: 0x10_0000, length: 0x7ff0_0000),
            PhysicalSegment(physical: 0x1_0000_0000, fileOffset: 0x8000_0000, length: 0xc000_0000),
        ])
        #expect(try QemuMemoryLayout.segments(mtree: Self.q35Mtree, region: "pc.bios").count == 0)
    }

    @Test func mtreeWithoutSystemViewOrWithBadRangesIsAnError() {
        #expect(throws: QemuMemoryLayout.ParseError.self) {
            try QemuMemoryLayout.segments(mtree: "FlatView #0\n AS \"I/O\", root: io\n", region: "mem")
        }
        let bad = "FlatView #0\n AS \"memory\", root: system\n  00000000000fffff-0000000000000000 (prio 0, ram): mem\n"
        #expect(throws: QemuMemoryLayout.ParseError(line: 3, problem: "bad address range \"00000000000fffff-0000000000000000\"")) {
            try QemuMemoryLayout.segments(mtree: bad, region: "mem")
        }
        let whole = "FlatView #0\n AS \"memory\", root: system\n  0000000000000000-ffffffffffffffff (prio 0, ram): mem\n"
        #expect(throws: QemuMemoryLayout.ParseError.self) { try QemuMemoryLayout.segments(mtree: whole, region: "mem") }
    }

    static let longModeRegisters = """
        \r
        CPU#0\r
        RAX=0000000000000000 RBX=0000000000000000 RCX=0000000000000001 RDX=000000000001d3b6\r
        RSI=0000000000000083 RDI=000000000001d3b6 RBP=ffffffff82613e28 RSP=ffffffff82613e08\r
        R8 =ffff88807dc2bd60 R9 =0000000000000000 R10=0000000000000001 R11=0000000000000000\r
        R12=0000000000000000 R13=0000000000000000 R14=0000000000000000 R15=0000000000000000\r
        RIP=ffffffff81e0a4ab RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\r
        ES =0000 0000000000000000 ffffffff 00c00000\r
        CS =0010 0000000000000000 ffffffff 00a09b00 DPL=0 CS64 [-RA]\r
        GS =0000 ffff88807dc00000 ffffffff 00c00000\r
        LDT=0000 0000000000000000 00000000 00008200 DPL=0 LDT\r
        TR =0040 fffffe0000003000 00004087 00008900 DPL=0 TSS64-avl\r
        GDT=     fffffe0000001000 0000007f\r
        IDT=     fffffe0000000000 00000fff\r
        CR0=80050033 CR2=00007f6f1c3b6000 CR3=0000000002a0e000 CR4=00350ef0\r
        DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000 \r
        DR6=00000000ffff0ff0 DR7=0000000000000400\r
        EFER=0000000000000d01\r
        FCW=037f FSW=0000 [ST=0] FTW=00 MXCSR=00001f80\r
        \r
        CPU#1\r
        EAX=00000000 EBX=00000000 ECX=00000000 EDX=00060fb1\r
        EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=1\r
        GS =0000 00000000 0000ffff 00009300\r
        IDT=     00000000 0000ffff\r
        CR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000\r
        EFER=0000000000000000\r

        """

    @Test func registerDumpGivesEveryVCPUInLongAndRealMode() throws {
        let registers = try QemuRegisterDump.parse(Self.longModeRegisters)
        #expect(registers == [
            VCPURegisters(
                vcpu: 0, cr0: 0x8005_0033, cr3: 0x2a0_e000, cr4: 0x35_0ef0, efer: 0xd01, rip: 0xffff_ffff_81e0_a4ab,
                idtrBase: 0xffff_fe00_0000_0000, gsBase: 0xffff_8880_7dc0_0000, kernelGSBase: 0),
            VCPURegisters(
                vcpu: 1, cr0: 0x6000_0010, cr3: 0, cr4: 0, efer: 0, rip: 0xfff0, idtrBase: 0, gsBase: 0,
                kernelGSBase: 0),
        ])
    }

    @Test func registerDumpMissingAFieldOrAnyCPUIsAnError() {
        let noCR3 = "CPU#0\nEIP=0000fff0\nGS =0000 00000000 0000ffff 00009300\nIDT=     00000000 0000ffff\n"
            + "CR0=60000010 CR4=00000000\nEFER=0000000000000000\n"
        #expect(throws: QemuRegisterDump.ParseError(problem: "vCPU 0 has no CR3 value")) {
            try QemuRegisterDump.parse(noCR3)
        }
        #expect(throws: QemuRegisterDump.ParseError.self) { try QemuRegisterDump.parse("unknown command: 'info registerz'\r\n") }
        #expect(throws: QemuRegisterDump.ParseError.self) { try QemuRegisterDump.parse("CPU#x\n") }
    }
}
