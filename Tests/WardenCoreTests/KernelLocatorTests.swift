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
