import Foundation
import Testing
import TestSupport

@Suite struct ConditionWaitTests {
    struct Broken: Error, Equatable {}

    @Test func returnsOnceTheConditionHolds() throws {
        var checks = 0
        try waitUntil("the third check", poll: .milliseconds(1)) {
            checks += 1
            return checks == 3
        }
        #expect(checks == 3)
    }

    @Test func aPassedDeadlineNamesWhatWasAwaitedAndWhatWasSeen() {
        var checks = 0
        let failure = #expect(throws: WaitFailure.self) {
            try waitUntil("the socket", deadline: .zero, seen: { "no such file" }) {
                checks += 1
                return false
            }
        }
        #expect(failure == WaitFailure(awaited: "the socket", reason: .deadlinePassed(.zero), seen: "no such file"))
        #expect(failure?.description == "waited for the socket: still not the case after 0.0 seconds; seen:\nno such file")
        #expect(checks == 1, "the condition is checked even when the deadline has already passed")
    }

    @Test(.timeLimit(.minutes(1))) func aChildThatEndedStopsTheWaitWithoutWaitingForTheDeadline() {
        #expect(throws: WaitFailure(awaited: "a ready line", reason: .childEnded("exit status 1"), seen: "panic")) {
            try waitUntil("a ready line", deadline: .seconds(3600), childEnded: { "exit status 1" }, seen: { "panic" }) { false }
        }
    }

    @Test func aConditionMetAsTheChildsLastActStillCounts() throws {
        var checks = 0
        // False while the child "runs", true on the look taken after it ended.
        try waitUntil("a last line", deadline: .seconds(3600), childEnded: { "exit status 0" }) {
            checks += 1
            return checks == 2
        }
        #expect(checks == 2)
    }

    @Test func aConditionThatThrowsEndsTheWaitWithItsError() {
        #expect(throws: Broken()) { try waitUntil("anything", condition: { throw Broken() }) }
    }

    @Test(.timeLimit(.minutes(1))) func theAsyncWaitBehavesTheSame() async throws {
        var checks = 0
        try await waitUntil("the third check", poll: .milliseconds(1)) {
            checks += 1
            return checks == 3
        }
        #expect(checks == 3)
        await #expect(throws: WaitFailure(awaited: "x", reason: .childEnded("exit status 2"), seen: "")) {
            try await waitUntil("x", deadline: .seconds(3600), childEnded: { "exit status 2" }) { false }
        }
    }

    @Test(.timeLimit(.minutes(1))) func aRealChildDyingEarlyIsReportedWithItsStatusAndLastOutput() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "condition-wait-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appending(path: "log")
        #expect(FileManager.default.createFile(atPath: log.path, contents: nil))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "echo starting; echo cannot bind; exit 3"]
        process.standardOutput = try FileHandle(forWritingTo: log)
        try process.run()
        let never = directory.appending(path: "socket").path
        let failure = #expect(throws: WaitFailure.self) {
            try waitUntil(
                "\(never) to appear", deadline: .seconds(3600), childEnded: { process.endDescription },
                seen: { lastLines(ofFile: log.path) }
            ) { FileManager.default.fileExists(atPath: never) }
        }
        #expect(failure?.reason == .childEnded("exit status 3"))
        #expect(failure?.seen == "starting\ncannot bind")
    }

    @Test func waitStatusesAreDecodedAsGlibcsMacrosWould() {
        #expect(describeWaitStatus(0) == "exit status 0")
        #expect(describeWaitStatus(3 << 8) == "exit status 3")
        #expect(describeWaitStatus(SIGKILL) == "killed by signal 9")
        #expect(describeWaitStatus(SIGSEGV | 0x80) == "killed by signal 11", "the core-dump bit is not part of the signal")
        #expect(describeWaitStatus(SIGSTOP << 8 | 0x7f) == "stopped by signal 19")
    }

    @Test func lastLinesKeepsTheEndOfTheFile() throws {
        let path = FileManager.default.temporaryDirectory.appending(path: "last-lines-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try (1...30).map { "line \($0)\n" }.joined().write(toFile: path, atomically: true, encoding: .utf8)
        #expect(lastLines(ofFile: path, count: 2) == "line 29\nline 30")
        #expect(lastLines(ofFile: path).split(separator: "\n").first == "line 11")
        #expect(lastLines(ofFile: path + ".absent") == "(\(path).absent: No such file or directory)")
    }
}
