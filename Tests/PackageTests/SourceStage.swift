import Foundation

/// A copy of the repository's files for `dpkg-buildpackage`, which builds in the source directory and
/// writes the .deb into its parent: staged in `.build-deb/warden` so that the repository stays clean.
/// Only changed files are copied (size and modification time), with their times kept, so that the
/// release build in the persistent scratch directory beside it stays incremental between runs.
enum SourceStage {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Copies `paths` (relative to `source`) into `destination` and removes files the list no longer has.
    static func sync(_ paths: [String], from source: String, to destination: String) throws {
        let manager = FileManager.default
        var wanted = Set<String>()
        for path in paths {
            let from = source + "/" + path
            // Listed by git but deleted in the working tree: not part of this build.
            guard let attributes = try? manager.attributesOfItem(atPath: from) else { continue }
            wanted.insert(path)
            let to = destination + "/" + path
            try manager.createDirectory(atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if attributes[.type] as? FileAttributeType == .typeSymbolicLink {
                let target = try manager.destinationOfSymbolicLink(atPath: from)
                if (try? manager.destinationOfSymbolicLink(atPath: to)) != target {
                    try? manager.removeItem(atPath: to)
                    try manager.createSymbolicLink(atPath: to, withDestinationPath: target)
                }
                continue
            }
            // Times are set through utimes(2), in microseconds: compare to the millisecond.
            let existing = try? manager.attributesOfItem(atPath: to)
            if existing?[.size] as? UInt64 == attributes[.size] as? UInt64,
                let copied = existing?[.modificationDate] as? Date, let original = attributes[.modificationDate] as? Date,
                abs(copied.timeIntervalSince(original)) < 0.001
            {
                continue
            }
            try? manager.removeItem(atPath: to)
            try manager.copyItem(atPath: from, toPath: to)
            try manager.setAttributes(
                [.modificationDate: attributes[.modificationDate] as Any, .posixPermissions: attributes[.posixPermissions] as Any],
                ofItemAtPath: to)
        }
        for stale in try files(under: destination, relativeTo: destination) where !wanted.contains(stale) {
            try manager.removeItem(atPath: destination + "/" + stale)
        }
    }

    /// Regular files and symbolic links below `directory`, without following links (the staged
    /// Benchmarks/warden links to its parent).
    static func files(under directory: String, relativeTo root: String) throws -> [String] {
        let manager = FileManager.default
        var found: [String] = []
        for name in try manager.contentsOfDirectory(atPath: directory) {
            let path = directory + "/" + name
            let relative = String(path.dropFirst(root.count + 1))
            if try manager.attributesOfItem(atPath: path)[.type] as? FileAttributeType == .typeDirectory {
                found += try files(under: path, relativeTo: root)
            } else {
                found.append(relative)
            }
        }
        return found
    }
}
