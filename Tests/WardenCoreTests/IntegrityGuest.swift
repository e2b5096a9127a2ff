import SyntheticGuest
import WardenCore

/// A generated guest read the way `warden check` reads one, with helpers to plant hooks in it.
struct IntegrityGuest {
    let guest: SyntheticGuest
    let kernel: GuestKernel

    init(_ configuration: SyntheticGuest.Configuration = SyntheticGuest.Configuration()) throws {
        guest = try SyntheticGuest(configuration)
        kernel = try GuestKernel.read(memory: guest.memory, registers: guest.vcpuRegisters())
    }

    var space: AddressSpace { AddressSpace(memory: guest.memory, kernel: kernel.location) }

    func check(symbols: SymbolTable? = nil, registers: [VCPURegisters]? = nil) -> IntegrityReport {
        KernelIntegrity.check(space: space, symbols: symbols ?? kernel.symbols, registers: registers ?? guest.vcpuRegisters())
    }

    func address(_ name: String) throws -> UInt64 {
        guard let symbol = guest.symbols.first(where: { $0.name == name }) else { throw Missing(name: name) }
        return symbol.address
    }

    /// Overwrites entry `index` of a syscall table, as a rootkit hooking that syscall does.
    func hookSyscall(_ table: String, _ index: Int, to target: UInt64) throws {
        let entry = try address(table) + UInt64(index * 8)
        try guest.ram.writeUInt64(physical: guest.physicalAddress(ofKernelVirtual: entry), target)
    }

    /// Replaces IDT gate `vector` with a present interrupt gate to `target`.
    func hookGate(_ vector: Int, to target: UInt64, privilegeLevel: UInt8 = 0, selector: UInt16 = 0x10) throws {
        let gate = try address("idt_table") + UInt64(vector * 16)
        try guest.ram.write(
            physical: guest.physicalAddress(ofKernelVirtual: gate),
            bytes: SyntheticInterrupts.gate(to: target, privilegeLevel: privilegeLevel, selector: selector))
    }

    struct Missing: Error { let name: String }
}

extension IntegrityReport {
    func result(_ structure: String) -> StructureResult? { results.first { $0.structure == structure } }
}
