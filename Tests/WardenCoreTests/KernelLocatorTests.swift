import SyntheticGuest
import Testing
import WardenCore

@Suite struct KernelLocatorTests {
    @Test(arguments: [false, true])
    func findsTheKASLRShiftedKernelFromPageTablesAlone(fiveLevel: Bool) throws {
        var configuration = SyntheticGuest.Configuration()
        configuration.fiveLevelPaging = fiveLevel
        configuration.kaslrSlide = 0x2A0_0000
        configuration.physicalBase = 0x0220_0000
        let guest = try SyntheticGuest(configuration)
        let found = try KernelLocator.locate(memory: guest.memory, registers: guest.vcpuRegisters())
        #expect(found.textBase == 0xFFFF_FFFF_83A0_0000)
        #expect(found.kaslrSlide == 0x2A0_0000)
        #expect(found.physicalBase == 0x0220_0000)
        #expect(found.pagingLevels == (fiveLevel ? 5 : 4))
    }

    @Test func aVCPUCaughtOnThePTIUserTableStillLeadsToTheKernel() throws {
        var configuration = SyntheticGuest.Configuration()
        configuration.ptiUserCR3 = true
        let guest = try SyntheticGuest(configuration)
        let registers = guest.vcpuRegisters()
        #expect(registers[0].cr3 & 0x1000 != 0)
        let found = try KernelLocator.locate(memory: guest.memory, registers: [registers[0]])
        #expect(found.kernelCR3 == registers[0].cr3 & ~0x1FFF)
        #expect(found.textBase == guest.textBase)
    }

    /// A real PTI user table is not empty: it maps the entry text (Debian 6.1: the 2 MiB at
    /// `__entry_text_start`, 0xffffffff81c00000 without KASLR; arch/x86/mm/pti.c
    /// `pti_clone_entry_text`), and without PCID the text and rodata too. The kernel half maps all of
    /// it and the rest of the image, so it must win; a search through the user half would read 2 MiB.
    @Test func aPTIUserTableThatMapsTheEntryTextDoesNotStandInForTheKernel() throws {
        var configuration = SyntheticGuest.Configuration()
        configuration.ptiUserCR3 = true
        let guest = try SyntheticGuest(configuration)
        let registers = guest.vcpuRegisters()
        let kernelRoot = registers[0].cr3 & 0x000F_FFFF_FFFF_F000 & ~0x1000
        var builder = PageTableBuilder(
            memory: guest.ram, tableRegion: PhysicalRange(start: 0x1C_0000, end: 0x20_0000), fiveLevel: false)
        let entryText = guest.textBase + 0x40_0000
        try builder.map(
            virtual: entryText, physical: guest.physicalAddress(ofKernelVirtual: entryText), pageSize: 2 << 20,
            root: kernelRoot | 0x1000)
        let found = try KernelLocator.locate(memory: guest.memory, registers: [registers[0]])
        #expect(found.kernelCR3 == kernelRoot)
        #expect(found.textBase == guest.textBase)
        #expect(found.imageMappingEnd == guest.textBase + 12 << 20)
    }

    /// Without PTI a top-level table may sit at an odd page; the page before it is then not a
    /// kernel table, and what it seems to map must not replace what the vCPU's own table maps.
    @Test func anOddTopLevelTableIsTrustedOverThePageBeforeIt() throws {
        let memory = SyntheticMemory(size: 8 << 20)
        var builder = PageTableBuilder(
            memory: memory, tableRegion: PhysicalRange(start: 0x10_0000, end: 0x20_0000), fiveLevel: false)
        let odd = builder.root | 0x1000
        try builder.map(virtual: 0xFFFF_FFFF_8100_0000, physical: 0x40_0000, pageSize: 2 << 20, root: odd)
        // The even page maps something else in the window, as stray data could seem to.
        try builder.map(virtual: 0xFFFF_FFFF_9000_0000, physical: 0x60_0000, pageSize: 2 << 20)
        let found = try KernelLocator.locate(memory: memory, registers: [VCPURegisters(vcpu: 0, cr3: odd, cr4: 1 << 5)])
        #expect(found.kernelCR3 == odd)
        #expect(found.textBase == 0xFFFF_FFFF_8100_0000)
    }

    /// The vCPU's CR3 names its process's table, which is reused once the process exits; walks of
    /// the located kernel keep the entries read when it was found (issue 9).
    @Test func theLocatedKernelOutlivesTheTopLevelTableItWasFoundThrough() throws {
        let guest = try SyntheticGuest()
        let found = try KernelLocator.locate(memory: guest.memory, registers: guest.vcpuRegisters())
        try guest.ram.write(physical: found.kernelCR3, bytes: [UInt8](repeating: 0, count: 4096))
        let space = AddressSpace(memory: guest.memory, kernel: found)
        #expect(try space.translate(guest.textBase).physical == guest.configuration.physicalBase)
        #expect(throws: TranslationError.self) {
            try AddressSpace(memory: guest.memory, cr3: found.kernelCR3, fiveLevel: false).translate(guest.textBase)
        }
    }

    @Test func noVCPUsOrNoLongModeAreExplained() throws {
        let guest = try SyntheticGuest()
        #expect(throws: KernelLocatorError.noVCPUs) { try KernelLocator.locate(memory: guest.memory, registers: []) }
        let realMode = VCPURegisters(vcpu: 0, cr0: 0x10, cr3: 0, cr4: 0)
        #expect(throws: KernelLocatorError.notInLongMode(vcpu: 0, cr0: 0x10, cr4: 0)) {
            try KernelLocator.locate(memory: guest.memory, registers: [realMode])
        }
    }

    @Test func tablesThatMapNoKernelAreReportedWithTheCR3Tried() throws {
        let memory = SyntheticMemory(size: 4 << 20)
        let registers = [VCPURegisters(vcpu: 0, cr3: 0x10_0000, cr4: 1 << 5)]
        #expect(throws: KernelLocatorError.kernelMappingNotFound(triedCR3: [0x10_0000])) {
            try KernelLocator.locate(memory: memory, registers: registers)
        }
    }

    @Test func aHostileMappingOfTheWholeWindowIsRefused() throws {
        let memory = SyntheticMemory(size: 8 << 20)
        var builder = PageTableBuilder(
            memory: memory, tableRegion: PhysicalRange(start: 0x10_0000, end: 0x20_0000), fiveLevel: false)
        // Every 2 MiB of the 1 GiB window maps the same frame: 1 GiB of "kernel" to read.
        for chunk in stride(from: KernelLocator.kernelMapStart, to: KernelLocator.kernelMapEnd, by: 2 << 20) {
            try builder.map(virtual: chunk, physical: 0x40_0000, pageSize: 2 << 20)
        }
        let registers = [VCPURegisters(vcpu: 0, cr3: builder.root, cr4: 1 << 5)]
        #expect(throws: KernelLocatorError.imageMappingTooLarge(start: KernelLocator.kernelMapStart, end: KernelLocator.kernelMapEnd)) {
            try KernelLocator.locate(memory: memory, registers: registers)
        }
    }

    @Test(arguments: KallsymsLayout.allCases)
    func guestKernelSymbolsEqualTheGeneratedKernelsOwn(layout: KallsymsLayout) throws {
        var configuration = SyntheticGuest.Configuration()
        configuration.kallsymsLayout = layout
        let guest = try SyntheticGuest(configuration)
        let kernel = try GuestKernel.read(memory: guest.memory, registers: guest.vcpuRegisters())
        #expect(kernel.layout == layout)
        let recovered = Set(kernel.symbols.symbols.map { "\($0.name)@\($0.address)" })
        let truth = Set(guest.symbols.map { "\($0.name)@\($0.address)" })
        #expect(recovered == truth)
        #expect(kernel.symbols.origin == .guestMemory(source: "synthetic guest"))
    }
}
