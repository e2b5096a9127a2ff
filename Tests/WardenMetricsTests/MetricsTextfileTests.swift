import Foundation
import Glibc
import TestSupport
import Testing
import WardenMetrics

@Suite struct MetricsTextfileTests {
    @Test func eachWriteReplacesTheFileAtomicallyAndLeavesNoTemporaryFile() throws {
        let directory = try ScratchDirectory("textfile")
        defer { directory.remove() }
        let path = directory.file("warden-web1.prom")
        let textfile = try MetricsTextfile(path: path)
        #expect(textfile.collectorReadsIt)
        try textfile.write("first 1\n")
        // A reader holding the first file keeps reading it whole: the second write is a new file renamed
        // over the name, never a rewrite in place.
        let reader = open(path, O_RDONLY)
        defer { close(reader) }
        try textfile.write("second 2\n")
        var bytes = [UInt8](repeating: 0, count: 64)
        let count = read(reader, &bytes, bytes.count)
        #expect(String(decoding: bytes.prefix(max(count, 0)), as: UTF8.self) == "first 1\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second 2\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["warden-web1.prom"])
    }

    @Test func aMissingDirectoryOrADirectoryPathIsRefusedBeforeAnyWrite() throws {
        let directory = try ScratchDirectory("textfile")
        defer { directory.remove() }
        func refusal(_ path: String) -> String? {
            do {
                _ = try MetricsTextfile(path: path)
                return nil
            } catch { return error.description }
        }
        #expect(refusal(directory.file("none/x.prom")) == "--metrics-file \(directory.path)/none/x.prom: \(directory.path)/none is not a directory")
        #expect(refusal(directory.path) == "--metrics-file \(directory.path) is a directory")
        #expect(throws: MetricsTextfile.Failure.self) { try MetricsTextfile(path: directory.path + "/") }
        #expect(try MetricsTextfile(path: directory.file("x.txt")).collectorReadsIt == false)
    }
}
