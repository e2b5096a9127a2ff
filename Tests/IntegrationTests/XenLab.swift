import Foundation

/// The real-Xen lab (`scripts/lab/lab`): Debian's Xen 4.17 booted on Bochs's emulated VT-x CPU, a
/// busybox dom0 holding the release `warden`, and a PVH domU with `altp2m = "external"` running the
/// rootkit simulator module. Tests share one lab per machine; the first caller boots it (minutes),
/// the rest reuse it. Commands run one at a time, through the lab daemon that owns the serial line.
enum XenLab {
    static let script = IntegrationEnvironment.repositoryRoot.appending(path: "scripts/lab/lab")
    static let bootTimeout: Duration = .seconds(45 * 60)
    static let commandTimeout: Duration = .seconds(20 * 60)

    /// What this machine lacks to build and boot the lab, as readable phrases.
    static var missingPrerequisites: [String] {
        var missing: [String] = []
        for tool in ["bochs", "Xvfb", "grub-mkrescue", "xorriso", "zstd", "cpio", "python3", "make"]
        where IntegrationEnvironment.executable(named: tool) == nil {
            missing.append("\(tool) not on PATH")
        }
        for file in ["/usr/share/bochs/BIOS-bochs-latest", "/usr/share/bochs/VGABIOS-lgpl-latest", "/usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_x_gui.so", "/usr/lib/grub/i386-pc"]
        where !FileManager.default.fileExists(atPath: file) {
            missing.append("\(file) missing")
        }
        if (try? DebianKernel.newest(.linux6_1)) == nil { missing.append("no Debian 6.1 kernel in .cache/kernels") }
        return missing
    }

    /// The tier is opt-in (WARDEN_REAL_XEN=1) until it has run green in CI: a cold lab costs 7–18
    /// minutes of boot and about half an hour of tests on 2 cores.
    static var requested: Bool { ProcessInfo.processInfo.environment["WARDEN_REAL_XEN"] == "1" }
    static var shouldRun: Bool { requested && (IntegrationEnvironment.isCI || missingPrerequisites.isEmpty) }
    static var skipReason: String {
        guard requested else { return "the real-Xen tier runs with WARDEN_REAL_XEN=1 (it boots Xen in Bochs: see README)" }
        return "needs the real-Xen lab's packages (run scripts/setup --integration): " + missingPrerequisites.joined(separator: "; ")
    }

    struct Output {
        var status: Int32
        var text: String
    }

    /// Boots the lab unless it is already up with the same settings.
    static func up(_ arguments: [String] = []) async throws {
        let missing = missingPrerequisites
        guard missing.isEmpty else { throw HarnessError.missingPrerequisites(missing) }
        let result = try await lab(["up"] + arguments, timeout: bootTimeout)
        guard result.status == 0 else {
            throw HarnessError.commandFailed("scripts/lab/lab up \(arguments.joined(separator: " "))", status: result.status, output: result.text)
        }
    }

    /// Runs a shell command in dom0 (`where: "dom0"`) or in the domU (`"domu"`).
    static func run(_ command: String, in place: String = "dom0") async throws -> Output {
        try await lab([place, command], timeout: commandTimeout)
    }

    /// Like `run`, but a non-zero status throws with the command's output.
    @discardableResult
    static func check(_ command: String, in place: String = "dom0") async throws -> String {
        let result = try await run(command, in: place)
        guard result.status == 0 else {
            throw HarnessError.commandFailed("\(place): \(command)", status: result.status, output: result.text)
        }
        return result.text
    }

    private static func lab(_ arguments: [String], timeout: Duration) async throws -> Output {
        let directory = FileManager.default.temporaryDirectory.appending(path: "warden-lab-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let name = UUID().uuidString
        let stdout = directory.appending(path: "\(name).out")
        let stderr = directory.appending(path: "\(name).err")
        defer {
            try? FileManager.default.removeItem(at: stdout)
            try? FileManager.default.removeItem(at: stderr)
        }
        let process = try ChildProcess.start(script, arguments, log: stderr, standardOutput: stdout)
        guard await ChildProcess.waitForExit(process, timeout: timeout) else {
            await ChildProcess.kill9(process)
            throw HarnessError.commandFailed("scripts/lab/lab \(arguments.joined(separator: " "))", status: -1, output: "timed out after \(timeout)")
        }
        let text = (try? String(contentsOf: stdout, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
        return Output(status: process.terminationStatus, text: process.terminationStatus == 0 ? text : text + errors)
    }
}
