/// Checks the interrupt descriptor table: every present gate of `idt_table` must lead to the
/// kernel's own entry code for its vector (`InterruptEntryLayout`) with the attributes the kernel
/// gives it, and every vCPU's IDT register must point at that table.
///
/// `idt_table` is `gate_desc idt_table[IDT_ENTRIES]` (arch/x86/kernel/idt.c): 256 gates of 16 bytes.
/// On Debian 6.1 and 6.12 every gate is present; 202 of them are interrupt stubs.
public enum IDTCheck {
    public static let tableName = "idt_table"
    public static let registerName = "IDTR"
    public static let vectors = 256

    static func run(space: AddressSpace, symbols: SymbolTable, registers: [VCPURegisters]) -> [StructureResult] {
        guard let table = symbols.symbol(named: tableName), table.module == nil else {
            let missing = StructureResult.Outcome.notChecked("\(tableName) is not in the kernel's symbols")
            return [StructureResult(structure: tableName, outcome: missing), StructureResult(structure: registerName, outcome: missing)]
        }
        return [gates(of: table, space: space, symbols: symbols), register(of: table, space: space, registers: registers)]
    }

    static func gates(of table: KernelSymbol, space: AddressSpace, symbols: SymbolTable) -> StructureResult {
        let bytes: [UInt8]
        do { bytes = try space.read(virtual: table.address, count: vectors * InterruptGate.size) } catch {
            return StructureResult(
                structure: tableName,
                outcome: .notChecked("\(tableName) (\(hex(table.address)), \(vectors * InterruptGate.size) bytes) cannot be read: \(error)"))
        }
        let layout = InterruptEntryLayout(symbols: symbols)
        var differences: [IntegrityDifference] = []
        var present = 0
        for vector in 0..<vectors {
            let offset = vector * InterruptGate.size
            guard let gate = InterruptGate(bytes[offset..<(offset + InterruptGate.size)]), gate.present else { continue }
            present += 1
            let address = table.address + UInt64(offset)
            func difference(_ found: IntegrityDifference.Found, _ expected: String) -> IntegrityDifference {
                IntegrityDifference(
                    structure: tableName, index: vector, entryAddress: address, entryOffset: UInt64(offset),
                    entryPhysical: try? space.translate(address).physical, found: found, expected: expected)
            }
            if !layout.accepts(gate.target, vector: vector, symbols: symbols) {
                differences.append(difference(.pointer(gate.target, PointerPlace(gate.target, in: symbols)), layout.expectation(for: vector)))
            }
            if let problem = gate.attributeProblem(vector: vector) {
                differences.append(difference(.attributes(problem.found), problem.expected))
            }
        }
        let stubs = layout.irqStubs.map {
            "; interrupt stubs every \($0.stride) bytes, system vectors from \(hex(UInt64(layout.firstSystemVector)))"
        } ?? "; interrupt stubs not measurable"
        return StructureResult(
            structure: tableName, outcome: .checked(entries: present, note: "\(present) present gates of \(vectors)\(stubs)"),
            differences: differences)
    }

    /// On x86-64 the IDT register holds a read-only alias of `idt_table` in the CPU entry area
    /// (`idt_map_in_cea()`, CPU_ENTRY_AREA_RO_IDT: 0xfffffe0000000000 on Debian 6.1 and 6.12), so the
    /// register is right when its base reaches the same guest-physical byte as `idt_table`. A source
    /// that does not record the register (Xen's xl dump-core) reports 0, which is left unchecked.
    static func register(of table: KernelSymbol, space: AddressSpace, registers: [VCPURegisters]) -> StructureResult {
        let reported = registers.filter { $0.idtrBase != 0 }
        guard !reported.isEmpty else {
            return StructureResult(structure: registerName, outcome: .unavailable("the guest source does not report the IDT register"))
        }
        let expected: UInt64
        do { expected = try space.translate(table.address).physical } catch {
            return StructureResult(structure: registerName, outcome: .notChecked("\(tableName) does not translate: \(error)"))
        }
        var differences: [IntegrityDifference] = []
        for vcpu in reported {
            let reached = try? space.translate(vcpu.idtrBase).physical
            guard reached != expected else { continue }
            differences.append(
                IntegrityDifference(
                    structure: registerName, index: vcpu.vcpu, entryAddress: vcpu.idtrBase, entryOffset: 0, entryPhysical: reached,
                    found: .attributes(
                        "base \(hex(vcpu.idtrBase)), " + (reached.map { "which reaches guest-physical \(hex($0))" } ?? "which is not mapped")),
                    expected: "a base that reaches \(tableName)'s guest-physical \(hex(expected))"))
        }
        let unreported = registers.count - reported.count
        return StructureResult(
            structure: registerName,
            outcome: .checked(
                entries: reported.count,
                note: "\(reported.count) vCPU\(reported.count == 1 ? "" : "s")" + (unreported > 0 ? " (\(unreported) not reported)" : "")),
            differences: differences)
    }
}
