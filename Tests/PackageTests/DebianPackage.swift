import Foundation
import TestSupport

/// The .deb built once per test run with Debian's own tools, as a packager would (`dpkg-buildpackage
/// -us -uc -b`), and unpacked with `dpkg-deb -x` into a directory tree standing in for a root.
struct DebianPackage: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    /// Everything the test writes: the staged source, the release build's scratch directory (kept, so
    /// that the next run's build is incremental), the .deb and the unpacked tree. git ignores it.
    static let work = repository + "/.build-deb"

    /// The first test to ask builds; the others share the result (or the failure).
    static let built = Result { try DebianPackage() }

    let deb: String
    let root: String
    let version: String
    let buildSeconds: Double
    /// Paths in the package (`./usr/bin/warden`), directories excluded.
    let files: [String]

    private init() throws {
        let source = Self.work + "/warden"
        let listed = try ChildOutput.run(
            try Self.tool("git"), ["-C", Self.repository, "ls-files", "--cached", "--others", "--exclude-standard"])
        guard listed.status == 0 else { throw Failure(description: "git ls-files: \(listed.output)") }
        try SourceStage.sync(listed.standardOutput.split(separator: "\n").map(String.init), from: Self.repository, to: source)

        let changelog = try String(contentsOfFile: source + "/debian/changelog", encoding: .utf8)
        guard let match = changelog.firstMatch(of: /^warden \(([^)]+)\)/) else { throw Failure(description: "no version in debian/changelog") }
        version = String(match.1)
        deb = Self.work + "/warden_\(version)_amd64.deb"
        try? FileManager.default.removeItem(atPath: deb)

        let start = ContinuousClock.now
        // gzip -1 instead of xz -6 (dpkg-deb's own variables): xz takes about half a minute over the
        // 60 MB binary on 2 cores, and what is checked here is the content, not the compression.
        let build = try ChildOutput.run(
            try Self.tool("dpkg-buildpackage"), ["-us", "-uc", "-b"],
            environment: [
                "WARDEN_SCRATCH_PATH": Self.work + "/scratch", "DPKG_DEB_COMPRESSOR_TYPE": "gzip", "DPKG_DEB_COMPRESSOR_LEVEL": "1",
            ],
            directory: source)
        let elapsed = ContinuousClock.now - start
        buildSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        try build.output.write(toFile: Self.work + "/build.log", atomically: true, encoding: .utf8)
        guard build.status == 0 else {
            throw Failure(description: "dpkg-buildpackage failed (\(Self.work)/build.log):\n\(build.output.suffix(3000))")
        }
        print("dpkg-buildpackage -us -uc -b: \(String(format: "%.1f", buildSeconds)) s")

        root = Self.work + "/root"
        try? FileManager.default.removeItem(atPath: root)
        let extract = try ChildOutput.run(try Self.tool("dpkg-deb"), ["-x", deb, root])
        guard extract.status == 0 else { throw Failure(description: "dpkg-deb -x: \(extract.output)") }
        let listing = try ChildOutput.run(try Self.tool("dpkg-deb"), ["--contents", deb])
        guard listing.status == 0 else { throw Failure(description: "dpkg-deb --contents: \(listing.output)") }
        // "-rwxr-xr-x root/root 1234 2026-12-07 12:00 ./usr/lib/warden/warden", a link with " -> target".
        files = listing.standardOutput.split(separator: "\n").filter { !$0.hasPrefix("d") }.compactMap { line in
            line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(5).first.map(String.init)
        }
    }

    /// A field of the control file (`Depends`), through dpkg-deb.
    func field(_ name: String) throws -> String {
        try ChildOutput.run(try Self.tool("dpkg-deb"), ["--field", deb, name]).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A control member (`conffiles`), through dpkg-deb.
    func controlFile(_ name: String) throws -> String {
        try ChildOutput.run(try Self.tool("dpkg-deb"), ["--info", deb, name]).standardOutput
    }

    static func tool(_ name: String) throws -> String {
        guard let path = Executables.find(name) else { throw Failure(description: "\(name) not found on PATH") }
        return path
    }
}
