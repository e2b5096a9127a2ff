import Foundation
import Testing
import WardenCore

/// Real Debian kernels booted under QEMU TCG, one guest per configuration, one guest at a time.
/// Each suite first checks the harness's ground truth, then Warden against it.
@Suite("Real Debian kernels under QEMU", .serialized)
struct RealKernelTests {
    typealias Path = WardenChecks.MemoryPath

    @Suite(
        "6.1, KASLR, 4-level paging, PTI, 512 MiB", .serialized, .requiresGuest(.kaslrFourLevel),
        .sharedGuest(.kaslrFourLevel), .timeLimit(.minutes(10)))
    struct KaslrFourLevel {
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
        @Test(.requiresWardenExecutable) func wardenDemoRunsOnTheDump() async throws { try await DemoOnDumpChecks.demoRunsOnTheDump(guest) }
        @Test(.requiresWardenExecutable, arguments: Path.allCases)
        func wardenCheckFindsZeroDifferencesAfterBoot(via path: Path) async throws {
            try await IntegrityChecks.checkIsCleanAfterBoot(guest, via: path)
        }
        @Test func theGuestsOwnKallsymsGiveTheSameCleanCheck() async throws { try await IntegrityChecks.guestsOwnSymbolsCheckClean(guest) }
        @Test(.requiresWardenExecutable) func wardenCheckNamesHooksPlantedInThePausedGuest() async throws {
            try await IntegrityChecks.plantedHooksAreNamed(guest)
        }
    }

    @Suite(
        "6.1, 5-level paging (-cpu max), 1 GiB", .serialized, .requiresGuest(.fiveLevel),
        .sharedGuest(.fiveLevel), .timeLimit(.minutes(10)))
    struct FiveLevel {
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

    /// Debian's cloud kernel: its image's payload is lz4, which kallsyms-finder cannot unpack, so
    /// Warden's image symbols are checked against the booted kernel's own /proc/kallsyms.
    @Suite(
        "6.1 cloud (lz4 image), KASLR, 512 MiB", .serialized, .requiresGuest(.cloudKernel),
        .sharedGuest(.cloudKernel), .timeLimit(.minutes(10)))
    struct CloudKernel {
        let guest: RunningGuest
        init() async throws { guest = try await SharedGuest.running() }

        @Test func kaslrMovedTheKernel() async throws { try await GroundTruthChecks.kernelIsRandomised(guest) }
        @Test func wardenImageSymbolsPlusSlideAreTheGuestKallsyms() throws {
            try WardenChecks.imageSymbolsPlusSlideAreTheGuestKallsyms(guest)
        }
        @Test func wardenRecoversTheGuestKallsymsFromMemory() async throws {
            try await WardenChecks.recoversTheGuestKallsyms(guest, via: .elfDump)
        }
    }
}
