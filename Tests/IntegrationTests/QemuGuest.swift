import Foundation
import Glibc
import TestSupport
import WardenCore

/// Boots a real Debian kernel under QEMU TCG with its RAM in a shared file, and waits until the
/// guest has published its /proc/kallsyms on the second serial port.
enum QemuGuest {
    static let readyLine = "WARDEN-GUEST-READY"
    static let kallsymsEndLine = "WARDEN-KALLSYMS-END"
    static let guestErrorLine = "WARDEN-GUEST-ERROR"
    /// The id of the memory backend; QEMU's memory tree names the RAM file's ranges after it.
    static let ramBackend = "ram0"
    /// Only a bound for a guest that hangs silently (a panic or a QEMU exit ends the wait at
    /// once); TCG boots take a few tens of seconds alone and several times that on a busy machine.
    static let bootTimeout: Duration = .seconds(600)

    /// Run directories live in /dev/shm: the RAM file is guest memory and belongs in tmpfs.
    static var runsDirectory: URL {
        let shm = URL(fileURLWithPath: "/dev/shm")
        let base = FileManager.default.isWritableFile(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
        return base.appending(path: "warden-integration")
    }

    /// Dumps are as large as guest RAM, so they go to disk, not tmpfs.
    static var dumpsDirectory: URL {
        FileManager.default.temporaryDirectory.appending(path: "warden-integration-dumps")
    }

    static func boot(_ configuration: GuestConfiguration) async throws -> RunningGuest {
        try IntegrationEnvironment.requirePrerequisites(for: configuration)
        guard let qemuExecutable = IntegrationEnvironment.qemu else {
            throw HarnessError.missingPrerequisites(["qemu-system-x86_64"])
        }
        let kernel = try DebianKernel.newest(configuration.kernelSeries)
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: runsDirectory, withIntermediateDirectories: true)
        reapStaleRuns()
        // One directory per test process and configuration: concurrent test runs never collide.
        let directory = runsDirectory.appending(path: "\(getpid())-\(configuration.name)")
        killQemu(recordedIn: directory)
        try? fileManager.removeItem(at: directory)
        try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)

        let initramfs = directory.appending(path: "initramfs.cpio.gz")
        try await ChildProcess.run(
            IntegrationEnvironment.initramfsBuilder, [initramfs.path] + (kernel.minixModule.map { [$0.path] } ?? []),
            log: directory.appending(path: "build-initramfs.log"), timeout: .seconds(300))

        let ramFile = directory.appending(path: "guest.ram")
        let console = directory.appending(path: "console.log")
        let kallsymsFile = directory.appending(path: "kallsyms.txt")
        let harnessSocket = directory.appending(path: "harness.qmp").path
        let wardenSocket = directory.appending(path: "warden.qmp").path
        let size = "\(configuration.memoryMiB)M"
        let arguments = [
            "-nodefaults", "-no-user-config",
            "-machine", "pc,memory-backend=\(ramBackend)", "-accel", "tcg",
            "-cpu", configuration.cpuModel, "-smp", "2", "-m", size,
            "-object", "memory-backend-file,id=\(ramBackend),size=\(size),mem-path=\(ramFile.path),share=on",
            "-kernel", kernel.vmlinuz.path, "-initrd", initramfs.path,
            // No `nokaslr`: the tests depend on the kernel being randomised. panic=-1 plus
            // -no-reboot turns a guest panic into a prompt QEMU exit instead of a boot timeout.
            "-append", "console=ttyS0 panic=-1",
            "-display", "none",
            "-serial", "file:\(console.path)", "-serial", "file:\(kallsymsFile.path)",
            "-qmp", "unix:\(harnessSocket),server=on,wait=off",
            "-qmp", "unix:\(wardenSocket),server=on,wait=off",
            "-pidfile", directory.appending(path: "qemu.pid").path,
            "-no-reboot",
        ]
        let started = ContinuousClock.now
        let qemu = try ChildProcess.start(qemuExecutable, arguments, log: directory.appending(path: "qemu.log"))
        let watchdog: Process
        do {
            watchdog = try ChildProcess.startWatchdog(guarding: qemu.processIdentifier)
        } catch {
            await ChildProcess.kill9(qemu)
            throw error
        }
        do {
            try await waitUntilReady(qemu, console: console, kallsyms: kallsymsFile, directory: directory)
            let bootDuration = ContinuousClock.now - started
            let symbols = try GuestKallsyms.parse(kallsymsFile, endMarker: kallsymsEndLine)
            let monitor = try QMPTestClient(socketPath: harnessSocket)
            return RunningGuest(
                configuration: configuration, kernel: kernel, kallsyms: symbols, runDirectory: directory,
                ramFile: ramFile, qmpSocketPath: wardenSocket, bootDuration: bootDuration,
                qemu: qemu, watchdog: watchdog, monitor: monitor)
        } catch {
            await ChildProcess.kill9(qemu)
            await ChildProcess.kill9(watchdog)
            try? fileManager.removeItem(at: ramFile)
            throw error
        }
    }

    /// Waits for the guest's own word that it is up: the ready line on the console and the end
    /// marker after the kallsyms copy. Stops at once on the guest's error line or when QEMU exits.
    private static func waitUntilReady(_ qemu: Process, console: URL, kallsyms: URL, directory: URL) async throws {
        do {
            try await waitUntil(
                "\(readyLine) on the console (\(console.path)) and \(kallsymsEndLine) ending \(kallsyms.path)",
                deadline: bootTimeout, poll: .milliseconds(250), childEnded: { qemu.endDescription },
                seen: {
                    "console tail:\n\(lastLines(ofFile: console.path, count: 30))\nkallsyms tail: "
                        + "\((try? lastBytes(of: kallsyms, count: 64)) ?? "")\nQEMU log:\n"
                        + lastLines(ofFile: directory.appending(path: "qemu.log").path)
                }
            ) {
                let consoleText = (try? String(contentsOf: console, encoding: .utf8)) ?? ""
                if let error = consoleText.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix(guestErrorLine) }) {
                    throw HarnessError.bootFailed("\(error) (see \(console.path))")
                }
                return try consoleText.contains(readyLine) && lastBytes(of: kallsyms, count: 64).contains(kallsymsEndLine)
            }
        } catch let failure as WaitFailure {
            throw HarnessError.bootFailed("\(failure)")
        }
    }

    private static func lastBytes(of url: URL, count: UInt64) throws -> String {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return "" }
        defer { try? handle.close() }
        let end = try handle.seekToEnd()
        try handle.seek(toOffset: end > count ? end - count : 0)
        return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
    }

    /// Removes the run directories of test processes that died without cleaning up, killing
    /// their QEMU if it still runs (the pid file names it; its command line must name the directory).
    static func reapStaleRuns() {
        let fileManager = FileManager.default
        for base in [runsDirectory, dumpsDirectory] {
            for name in (try? fileManager.contentsOfDirectory(atPath: base.path)) ?? [] {
                guard let owner = Int32(name.prefix { $0.isNumber }), owner != getpid() else { continue }
                if kill(owner, 0) == 0 || errno == EPERM { continue }
                let directory = base.appending(path: name)
                killQemu(recordedIn: directory)
                try? fileManager.removeItem(at: directory)
            }
        }
    }

    private static func killQemu(recordedIn directory: URL) {
        guard let text = try? String(contentsOf: directory.appending(path: "qemu.pid"), encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
              let commandLine = ChildProcess.commandLine(of: pid),
              commandLine.contains("qemu-system"), commandLine.contains(directory.path)
        else { return }
        kill(pid, SIGKILL)
    }
}
