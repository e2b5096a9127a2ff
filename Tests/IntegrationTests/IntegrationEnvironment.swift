import Foundation

/// Where the integration harness finds its tools and kernels, and what is missing.
/// `scripts/setup --integration` installs all of it; locally a missing piece skips the tests with
/// the reason, in CI (`CI=true`) it fails them, because CI is expected to have run that script.
enum IntegrationEnvironment {
    /// The package root, from this file's place in it (Tests/IntegrationTests/<file>).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let kernelsDirectory = repositoryRoot.appending(path: ".cache/kernels")
    static let initramfsBuilder = repositoryRoot.appending(path: "scripts/guest/build-initramfs")
    static let busybox = URL(fileURLWithPath: "/bin/busybox")

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// An executable on PATH (or in one of `extraDirectories`), by name.
    static func executable(named name: String, extraDirectories: [URL] = []) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let directories = path.split(separator: ":").map { URL(fileURLWithPath: String($0)) } + extraDirectories
        return directories.map { $0.appending(path: name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static var qemu: URL? { executable(named: "qemu-system-x86_64") }

    /// vmlinux-to-elf's tool; setup installs it in a venv under .cache and links it onto PATH.
    static var kallsymsFinder: URL? {
        executable(named: "kallsyms-finder", extraDirectories: [repositoryRoot.appending(path: ".cache/venv/bin")])
    }

    /// What the guest of `configuration` needs that this machine lacks, as readable phrases.
    static func missingPrerequisites(for configuration: GuestConfiguration) -> [String] {
        var missing: [String] = []
        if qemu == nil { missing.append("qemu-system-x86_64 not on PATH") }
        if !FileManager.default.isExecutableFile(atPath: busybox.path) { missing.append("\(busybox.path) missing (busybox-static)") }
        if executable(named: "cpio") == nil { missing.append("cpio not on PATH") }
        if (try? DebianKernel.newest(configuration.kernelSeries)) == nil {
            missing.append("no \(configuration.kernelSeries) kernel in \(kernelsDirectory.path)")
        }
        return missing
    }

    /// Runs the tests when everything is there, and always in CI (where a gap must fail, not skip).
    static func shouldRun(_ configuration: GuestConfiguration) -> Bool {
        isCI || missingPrerequisites(for: configuration).isEmpty
    }

    static func skipReason(_ configuration: GuestConfiguration) -> String {
        let missing = missingPrerequisites(for: configuration)
        return "needs QEMU and Debian kernels (run scripts/setup --integration): " + missing.joined(separator: "; ")
    }

    /// Throws the full list of gaps; the boot calls this first, so in CI a gap is a failure.
    static func requirePrerequisites(for configuration: GuestConfiguration) throws {
        let missing = missingPrerequisites(for: configuration)
        guard missing.isEmpty else { throw HarnessError.missingPrerequisites(missing) }
    }
}

/// Why the harness itself could not do its part. Each case names what to look at.
enum HarnessError: Error, CustomStringConvertible {
    case missingPrerequisites([String])
    case commandFailed(String, status: Int32, output: String)
    case bootFailed(String)
    case qmp(String)
    case unexpectedReply(command: String, reply: String)
    case file(String)

    var description: String {
        switch self {
        case .missingPrerequisites(let missing):
            "integration prerequisites missing (run scripts/setup --integration): \(missing.joined(separator: "; "))"
        case .commandFailed(let command, let status, let output):
            "\(command) exited with status \(status): \(output)"
        case .bootFailed(let reason): "guest boot failed: \(reason)"
        case .qmp(let reason): "QMP: \(reason)"
        case .unexpectedReply(let command, let reply): "unexpected reply to `\(command)`: \(reply)"
        case .file(let reason): reason
        }
    }
}
