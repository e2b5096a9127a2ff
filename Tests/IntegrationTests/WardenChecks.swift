import Foundation
import GuestSources
import KernelImage
import Testing
import WardenCore

/// Warden's pieces run on a real guest and compared with the ground truth: the guest's own
/// /proc/kallsyms, QEMU's page walk (`gva2gpa`) and kallsyms-finder.
enum WardenChecks {
    /// The two ways Warden reads a QEMU guest's memory.
    enum MemoryPath: String, CaseIterable, Sendable, CustomStringConvertible {
        /// `QemuLiveGuest`: the shared RAM file plus QMP, guest running.
        case sharedRAM = "shared RAM file"
        /// `ElfCoreDump`: a `dump-guest-memory` ELF core.
        case elfDump = "ELF dump"

        var description: String { rawValue }
    }

    static func source(_ path: MemoryPath, of guest: RunningGuest) async throws -> any GuestSource {
        switch path {
        case .sharedRAM: try QemuLiveGuest(ramFile: guest.ramFile.path, qmpSocket: guest.qmpSocketPath)
        case .elfDump: try ElfCoreDump(path: try await guest.coreDump().url.path)
        }
    }

    /// Warden's view of the kernel: where it is and the page tables that map it.
    static func locate(_ path: MemoryPath, of guest: RunningGuest) async throws -> (LocatedKernel, AddressSpace) {
        let source = try await source(path, of: guest)
        let located = try KernelLocator.locate(memory: source.memory, registers: try source.vcpuRegisters())
        let space = AddressSpace(memory: source.memory, kernel: located)
        return (located, space)
    }

    static func locatesTheKernel(_ guest: RunningGuest, via path: MemoryPath) async throws {
        let (located, _) = try await locate(path, of: guest)
        let text = try GroundTruthChecks.symbol("_text", in: guest).address
        #expect(located.textBase == text, "\(path): _text")
        #expect(located.kaslrSlide == text &- GroundTruthChecks.linkTimeText, "\(path): KASLR slide")
        #expect(located.physicalBase == (try await guest.gva2gpa(text)), "\(path): physical _text")
        #expect(located.pagingLevels == (guest.configuration.expectsFiveLevelPaging ? 5 : 4), "\(path): paging levels")
    }

    /// Text, read-only data, data, and a module function (vmalloc space, 4 KiB pages).
    static func probeSymbols(_ guest: RunningGuest) throws -> [KernelSymbol] {
        let kernel = try ["_text", "_stext", "sys_call_table", "linux_banner", "init_task", "_etext"].map {
            try GroundTruthChecks.symbol($0, in: guest)
        }
        let module = try #require(guest.kallsyms.symbols.first { $0.module == "minix" && $0.type.lowercased() == "t" })
        return kernel + [module]
    }

    static func pageWalkMatchesQEMU(_ guest: RunningGuest, via path: MemoryPath) async throws {
        let (_, space) = try await locate(path, of: guest)
        for symbol in try probeSymbols(guest) {
            let expected = try #require(await guest.gva2gpa(symbol.address), "QEMU cannot translate \(symbol.name)")
            let translation = try space.translate(symbol.address)
            #expect(translation.physical == expected, "\(path): \(symbol.name) at 0x\(String(symbol.address, radix: 16))")
        }
    }

    /// kallsyms decoded from the kernel image in guest memory (`GuestKernel.read`, what
    /// `warden symbols` and `warden plan` use) lists exactly the kernel's own symbols of
    /// /proc/kallsyms, at their runtime addresses.
    static func recoversTheGuestKallsyms(_ guest: RunningGuest, via path: MemoryPath) async throws {
        let source = try await source(path, of: guest)
        let kernel = try GuestKernel.read(memory: source.memory, registers: try source.vcpuRegisters())
        SymbolComparison.expectSame(
            SymbolComparison.entries(kernel.symbols.symbols), "Warden (\(path))",
            SymbolComparison.entries(GuestKallsyms.coreKernelSymbols(guest.kallsyms)), "the guest's /proc/kallsyms")
    }

    /// Warden's bzImage unpacking and kallsyms decoding give what kallsyms-finder gives.
    static func imageSymbolsMatchKallsymsFinder(_ guest: RunningGuest) async throws {
        let reference = try await ImageGroundTruth.kallsymsFinderSymbols(for: guest)
        let table = try KernelImage(contentsOf: guest.kernel.vmlinuz.path).symbolTable()
        SymbolComparison.expectSame(
            SymbolComparison.entries(table.symbols), "Warden's KernelImage",
            SymbolComparison.entries(reference), "kallsyms-finder")
    }

    /// Warden's symbols from the guest's own bzImage, moved by the KASLR slide, are the kernel
    /// symbols of the guest's /proc/kallsyms: the kernel's own word, for an image (lz4) that
    /// kallsyms-finder cannot read. Absolute (`A`) per-CPU symbols do not move.
    static func imageSymbolsPlusSlideAreTheGuestKallsyms(_ guest: RunningGuest) throws {
        let table = try KernelImage(contentsOf: guest.kernel.vmlinuz.path).symbolTable()
        let imageText = try #require(table.symbol(named: "_text"), "no _text in the image's kallsyms").address
        #expect(imageText == GroundTruthChecks.linkTimeText)
        let slide = try GroundTruthChecks.symbol("_text", in: guest).address &- imageText
        SymbolComparison.expectSame(
            SymbolComparison.entries(table.slid(by: slide).symbols), "Warden's KernelImage + slide",
            SymbolComparison.entries(GuestKallsyms.coreKernelSymbols(guest.kallsyms)), "the guest's /proc/kallsyms")
    }
}
