import Alerts
import CAllocator
import Enforcement
import Glibc
import KernelImage
import SyntheticGuest
import WardenCore
import XenModel

/// What the controller itself keeps resident while it protects a guest running a real kernel:
/// measured in a child process (this binary, `controller-footprint IMAGE POLICY`), so nothing the
/// benchmarks did before counts. The child puts the Debian kernel into a model guest first (that
/// memory is the hypervisor's and the guest's, not Warden's), returns freed memory to the kernel,
/// resets the peak (`/proc/self/clear_refs` 5), and only then does what `warden run` does: read
/// kallsyms from guest memory, plan the policy, set up the restricted view, serve a flood of denied
/// writes with every alert rendered as JSON, tear down. It prints the growth over that starting
/// point: at its peak, and while protecting. The controller's RSS is then `warden run`'s own
/// footprint up to preflight (measured as a separate process) plus this growth; the model's
/// per-view tables grow inside the same window, so the figure errs high.
enum ControllerFootprint {
    static let command = "controller-footprint"
    static let events = 20_000

    struct Figures {
        /// Peak growth over the starting point (reading kallsyms sets it).
        var peakGrowthKiB: Int
        /// Growth while protecting: after the flood, before teardown.
        var protectingGrowthKiB: Int
        var symbols: Int
        var frames: Int
    }

    /// Spawns this binary as the measuring child and reads its one line of figures.
    static func measure(image: String, policy: String) -> Figures? {
        guard let executable = ChildProcess.executable else { return nil }
        let output = "/tmp/warden-footprint-\(getpid())"
        defer { unlink(output) }
        guard let child = ChildProcess.run(executable, [command, image, policy], standardOutput: output),
            child.status == 0,
            let text = try? String(contentsOfFile: output, encoding: .utf8)
        else { return nil }
        let numbers = text.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard numbers.count == 4 else { return nil }
        return Figures(peakGrowthKiB: numbers[0], protectingGrowthKiB: numbers[1], symbols: numbers[2], frames: numbers[3])
    }

    /// The child's side.
    static func runChild(image: String, policy: String) throws {
        let targets = try PolicySet(policies: [try Policy.load(path: policy)]).targets
        let model = try guestModel(image)
        let hypervisor = ModelHypervisor(model: model)
        // Building the guest freed large buffers, which raised glibc's dynamic mmap threshold, so
        // the controller's large scratch comes from the heap here and stays resident until a trim,
        // where a fresh `warden run` would map and unmap it. (Pinning the threshold with mallopt
        // would switch the dynamic behaviour off for the rest of the run instead.) This errs high.
        malloc_trim(0)
        let start = try resetPeakAndReadResidentKiB()

        let kernel = try GuestKernel.read(memory: hypervisor.memory, registers: try hypervisor.vcpuRegisters())
        let plan = try kernel.plan(targets, in: hypervisor.memory)
        let devNull = open("/dev/null", O_WRONLY)
        defer { close(devNull) }
        let sink = StandardOutputSink(format: .json, fileDescriptor: devNull, destination: "/dev/null")
        let session = ProtectionSession(
            hypervisor: hypervisor, engine: DecisionEngine(frames: ProtectedFrames(plan: plan), symbols: kernel.symbols),
            domain: AlertDomain(id: 1, name: "footprint"), report: { try? sink.emit($0) })
        malloc_trim(0)  // as `warden run` does before it starts serving
        try session.setUp()
        guard let table = kernel.symbols.symbol(named: "sys_call_table"),
            let writer = kernel.symbols.symbol(named: "commit_creds")
        else { throw FootprintError.missingSymbol }
        for event in 0..<events {
            _ = model.write(
                vcpu: event % model.vcpuCount, virtual: table.address + UInt64(event % 400) * 8,
                bytes: [UInt8](repeating: 0x41, count: 8), rip: writer.address)
            _ = session.serveRing()
            model.runUntilIdle()
        }
        let protecting = try statusKiB("VmRSS:")
        let failures = session.tearDown()
        guard failures.isEmpty, session.statistics.denied == events else { throw FootprintError.notDenied(session.statistics) }
        let peak = try statusKiB("VmHWM:")
        print(peak - start, protecting - start, kernel.symbols.count, plan.distinctFrames)
    }

    enum FootprintError: Error {
        case missingSymbol
        case notDenied(ProtectionSession.Statistics)
        case proc(String)
    }

    /// The Debian kernel in a 512 MiB model guest with four vCPUs on the kernel's page tables.
    private static func guestModel(_ image: String) throws -> XenModel {
        let vmlinux = try KernelImage(contentsOf: image).vmlinux
        let guest = try KernelTransplant(vmlinux: vmlinux, ramSize: 512 << 20, physicalBase: 0x100_0000, hole: nil)
        let vcpus = (0..<4).map { index in
            var registers = guest.registers[0]
            registers.vcpu = index
            return registers
        }
        var configuration = XenModelConfiguration()
        configuration.retiredHistory = 16  // the model's bookkeeping, not Warden's
        return XenModel(memory: guest.memory, vcpus: vcpus, configuration: configuration)
    }

    private static func resetPeakAndReadResidentKiB() throws -> Int {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0, write(fd, "5", 1) == 1 else { throw FootprintError.proc("/proc/self/clear_refs") }
        close(fd)
        return try statusKiB("VmRSS:")
    }

    private static func statusKiB(_ field: String) throws -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
            let value = Int(line.dropFirst(field.count).trimmingCharacters(in: .whitespaces).split(separator: " ")[0])
        else { throw FootprintError.proc("/proc/self/status \(field)") }
        return value
    }
}
