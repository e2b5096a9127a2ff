import Foundation

/// Where the benchmarks find their real inputs: the Debian kernels and kallsyms-finder that
/// `scripts/setup --integration` installs into the repository's `.cache/`.
enum Inputs {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The newest generic-flavour kernel whose package starts with `prefix`. The cloud flavour
    /// (lz4, fewer drivers) that scripts/setup also fetches would sort first and change the figures.
    static func vmlinuz(matching prefix: String) -> String? {
        let kernels = repository.appendingPathComponent(".cache/kernels")
        let packages = (try? FileManager.default.contentsOfDirectory(atPath: kernels.path)) ?? []
        for package in packages.sorted().reversed() where package.hasPrefix(prefix) && !package.contains("-cloud-") {
            let boot = kernels.appendingPathComponent(package).appendingPathComponent("boot")
            if let image = try? FileManager.default.contentsOfDirectory(atPath: boot.path).first(where: { $0.hasPrefix("vmlinuz-") }) {
                return boot.appendingPathComponent(image).path
            }
        }
        return nil
    }

    static var kallsymsFinder: String? {
        ["/usr/local/bin/kallsyms-finder", repository.appendingPathComponent(".cache/venv/bin/kallsyms-finder").path]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The release `warden` binary, built by `swift build -c release` in the repository.
    static var warden: String? {
        let path = repository.appendingPathComponent(".build/release/warden").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Whether `warden` needs the Swift runtime's shared libraries, as a build without
    /// `--static-swift-stdlib` does (about 7 MiB more resident than the build a dom0 gets).
    static func linksSwiftDynamically(_ warden: String) -> Bool {
        let listing = "/tmp/warden-ldd-\(getpid())"
        defer { unlink(listing) }
        guard ChildProcess.run("/usr/bin/ldd", [warden], standardOutput: listing) != nil,
            let text = try? String(contentsOfFile: listing, encoding: .utf8)
        else { return false }
        return text.contains("libswiftCore.so")
    }

    static var kernelCorePolicy: String { repository.appendingPathComponent("policies/linux-kernel-core.yaml").path }
}
