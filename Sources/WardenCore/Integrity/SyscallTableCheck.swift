/// Checks that every entry of a syscall table is the start of one of the kernel image's own syscall
/// entry functions, as Volatility's `check_syscall` does offline.
///
/// The names come from how the tables are built: arch/x86/entry/syscall_64.c expands each line of
/// syscall_64.tbl to `__x64_<sym>`, syscall_32.c to `__ia32_<sym>` (compat entries
/// `__ia32_compat_sys_*`), syscall_x32.c to `__x64_<sym>` or `__x32_compat_sys_*`; unused numbers
/// hold `sys_ni_syscall` under its wrapper's name (`__x64_sys_ni_syscall`). Debian's 6.1 and 6.12
/// kernels keep only `sys_call_table` (the 2024 switch dispatchers `x64_sys_call`… replaced the
/// ia32 and x32 tables), with 451 and 463 entries, each the first byte of a `__x64_sys_*`
/// function; the others are checked where a kernel still has them. Syscalls a build leaves out are
/// weak functions (`COND_SYSCALL` in kernel/sys_ni.c: Debian 6.1's `__x64_sys_lookup_dcookie` is `W`).
public struct SyscallTableCheck: Sendable {
    public var table: String
    /// Name prefixes an entry's function may carry.
    public var entryPrefixes: [String]
    /// False for tables that kernels since 2024 no longer have.
    public var required: Bool

    public static let x64 = SyscallTableCheck(table: "sys_call_table", entryPrefixes: ["__x64_sys_"], required: true)
    public static let ia32 = SyscallTableCheck(
        table: "ia32_sys_call_table", entryPrefixes: ["__ia32_sys_", "__ia32_compat_sys_"], required: false)
    public static let x32 = SyscallTableCheck(
        table: "x32_sys_call_table", entryPrefixes: ["__x64_sys_", "__x32_compat_sys_"], required: false)
    public static let all = [x64, ia32, x32]

    /// No x86 table has come near this (x32's reached 548 entries); a larger extent is a damaged or
    /// hostile symbol table, not a syscall table.
    public static let maximumEntries = 4096
    /// The kernel's handler for unassigned syscall numbers, under its plain name (pre-wrapper kernels stored it).
    static let unassignedNumberHandler = "sys_ni_syscall"

    var expectation: String {
        "the start of a " + entryPrefixes.map { "\($0)*" }.joined(separator: " or ") + " function (or \(Self.unassignedNumberHandler)) in the kernel image"
    }

    /// Whether `address` is the first byte of a function this table may hold.
    func isEntryFunction(_ address: UInt64, in symbols: SymbolTable) -> Bool {
        symbols.kernelSymbols(at: address).contains { symbol in
            symbol.isCode && (symbol.name == Self.unassignedNumberHandler || entryPrefixes.contains { symbol.name.hasPrefix($0) })
        }
    }

    func run(space: AddressSpace, symbols: SymbolTable) -> StructureResult {
        guard let start = symbols.symbol(named: table), start.module == nil else {
            return StructureResult(structure: table, outcome: required ? .notChecked("\(table) is not in the kernel's symbols") : .absent)
        }
        let extent: UInt64
        switch Self.extent(of: start, in: symbols) {
        case .success(let bytes): extent = bytes
        case .failure(let reason): return StructureResult(structure: table, outcome: .notChecked(reason.text))
        }
        let count = Int(extent / 8)
        let bytes: [UInt8]
        do { bytes = try space.read(virtual: start.address, count: count * 8) } catch {
            return StructureResult(
                structure: table, outcome: .notChecked("\(table) (\(hex(start.address)), \(count * 8) bytes) cannot be read: \(error)"))
        }
        let entries = (0..<count).map { index in
            bytes[(index * 8)..<(index * 8 + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
        let padding = Self.alignmentPadding(entries, end: start.address &+ extent)
        var differences: [IntegrityDifference] = []
        for (index, entry) in entries.enumerated().dropLast(padding) where !isEntryFunction(entry, in: symbols) {
            let offset = UInt64(index * 8)
            differences.append(
                IntegrityDifference(
                    structure: table, index: index, entryAddress: start.address + offset, entryOffset: offset,
                    entryPhysical: try? space.translate(start.address + offset).physical,
                    found: .pointer(entry, PointerPlace(entry, in: symbols)), expected: expectation))
        }
        let note = padding == 0 ? "" : ", then \(padding) zero quadword\(padding == 1 ? "" : "s") of alignment padding"
        return StructureResult(
            structure: table, outcome: .checked(entries: count - padding, note: "\(count - padding) entries\(note)"),
            differences: differences)
    }

    struct ExtentProblem: Error { let text: String }

    /// The table's size in bytes: the symbol's own size when the source records sizes (an ELF
    /// vmlinux), else up to the next kernel symbol (kallsyms, System.map), a multiple of 8.
    static func extent(of start: KernelSymbol, in symbols: SymbolTable) -> Result<UInt64, ExtentProblem> {
        let bytes: UInt64
        if let size = start.size, size > 0 {
            bytes = size
        } else if let next = symbols.nextKernelAddress(after: start.address) {
            bytes = next - start.address
        } else {
            return .failure(ExtentProblem(text: "no kernel symbol follows \(start.name), so its extent is unknown"))
        }
        guard bytes >= 8, bytes / 8 <= UInt64(maximumEntries), !start.address.addingReportingOverflow(bytes).overflow else {
            return .failure(
                ExtentProblem(
                    text: "\(start.name) would span \(bytes) bytes (\(bytes / 8) entries) "
                        + (start.size ?? 0 > 0 ? "by its symbol size" : "up to the next symbol") + "; "
                        + "a syscall table has 1 to \(maximumEntries) entries, so the symbols are damaged"))
        }
        return .success(bytes / 8 * 8)
    }

    /// How many trailing zero entries are the linker's padding before the next symbol. An extent
    /// measured up to the next symbol includes the gap the linker left to align that symbol: Debian
    /// 6.1's 451 entries end 8 bytes before `vdso_mapping` (aligned to 32), 6.12's 463 likewise.
    /// The gap is shorter than the next symbol's alignment (the largest power of two, up to a page,
    /// dividing its address), so at most that many zeros are padding; zeros before them are entries.
    static func alignmentPadding(_ entries: [UInt64], end: UInt64) -> Int {
        let zeros = entries.reversed().prefix { $0 == 0 }.count
        let alignment = min(end & (~end &+ 1), 4096)
        let mostPadding = alignment >= 8 ? Int((alignment - 8) / 8) : 0
        return min(zeros, mostPadding, entries.count - 1)
    }
}

extension KernelSymbol {
    /// Text, global or local, strong or weak (`T`, `t`, `W`, `w`): what a code pointer may lead to.
    var isCode: Bool { type == "T" || type == "t" || type == "W" || type == "w" }
}
