import Glibc

/// Real tools the tests use when present: locally a missing one skips its test with the reason; in CI
/// (`CI=true`, where `scripts/setup --integration` installs them) the test runs and fails instead.
public enum Executables {
    public static var isCI: Bool { getenv("CI").map { String(cString: $0) } == "true" }

    /// `name` on PATH, or in /usr/sbin and /sbin.
    public static func find(_ name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        return (path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"])
            .map { $0 + "/" + name }.first { access($0, X_OK) == 0 }
    }

    /// Whether a test needing `names` runs: all present, or in CI (where their absence fails it).
    public static func available(_ names: String...) -> Bool { isCI || names.allSatisfy { find($0) != nil } }
}
