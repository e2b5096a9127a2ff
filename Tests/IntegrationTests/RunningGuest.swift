import Foundation
import Glibc
import TestSupport
import WardenCore

/// A booted guest and the ground truth about it, all from QEMU and the guest, never from Warden:
/// the guest's /proc/kallsyms, QEMU's page walk (`gva2gpa`), vCPU registers, memory tree, memory
/// reads (`xp`) and ELF dumps. Warden gets `ramFile` and `qmpSocketPath` (its own QMP socket).
actor RunningGuest {
    nonisolated let configuration: GuestConfiguration
    nonisolated let kernel: DebianKernel
    nonisolated let kallsyms: SymbolTable
    nonisolated let runDirectory: URL
    nonisolated let ramFile: URL
    nonisolated let qmpSocketPath: String
    nonisolated let bootDuration: Duration
    private let qemu: Process
    private let watchdog: Process
    private let monitor: QMPTestClient
    private var cachedDump: PhysicalMemoryFile?

    init(
        configuration: GuestConfiguration, kernel: DebianKernel, kallsyms: SymbolTable, runDirectory: URL,
        ramFile: URL, qmpSocketPath: String, bootDuration: Duration, qemu: Process, watchdog: Process,
        monitor: sending QMPTestClient
    ) {
        self.configuration = configuration
        self.kernel = kernel
        self.kallsyms = kallsyms
        self.runDirectory = runDirectory
        self.ramFile = ramFile
        self.qmpSocketPath = qmpSocketPath
        self.bootDuration = bootDuration
        self.qemu = qemu
        self.watchdog = watchdog
        self.monitor = monitor
    }

    /// Last resort when a test path forgot `shutdown()`: no QEMU may outlive its guest object.
    deinit {
        if qemu.isRunning { kill(qemu.processIdentifier, SIGKILL) }
    }

    /// The guest-physical address QEMU's own page walk gives for `virtual`, nil when unmapped.
    /// QEMU walks vCPU 0's current CR3. With page-table isolation that is, while vCPU 0 runs user
    /// code, the user copy of the page tables (the 8 KiB PGD's upper page: CR3 bit 12), which
    /// lacks most of the kernel; and how long vCPU 0 stays there depends on the host's load. So an
    /// unmapped answer is believed only when it was given with the guest paused on a CR3 without
    /// that bit (or paused by the caller, whose choice it is). A non-PTI guest idling on a user
    /// PGD with bit 12 set would keep an unmapped answer waiting; every caller expects a mapping.
    func gva2gpa(_ virtual: UInt64) async throws -> UInt64? {
        let command = "gva2gpa 0x\(String(virtual, radix: 16))"
        if let physical = try MonitorOutput.physicalAddress(fromGva2gpa: monitor.humanMonitor(command)) { return physical }
        var answer: UInt64??
        var userCR3: UInt64?
        try await waitUntil(
            "an answer to `\(command)` from vCPU 0 on the kernel's page tables", deadline: .seconds(120), poll: .milliseconds(50),
            seen: { "vCPU 0 on user page tables (CR3 0x\(String(userCR3 ?? 0, radix: 16))) at every paused look" }
        ) {
            let status = try monitor.execute("query-status") as? [String: Any]
            let running = status?["running"] as? Bool ?? false
            // Paused, the translation and the CR3 read describe the same instant.
            if running { try monitor.execute("stop") }
            let physical: UInt64?
            let cr3: UInt64
            do {
                physical = try MonitorOutput.physicalAddress(fromGva2gpa: monitor.humanMonitor(command))
                cr3 = physical == nil ? try registers().first?.cr3 ?? 0 : 0
            } catch {
                if running { _ = try? monitor.execute("cont") }
                throw error
            }
            if running { try monitor.execute("cont") }
            if let physical {
                answer = .some(physical)
                return true
            }
            guard cr3 & 0x1000 != 0, running else {
                answer = .some(nil)
                return true
            }
            userCR3 = cr3
            return false
        }
        return answer ?? nil
    }

    /// Every vCPU's registers, vCPU 0 first.
    func registers() throws -> [VCPURegisters] {
        try MonitorOutput.registers(fromInfoRegisters: monitor.humanMonitor("info registers -a"))
    }

    /// Where each guest-physical RAM range lives in `ramFile`, as QEMU's memory tree says.
    func ramLayout() throws -> [FileMapping] {
        try MonitorOutput.ramLayout(fromFlatViews: monitor.humanMonitor("info mtree -f"), backend: QemuGuest.ramBackend)
    }

    /// The shared RAM file as guest-physical memory.
    func ramMemory() throws -> PhysicalMemoryFile {
        PhysicalMemoryFile(url: ramFile, mappings: try ramLayout())
    }

    /// `count` little-endian quadwords at guest-physical `physical`, read by QEMU itself.
    func physicalQuadwords(at physical: UInt64, count: Int) throws -> [UInt64] {
        let values = try MonitorOutput.quadwords(
            fromPhysicalExamine: monitor.humanMonitor("xp /\(count)gx 0x\(String(physical, radix: 16))"))
        guard values.count == count else {
            throw HarnessError.unexpectedReply(command: "xp", reply: "\(values.count) of \(count) quadwords")
        }
        return values
    }

    /// Stops the vCPUs, so memory holds still while two copies of it are compared.
    func pause() throws { try monitor.execute("stop") }

    func resume() throws { try monitor.execute("cont") }

    /// Writes an ELF core of all guest RAM (`dump-guest-memory`, paging off) and waits for QEMU
    /// to report it complete. QEMU pauses the guest while it writes and then restores its state.
    func dump(to url: URL, timeout: Duration = .seconds(600)) async throws -> PhysicalMemoryFile {
        try? FileManager.default.removeItem(at: url)
        try monitor.execute(
            "dump-guest-memory", arguments: ["paging": false, "protocol": "file:\(url.path)", "detach": true])
        let deadline = ContinuousClock.now + timeout
        while true {
            let status = try monitor.execute("query-dump") as? [String: Any]
            switch status?["status"] as? String {
            case "completed": return try PhysicalMemoryFile.elfCore(at: url)
            case "active": break
            default: throw HarnessError.unexpectedReply(command: "query-dump", reply: "\(status ?? [:])")
            }
            guard ContinuousClock.now < deadline else {
                throw HarnessError.qmp("dump to \(url.path) not done after \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// An ELF core of the guest, written on first use (or anew with `fresh`) and kept until
    /// shutdown, so several checks can read one dump.
    func coreDump(fresh: Bool = false) async throws -> PhysicalMemoryFile {
        if let cachedDump, !fresh { return cachedDump }
        let directory = QemuGuest.dumpsDirectory.appending(path: "\(getpid())-\(configuration.name)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let dump = try await dump(to: directory.appending(path: "guest.core"))
        cachedDump = dump
        return dump
    }

    /// Ends QEMU (politely through QMP, then SIGKILL) and removes the RAM file. Logs stay for a look.
    func shutdown() async {
        if qemu.isRunning {
            _ = try? monitor.execute("quit")
            if !(await ChildProcess.waitForExit(qemu, timeout: .seconds(10))) { await ChildProcess.kill9(qemu) }
        }
        if !(await ChildProcess.waitForExit(watchdog, timeout: .seconds(3))) { await ChildProcess.kill9(watchdog) }
        try? FileManager.default.removeItem(at: ramFile)
        if let cachedDump { try? FileManager.default.removeItem(at: cachedDump.url.deletingLastPathComponent()) }
        cachedDump = nil
    }

    var isRunning: Bool { qemu.isRunning }
}
