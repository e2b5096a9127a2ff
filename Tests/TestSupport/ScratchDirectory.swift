import Foundation
import Glibc

/// A private directory under /tmp for a test's sockets and files, removed by `remove()`. The base path
/// is short: a Unix socket address holds only 107 bytes.
public struct ScratchDirectory: Sendable {
    public let path: String

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public init(_ purpose: String = "test") throws {
        var template = Array("/tmp/warden-\(purpose)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "mkdtemp: \(String(cString: strerror(errno)))") }
        path = String(cString: made)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
