import WardenCore

/// The symbols and section layout of the generated kernel, as offsets from `_text`.
/// Names and ordering follow an x86-64 Linux 6.1 image so policies written for real kernels apply.
enum SyntheticKernel {
    static let textSize: UInt64 = 6 << 20
    static let rodataOffset: UInt64 = 6 << 20
    static let dataOffset: UInt64 = 10 << 20
    static let imageSize: UInt64 = 12 << 20
    /// NR_syscalls of 6.1 x86-64 (arch/x86/entry/syscalls/syscall_64.tbl, highest number 450).
    static let syscallCount = 451
    static let ia32SyscallCount = 451
    static let syscallTableOffset = rodataOffset + 0x2_0300
    static let ia32SyscallTableOffset = rodataOffset + 0x2_1200
    static let kallsymsOffset = rodataOffset + 0x4_0000
    static let idtTableOffset = dataOffset + 0x1_0000
    static let modprobePathOffset = dataOffset + 0x2_0000

    /// Text symbols: (name, offset from _text). Syscall handlers follow, one per 64 bytes.
    static let functions: [(String, UInt64)] = [
        ("startup_64", 0), ("_stext", 0x1000), ("x64_sys_call", 0x2000), ("ia32_sys_call", 0x4000),
        ("do_syscall_64", 0x6000), ("text_poke", 0x1_0000), ("text_poke_bp_batch", 0x1_0800),
        ("__text_poke", 0x1_1000), ("text_poke_copy", 0x1_1800), ("ftrace_modify_all_code", 0x2_0000),
        ("arch_jump_label_transform", 0x2_1000), ("__static_call_transform", 0x2_2000),
        ("apply_alternatives", 0x2_3000), ("commit_creds", 0x3_0000), ("native_write_cr0", 0x3_1000),
        ("entry_SYSCALL_64", 0x4_0000),
    ]
    static let syscallHandlersOffset: UInt64 = 0x10_0000
    /// The ia32 table's handlers (`__ia32_sys_*`, as arch/x86/entry/syscall_32.c names them).
    static let ia32HandlersOffset: UInt64 = 0x20_0000
    /// A syscall the build left out: a weak `COND_SYSCALL` function, as lookup_dcookie (212) is in Debian 6.1.
    static let weakSyscall = 212
    static let etextOffset = textSize - 0x1_0000

    /// The kernel's symbols at runtime addresses for a kernel whose `_text` is `textBase`.
    static func symbols(textBase: UInt64) -> [KernelSymbol] {
        var symbols: [KernelSymbol] = [KernelSymbol(name: "_text", address: textBase, type: "T")]
        for (name, offset) in functions {
            symbols.append(KernelSymbol(name: name, address: textBase + offset, type: "T"))
        }
        for number in 0..<syscallCount {
            let name = "__x64_sys_call_\(number)"
            symbols.append(KernelSymbol(name: name, address: handler(number, textBase), type: number == weakSyscall ? "W" : "T"))
        }
        for number in 0..<ia32SyscallCount {
            symbols.append(KernelSymbol(name: "__ia32_sys_call_\(number)", address: ia32Handler(number, textBase), type: "T"))
        }
        symbols += SyntheticInterrupts.symbols(textBase: textBase)
        // Enough filler to need several kallsyms markers (one per 256 names).
        for index in 0..<1500 {
            let address = textBase + 0x30_0000 + UInt64(index) * 0x400
            symbols.append(KernelSymbol(name: "synthetic_function_\(index)", address: address, type: "t"))
        }
        let data: [(String, UInt64, Character)] = [
            ("_etext", etextOffset, "T"), ("__start_rodata", rodataOffset, "D"),
            ("__start___ex_table", rodataOffset + 0x1_0000, "D"), ("__stop___ex_table", rodataOffset + 0x1_8000, "D"),
            ("sys_call_table", syscallTableOffset, "D"), ("ia32_sys_call_table", ia32SyscallTableOffset, "D"),
            // What follows the ia32 table ends its extent; 0x100-aligned, so 29 zero quadwords of padding precede it.
            ("vdso_mapping", ia32SyscallTableOffset + 0xF00, "d"),
            ("__start_ro_after_init", rodataOffset + 0x20_0000, "D"), ("__end_ro_after_init", rodataOffset + 0x20_8000, "D"),
            ("kallsyms_offsets", kallsymsOffset, "R"), ("__end_rodata", dataOffset - 0x10_0000, "D"),
            ("_sdata", dataOffset, "D"), ("idt_table", idtTableOffset, "d"),
            ("modprobe_path", modprobePathOffset, "D"), ("init_cred", modprobePathOffset + 0x100, "D"),
            ("core_pattern", modprobePathOffset + 0x200, "D"), ("poweroff_cmd", modprobePathOffset + 0x300, "D"),
            ("modules_disabled", modprobePathOffset + 0x400, "D"), ("overflowuid", modprobePathOffset + 0x404, "D"),
            ("_edata", dataOffset + 0x10_0000, "D"), ("__bss_start", dataOffset + 0x10_0000, "B"),
            ("_end", imageSize, "B"),
        ]
        for (name, offset, type) in data {
            symbols.append(KernelSymbol(name: name, address: textBase + offset, type: type))
        }
        return symbols
    }

    static func handler(_ number: Int, _ textBase: UInt64) -> UInt64 {
        textBase + syscallHandlersOffset + UInt64(number) * 64
    }

    static func ia32Handler(_ number: Int, _ textBase: UInt64) -> UInt64 {
        textBase + ia32HandlersOffset + UInt64(number) * 64
    }
}
