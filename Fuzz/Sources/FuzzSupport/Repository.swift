import Foundation

/// The repository the fuzzers were built from: seeds and the fixed parts of a harness read its
/// shipped files (policies), so they follow what `warden` ships instead of a copy.
public enum Repository {
    /// `Fuzz/Sources/FuzzSupport/Repository.swift`, four levels below the root.
    public static let root: URL = (0..<4).reduce(URL(fileURLWithPath: #filePath)) { url, _ in url.deletingLastPathComponent() }

    public static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
    }

    public static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(relativePath)))
    }
}
