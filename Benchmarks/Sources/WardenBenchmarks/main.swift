import Benchmark
import Foundation
import KernelImage
import SyntheticGuest
import WardenCore

// Figures for the planning stage, each with its baseline measured in the same run:
//   kallsyms from a real Debian 6.1 vmlinuz vs kallsyms-finder and vs decompression alone;
//   attach-plan (memory → kallsyms → linux-kernel-core targets → frames) on 512 MiB vs 6 GiB guests;
//   page-walk translations per second, cold and through a TranslationCache.
// Run: swift build -c release && swift run -c release --package-path Benchmarks

// The child process of the controller footprint measurement (ControllerFootprint.swift).
if CommandLine.arguments.count == 4, CommandLine.arguments[1] == ControllerFootprint.command {
    do {
        try ControllerFootprint.runChild(image: CommandLine.arguments[2], policy: CommandLine.arguments[3])
        exit(0)
    } catch {
        print("controller footprint: \(error)")
        exit(1)
    }
}

// `WardenBenchmarks flood RUNS`: only the serveRing flood, RUNS times, nothing else. For counting its
// instructions, which unlike its time do not depend on the machine's load:
//   valgrind --tool=callgrind --toggle-collect='*11DenialFloodC3runSiyF' WardenBenchmarks flood 3
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "flood", let runs = Int(CommandLine.arguments[2]) {
    let flood = try DenialFlood(policy: try PolicySet(policies: [try Policy.load(path: Inputs.kernelCorePolicy)]).targets)
    let denied = (0..<runs).reduce(0) { total, _ in total + flood.run() }
    print("flood: \(denied) denied writes in \(runs) runs")
    exit(denied == runs * DenialFlood.eventsPerRun ? 0 : 1)
}

guard let image = Inputs.vmlinuz(matching: "linux-image-6.1.0-") else {
    print("no Debian 6.1 kernel in .cache/kernels: run scripts/setup --integration first")
    exit(1)
}
// Peak RSS of whole processes, each its own (ChildProcess runs them under peak-rss).
let demoResidentKiB = Inputs.warden.flatMap { ChildProcess.run($0, ["demo"])?.maxResidentKiB }
// Everything `warden run` does before it touches Xen: load, parse the policy, then stop at
// preflight (no /dev/xen/privcmd here; on a dom0 the made-up domain name is not found).
let idleWardenKiB = Inputs.warden.flatMap {
    ChildProcess.run($0, ["run", "--domain", "warden-benchmark-no-such-domain", "--policy", Inputs.kernelCorePolicy])?.maxResidentKiB
}
let controllerFootprints = ["linux-image-6.1.0-", "linux-image-6.12."].compactMap { prefix in
    Inputs.vmlinuz(matching: prefix).flatMap { kernel in
        ControllerFootprint.measure(image: kernel, policy: Inputs.kernelCorePolicy).map { (kernel, $0) }
    }
}
let residentKiB = Inputs.warden.flatMap { warden in
    Inputs.kallsymsFinder.flatMap { finder in
        ChildProcess.run(warden, ["symbols", "--image", image]).flatMap { ours in
            ChildProcess.run(finder, [image]).map { (ours.maxResidentKiB, $0.maxResidentKiB) }
        }
    }
}
let decompressed = try KernelImage(contentsOf: image)
let policy = try Policy.load(path: Inputs.kernelCorePolicy)
let targets = try PolicySet(policies: [policy]).targets
let small = try KernelTransplant(vmlinux: decompressed.vmlinux, ramSize: 512 << 20, physicalBase: 0x100_0000, hole: nil)
// 6 GiB of RAM with the PCI hole below 4 GiB and the kernel placed at 5 GiB, as KASLR often does.
let large = try KernelTransplant(
    vmlinux: decompressed.vmlinux, ramSize: (6 << 30) + (512 << 20), physicalBase: 5 << 30,
    hole: PhysicalRange(start: 0xE000_0000, end: 1 << 32))

func attachPlan(_ guest: KernelTransplant) throws -> ProtectionPlan {
    try GuestKernel.read(memory: guest.memory, registers: guest.registers).plan(targets, in: guest.memory)
}

let ring = try RingRoundTrip(policy: targets)
let swiftRound = try ring.runSwift()
let cRound = ring.runC()
guard swiftRound.denied == RingRoundTrip.eventsPerRun, cRound.denied == RingRoundTrip.eventsPerRun,
    swiftRound.flags == cRound.flags
else {
    print("ring benchmark: the Swift and C paths did not give the same denials of every sys_call_table write")
    exit(1)
}

let flood = try DenialFlood(policy: targets)
guard flood.run() == DenialFlood.eventsPerRun else {
    print("flood benchmark: not every write was denied")
    exit(1)
}

let attach = try ModelAttach(policy: targets)

let kernelSpace = AddressSpace(memory: small.memory, cr3: small.registers[0].cr3, fiveLevel: false)
let textAddresses = (0..<4096).map { KernelLocator.linkTimeTextBase + UInt64($0) * 0x1_1000 % (24 << 20) }

let suite = BenchmarkSuite(name: "warden") { suite in
    suite.benchmark("kallsyms: warden, vmlinuz 6.1 → symbol table", settings: Iterations(5)) {
        _ = try KernelImage.recoverSymbols(path: image)
    }
    suite.benchmark("baseline: decompression alone (liblzma/libzstd)", settings: Iterations(5)) {
        _ = try KernelImage(contentsOf: image)
    }
    if let finder = Inputs.kallsymsFinder {
        suite.benchmark("baseline: kallsyms-finder 1.4.0 (subprocess)", settings: Iterations(2)) {
            _ = ChildProcess.run(finder, [image])
        }
    }
    suite.benchmark("attach-plan: 512 MiB guest", settings: Iterations(20)) { _ = try attachPlan(small) }
    suite.benchmark("attach-plan: 6 GiB guest, kernel above 4 GiB", settings: Iterations(20)) { _ = try attachPlan(large) }
    suite.benchmark("ring: 1M events raw decide → reply, Swift", settings: Iterations(10)) {
        _ = try ring.runSwift()
    }
    suite.benchmark("baseline: ring: 1M events, C loop over the same ring shims", settings: Iterations(10)) {
        _ = ring.runC()
    }
    suite.benchmark("controller: 200k denied writes through ProtectionSession.serveRing, with alerts", settings: Iterations(10)) {
        _ = flood.run()
    }
    suite.benchmark("model: attach (set up the restricted view), kernel-core policy", settings: Iterations(20)) { state in
        let session = attach.session()
        try state.measure { try? session.setUp() }
        _ = session.tearDown()
    }
    suite.benchmark("model: teardown", settings: Iterations(20)) { state in
        let session = attach.session()
        try session.setUp()
        try state.measure { _ = session.tearDown() }
    }
    suite.benchmark("page walk: 4096 translations, cold", settings: Iterations(50)) {
        for address in textAddresses { _ = try kernelSpace.translate(address) }
    }
    suite.benchmark("page walk: 4096 translations, cached", settings: Iterations(50)) {
        var cache = TranslationCache(space: kernelSpace)
        for address in textAddresses { _ = try cache.translate(address) }
    }
}

var runner = BenchmarkRunner(suites: [suite], settings: parseArguments())
try runner.run()
Report.print(
    results: runner.results, image: image, plan: try attachPlan(small),
    resident: Report.Residency(
        symbolsVersusFinderKiB: residentKiB, demoKiB: demoResidentKiB, idleWardenKiB: idleWardenKiB,
        wardenLinksSwiftDynamically: Inputs.warden.map(Inputs.linksSwiftDynamically) ?? false,
        controllers: controllerFootprints))
