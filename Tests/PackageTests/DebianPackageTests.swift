import Foundation
import TestSupport
import Testing

/// The Debian package, built from this repository with `dpkg-buildpackage` and debhelper and unpacked
/// into a directory tree: what it installs, and that the installed pieces work (the binary, the unit,
/// the man pages, the completions). The build includes the static release build of `warden` (minutes
/// on 2 cores); it is shared by every test here and incremental between runs (`.build-deb/scratch`).
@Suite(
    .serialized,
    .enabled(
        if: Executables.available("dpkg-buildpackage", "dh", "dpkg-deb", "git"),
        "needs dpkg-buildpackage, debhelper and git (scripts/setup --integration installs dpkg-dev and debhelper)"))
struct DebianPackageTests {
    static var package: DebianPackage { get throws { try DebianPackage.built.get() } }

    /// The subcommands the binary itself declares (its --experimental-dump-help, what generate-manual reads).
    static func subcommands(_ package: DebianPackage) throws -> [String] {
        let dump = try ChildOutput.run(package.root + "/usr/bin/warden", ["--experimental-dump-help"])
        let json = try JSONSerialization.jsonObject(with: Data(dump.standardOutput.utf8)) as? [String: Any]
        let command = json?["command"] as? [String: Any]
        let names = (command?["subcommands"] as? [[String: Any]])?.compactMap { $0["commandName"] as? String } ?? []
        return names.filter { $0 != "help" }
    }

    @Test func thePackageHoldsTheBinaryPoliciesAManPagePerSubcommandCompletionsAndTheUnit() throws {
        let package = try Self.package
        let subcommands = try Self.subcommands(package)
        #expect(Set(subcommands) == ["plan", "check", "symbols", "run", "release", "demo", "except"])
        let policies = try FileManager.default.contentsOfDirectory(atPath: DebianPackage.repository + "/policies")
            .filter { $0.hasSuffix(".yaml") }
        var expected: Set<String> = [
            "./usr/lib/warden/warden", "./usr/lib/warden/warden_warden.resources/Resources/linux-kernel-core.yaml", "./usr/bin/warden",
            "./usr/share/bash-completion/completions/warden", "./usr/share/zsh/vendor-completions/_warden",
            "./usr/share/fish/vendor_completions.d/warden.fish", "./lib/systemd/system/warden@.service",
            "./usr/share/man/man1/warden.1.gz", "./usr/share/lintian/overrides/warden",
        ]
        expected.formUnion(subcommands.map { "./usr/share/man/man1/warden.\($0).1.gz" })
        expected.formUnion(policies.map { "./etc/warden/policies/\($0)" })
        let documentation = package.files.filter { $0.hasPrefix("./usr/share/doc/warden/") }
        #expect(Set(package.files).subtracting(documentation) == expected)
        // Markdown stays uncompressed: the unit's Documentation= names README.md.
        for document in ["copyright", "changelog.gz", "examples/DOMAIN.conf", "README.md", "metrics.md", "alerts.md", "policies-README.md"] {
            #expect(documentation.contains("./usr/share/doc/warden/" + document), "\(document) in \(documentation)")
        }
        for policy in policies {
            let shipped = try Data(contentsOf: URL(fileURLWithPath: package.root + "/etc/warden/policies/" + policy))
            #expect(shipped == (try Data(contentsOf: URL(fileURLWithPath: DebianPackage.repository + "/policies/" + policy))))
        }
        // Policies are configuration an operator edits: dpkg keeps the edits on upgrade.
        #expect(Set(try package.controlFile("conffiles").split(separator: "\n").map(String.init))
                == Set(policies.map { "/etc/warden/policies/\($0)" }))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: package.root + "/usr/bin/warden") == "../lib/warden/warden")
    }

    @Test func theInstalledBinaryIsStrippedNeedsNoSwiftRuntimeAndRunsFromTheTree() throws {
        let package = try Self.package
        let binary = package.root + "/usr/lib/warden/warden"
        let dynamic = try ChildOutput.run(try DebianPackage.tool("readelf"), ["--dynamic", "--wide", binary])
        let needed = dynamic.standardOutput.split(separator: "\n").filter { $0.contains("(NEEDED)") }
        #expect(needed.contains { $0.contains("libxenctrl.so") }, "\(needed)")
        #expect(!needed.contains { $0.contains("libswift") || $0.contains("libFoundation") || $0.contains("libdispatch") }, "\(needed)")
        let sections = try ChildOutput.run(try DebianPackage.tool("readelf"), ["--section-headers", "--wide", binary]).standardOutput
        #expect(!sections.contains(".debug_info") && !sections.contains(".symtab"), "dh_strip left symbols or debug info")
        // dpkg-shlibdeps turned the libraries into package dependencies.
        let depends = try package.field("Depends")
        #expect(depends.contains("libc6") && depends.contains("libxen"), "Depends: \(depends)")

        let warden = package.root + "/usr/bin/warden"
        #expect(try ChildOutput.run(warden, ["--version"]).standardOutput == package.version + "\n")
        // Through the /usr/bin link: the resource bundle beside the real binary holds demo's policy.
        let plan = try ChildOutput.run(warden, ["demo", "--plan-only"])
        #expect(plan.status == 0, "\(plan.output)")
        #expect(plan.standardOutput.contains("sys_call_table"))
    }

    @Test(.enabled(if: Executables.available("systemd-analyze"), "needs systemd-analyze (Debian package systemd)"))
    func systemdAnalyzeVerifiesTheUnitTemplateForADomain() throws {
        let package = try Self.package
        let unit = try String(contentsOfFile: package.root + "/lib/systemd/system/warden@.service", encoding: .utf8)
        #expect(unit.contains("ExecStopPost=/usr/bin/warden release --domain %i"))
        #expect(unit.contains("Type=notify") && unit.contains("Restart=on-failure"))
        // The unit is verified inside the unpacked tree, so that its commands are the package's; the
        // host's own units join it there (a unit's default dependencies, sysinit.target and the rest).
        let units = package.root + "/lib/systemd/system"
        for host in try FileManager.default.contentsOfDirectory(atPath: "/lib/systemd/system") where host != "warden@.service" {
            try? FileManager.default.copyItem(atPath: "/lib/systemd/system/" + host, toPath: units + "/" + host)
        }
        // Documentation=man:… is checked with the package's own pages.
        let result = try ChildOutput.run(
            try DebianPackage.tool("systemd-analyze"), ["verify", "--root=\(package.root)", "warden@web1.service"],
            environment: ["MANPATH": package.root + "/usr/share/man"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.isEmpty, "systemd-analyze: \(result.output)")
    }

    @Test(.enabled(if: Executables.available("man"), "needs man (Debian package man-db)"))
    func everyManPageRendersWithoutWarningsAndNamesItsOptions() throws {
        let package = try Self.package
        let pages = package.files.filter { $0.hasPrefix("./usr/share/man/man1/") }
        #expect(pages.count == 1 + (try Self.subcommands(package)).count)
        for page in pages {
            let rendered = try ChildOutput.run(
                try DebianPackage.tool("man"), ["--warnings", "-l", package.root + page.dropFirst()],
                environment: ["MANPAGER": "cat", "MANWIDTH": "100", "LC_ALL": "C.UTF-8"])
            #expect(rendered.status == 0, "\(page): \(rendered.output)")
            #expect(rendered.standardError.isEmpty, "\(page): \(rendered.standardError)")
            #expect(rendered.standardOutput.contains("NAME") && rendered.standardOutput.contains("SYNOPSIS"), "\(page)")
            // What mandb indexes for `man -k` and whatis: the page's own name and its one-line summary.
            let name = String(page.split(separator: "/").last!.dropLast(".1.gz".count))
            let whatis = try ChildOutput.run(try DebianPackage.tool("lexgrog"), [package.root + page.dropFirst()])
            #expect(whatis.status == 0 && whatis.standardOutput.contains("\"\(name) - "), "\(page): \(whatis.output)")
        }
        let synopsis = try ChildOutput.run(
            try DebianPackage.tool("man"), ["-l", package.root + "/usr/share/man/man1/warden.release.1.gz"],
            environment: ["MANPAGER": "cat", "LC_ALL": "C.UTF-8"]).standardOutput
        #expect(synopsis.contains("warden release --domain"), "the SYNOPSIS names the command as typed: \(synopsis)")
        let run = try ChildOutput.run(
            try DebianPackage.tool("man"), ["-l", package.root + "/usr/share/man/man1/warden.run.1.gz"],
            environment: ["MANPAGER": "cat", "MANWIDTH": "200", "LC_ALL": "C.UTF-8"]).standardOutput
        for option in ["--domain", "--policy", "--allow-path", "--metrics", "--metrics-file"] {
            #expect(run.contains(option), "warden.run(1) lacks \(option)")
        }
    }

    @Test func theCompletionScriptsCompleteTheSubcommandsAndBashParsesItsOwn() throws {
        let package = try Self.package
        for path in ["/usr/share/bash-completion/completions/warden", "/usr/share/zsh/vendor-completions/_warden",
                     "/usr/share/fish/vendor_completions.d/warden.fish"] {
            let script = try String(contentsOfFile: package.root + path, encoding: .utf8)
            for subcommand in try Self.subcommands(package) { #expect(script.contains(subcommand), "\(path) lacks \(subcommand)") }
        }
        let syntax = try ChildOutput.run(try DebianPackage.tool("bash"), ["-n", package.root + "/usr/share/bash-completion/completions/warden"])
        #expect(syntax.status == 0, "\(syntax.output)")
        for shell in ["zsh", "fish"] {
            guard let path = Executables.find(shell) else { continue }  // optional: Debian 12 installs neither by default
            let file = shell == "zsh" ? "/usr/share/zsh/vendor-completions/_warden" : "/usr/share/fish/vendor_completions.d/warden.fish"
            let check = try ChildOutput.run(path, ["-n", package.root + file])
            #expect(check.status == 0, "\(shell): \(check.output)")
        }
    }
}
