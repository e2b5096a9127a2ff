import Foundation
import Testing
import WardenCore

@Suite struct PolicyFileTests {
    /// A fresh directory per test, removed afterwards.
    private final class Scratch {
        let directory: URL

        init() throws {
            directory = FileManager.default.temporaryDirectory.appending(path: "policy-tests-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        func write(_ name: String, _ bytes: some Sequence<UInt8>) throws -> String {
            let url = directory.appending(path: name)
            try Data(bytes).write(to: url)
            return url.path
        }
    }

    private func loadDiagnostics(_ path: String) -> [PolicyDiagnostic] {
        do throws(PolicyError) {
            _ = try Policy.load(path: path)
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test func loadParsesAFileAndRecordsItsPath() throws {
        let scratch = try Scratch()
        let path = try scratch.write("p.yaml", Array(PolicyTestSupport.document(targets: "  - symbol: a\n").utf8))
        let policy = try Policy.load(path: path)
        #expect(policy.file == path)
        #expect(policy.targets.first?.location.file == path)
    }

    @Test func missingFileIsADiagnosticAtLineZero() throws {
        let scratch = try Scratch()
        let path = scratch.directory.appending(path: "absent.yaml").path
        let diagnostic = try #require(loadDiagnostics(path).first)
        #expect(diagnostic.location == SourceLocation(file: path, line: 0, column: 0))
        #expect(diagnostic.field == "file")
        #expect(diagnostic.message.contains("no such file"))
    }

    @Test func directoryIsRejected() throws {
        let scratch = try Scratch()
        let diagnostic = try #require(loadDiagnostics(scratch.directory.path).first)
        #expect(diagnostic.message.contains("is a directory"))
    }

    @Test func nonUTF8FileIsRejected() throws {
        let scratch = try Scratch()
        let path = try scratch.write("latin1.yaml", Array("name: caf".utf8) + [0xE9, 0x0A])
        let diagnostic = try #require(loadDiagnostics(path).first)
        #expect(diagnostic.message.contains("not UTF-8"))
    }

    @Test func oversizedFileIsRejectedWithoutParsing() throws {
        let scratch = try Scratch()
        let path = try scratch.write("huge.yaml", Array(repeating: UInt8(ascii: "#"), count: (1 << 20) + 1))
        let diagnostic = try #require(loadDiagnostics(path).first)
        #expect(diagnostic.message.contains("larger than 1024 KiB"))
    }

    @Test func setLoadReportsTheProblemsOfEveryFile() throws {
        let scratch = try Scratch()
        let good = try scratch.write("good.yaml", Array(PolicyTestSupport.document(name: "good", targets: "  - symbol: a\n").utf8))
        let bad = try scratch.write("bad.yaml", Array("warden-policy: 1\nname: bad\ntargets: [{symbol: 'x y'}]\n".utf8))
        let absent = scratch.directory.appending(path: "absent.yaml").path
        do throws(PolicyError) {
            _ = try PolicySet.load(paths: [good, bad, absent])
            Issue.record("expected the set to be rejected")
        } catch {
            #expect(error.diagnostics.map(\.location.file) == [bad, absent])
        }
        #expect(try PolicySet.load(paths: [good]).targets.map(\.rule) == ["good/a"])
    }
}
