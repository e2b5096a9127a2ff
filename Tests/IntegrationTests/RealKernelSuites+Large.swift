import Foundation
import Testing
import WardenCore

extension RealKernelTests {
    @Suite(
        "6.1, 6 GiB: RAM above 4 GiB", .serialized, .requiresGuest(.largeMemory),
        .sharedGuest(.largeMemory), .timeLimit(.minutes(10)))
    struct LargeMemory {
        let guest: RunningGuest
        init() async throws { guest = try await SharedGuest.running() }

        @Test func procKallsymsListsKernelAndModuleSymbols() throws {
            try GroundTruthChecks.kallsymsListsKernelAndModuleSymbols(guest)
        }
        @Test func kaslrMovedTheKernel() async throws { try await GroundTruthChecks.kernelIsRandomised(guest) }
        @Test func cr4ShowsFourLevelPaging() async throws { try await GroundTruthChecks.pagingDepthIsAsConfigured(guest) }
        @Test func sysCallTableHoldsTheSyscallEntryPoints() async throws {
            try await GroundTruthChecks.sysCallTableHoldsTheSyscallEntryPoints(guest)
        }

        /// The pc machine keeps 3 GiB below the PCI hole and puts the rest at 4 GiB, while the RAM
        /// file is one contiguous run: physical address and file offset part ways there.
        @Test func ramAbove4GiBFollowsLowRAMInTheFile() async throws {
            let layout = try await guest.ramLayout()
            let high = try #require(layout.first { $0.physicalStart >= 1 << 32 }, "no RAM above 4 GiB in \(layout)")
            #expect(high.physicalStart == 1 << 32)
            #expect(high.fileOffset == layout.filter { $0.physicalStart < 1 << 32 }.map(\.physicalEnd).max())
            #expect(high.fileOffset + high.length == UInt64(guest.configuration.memoryMiB) << 20, "the file ends with high RAM")
            let text = try GroundTruthChecks.symbol("_text", in: guest).address
            let physical = try #require(await guest.gva2gpa(text))
            // Where KASLR put the kernel is chance; it is reported, not required.
            print("integration: \(guest.configuration.name): _text at guest-physical 0x\(String(physical, radix: 16)), "
                  + (physical >= 1 << 32 ? "above 4 GiB" : "below 4 GiB (KASLR chose low memory this boot)"))
        }

        /// Memory is allocated top down at boot, so high RAM holds data and the comparison means something there.
        @Test func dumpAndSharedRAMHoldTheSameBytes() async throws {
            let highPages = try await GroundTruthChecks.dumpMatchesSharedRAM(guest)
            #expect(highPages > 0, "no data above 4 GiB: the comparison did not cover high RAM")
        }

        @Test(arguments: Path.allCases) func wardenLocatesTheKernel(via path: Path) async throws {
            try await WardenChecks.locatesTheKernel(guest, via: path)
        }
        @Test(arguments: Path.allCases) func wardenPageWalkMatchesQEMU(via path: Path) async throws {
            try await WardenChecks.pageWalkMatchesQEMU(guest, via: path)
        }
        @Test(arguments: Path.allCases) func wardenRecoversTheGuestKallsyms(via path: Path) async throws {
            try await WardenChecks.recoversTheGuestKallsyms(guest, via: path)
        }
        @Test(.requiresWardenExecutable, arguments: Path.allCases)
        func wardenPlanFramesAreWhereQEMUMapsTheTargets(via path: Path) async throws {
            try await WardenCLIChecks.planFramesAreWhereQEMUMapsTheTargets(guest, via: path)
        }
        @Test(.requiresWardenExecutable) func wardenPlansTheKernelCorePolicy() async throws {
            try await WardenCLIChecks.kernelCorePlanResolvesEveryRequiredTarget(guest, via: .elfDump)
        }
    }

    @Suite(
        "6.12, 5-level paging, 1 GiB", .serialized, .requiresGuest(.kernel612),
        .sharedGuest(.kernel612), .timeLimit(.minutes(10)))
    struct Kernel612 {
        let guest: RunningGuest
        init() async throws { guest = try await SharedGuest.running() }

        @Test func procKallsymsListsKernelAndModuleSymbols() throws {
            try GroundTruthChecks.kallsymsListsKernelAndModuleSymbols(guest)
        }
        @Test func kaslrMovedTheKernel() async throws { try await GroundTruthChecks.kernelIsRandomised(guest) }
        @Test func cr4ShowsFiveLevelPaging() async throws { try await GroundTruthChecks.pagingDepthIsAsConfigured(guest) }
        @Test func sysCallTableHoldsTheSyscallEntryPoints() async throws {
            try await GroundTruthChecks.sysCallTableHoldsTheSyscallEntryPoints(guest)
        }
        @Test func dumpAndSharedRAMHoldTheSameBytes() async throws { try await GroundTruthChecks.dumpMatchesSharedRAM(guest) }
        @Test(.requiresKallsymsFinder) func kallsymsFinderAgreesWithTheGuest() async throws {
            try await ImageGroundTruth.guestSymbolsAreImageSymbolsPlusSlide(guest)
        }

        @Test(arguments: Path.allCases) func wardenLocatesTheKernel(via path: Path) async throws {
            try await WardenChecks.locatesTheKernel(guest, via: path)
        }
        @Test(arguments: Path.allCases) func wardenPageWalkMatchesQEMU(via path: Path) async throws {
            try await WardenChecks.pageWalkMatchesQEMU(guest, via: path)
        }
        @Test(arguments: Path.allCases) func wardenRecoversTheGuestKallsyms(via path: Path) async throws {
            try await WardenChecks.recoversTheGuestKallsyms(guest, via: path)
        }
        @Test(.requiresKallsymsFinder) func wardenImageSymbolsMatchKallsymsFinder() async throws {
            try await WardenChecks.imageSymbolsMatchKallsymsFinder(guest)
        }
        @Test(.requiresWardenExecutable, arguments: Path.allCases)
        func wardenSymbolsCommandPrintsTheGuestKallsyms(via path: Path) async throws {
            try await WardenCLIChecks.symbolsCommandPrintsTheGuestKallsyms(guest, via: path)
        }
        @Test(.requiresWardenExecutable, .requiresKallsymsFinder) func wardenSymbolsCommandReadsTheImage() async throws {
            try await WardenCLIChecks.symbolsCommandReadsTheImage(guest)
        }
        @Test(.requiresWardenExecutable, arguments: Path.allCases)
        func wardenPlanFramesAreWhereQEMUMapsTheTargets(via path: Path) async throws {
            try await WardenCLIChecks.planFramesAreWhereQEMUMapsTheTargets(guest, via: path)
        }
        @Test(.requiresWardenExecutable) func wardenPlansTheKernelCorePolicy() async throws {
            try await WardenCLIChecks.kernelCorePlanResolvesEveryRequiredTarget(guest, via: .elfDump)
        }
        @Test(.requiresWardenExecutable, arguments: Path.allCases)
        func wardenCheckFindsZeroDifferencesAfterBoot(via path: Path) async throws {
            try await IntegrityChecks.checkIsCleanAfterBoot(guest, via: path)
        }
        @Test func theGuestsOwnKallsymsGiveTheSameCleanCheck() async throws { try await IntegrityChecks.guestsOwnSymbolsCheckClean(guest) }
        @Test(.requiresWardenExecutable) func wardenCheckNamesHooksPlantedInThePausedGuest() async throws {
            try await IntegrityChecks.plantedHooksAreNamed(guest)
        }
    }
}
