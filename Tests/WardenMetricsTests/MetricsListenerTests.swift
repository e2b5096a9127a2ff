import Enforcement
import Foundation
import Glibc
import TestSupport
import Testing
import WardenMetrics

/// The listener as a scraper meets it, over real sockets.
@Suite struct MetricsListenerTests {
    static func board() throws -> (MeasuredSession, MetricsBoard) {
        let measured = try MeasuredSession()
        return (measured, MetricsBoard(measured.snapshot(.starting)))
    }

    static func endpoint(_ listener: MetricsListener) -> HTTPScrape.Endpoint {
        switch listener.address {
        case .tcp(let host, let port): .tcp(host: host, port: port)
        case .unix(let path): .unix(path: path)
        }
    }

    @Test func aTCPScrapeGetsTheLatestSnapshotInFormat004() throws {
        let (measured, board) = try Self.board()
        let listener = try MetricsListener(MetricsAddress(parsing: "127.0.0.1:0"))
        defer { listener.stop() }
        guard case .tcp("127.0.0.1", let port) = listener.address, port != 0 else {
            Issue.record("port 0 should report the port the kernel chose, got \(listener.address)")
            return
        }
        try listener.serve(board)
        let first = try HTTPScrape.send(to: Self.endpoint(listener))
        #expect(first.status == 200)
        #expect(first.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(try ScrapedMetrics(parsing: first.body).value("warden_protection_active") == 0)

        try measured.session.setUp()
        measured.write("sys_call_table")
        _ = measured.session.serveRing()
        board.publish(measured.snapshot(.protecting))
        let second = try ScrapedMetrics(parsing: try HTTPScrape.send(to: Self.endpoint(listener)).body)
        #expect(second.value("warden_protection_active") == 1)
        #expect(second.sum("warden_decisions_total", matching: ["action": "denied"]) == 1)
        #expect(measured.session.tearDown().isEmpty)
    }

    @Test func requestsOtherThanAGetOfMetricsGetAnHTTPError() throws {
        let (_, board) = try Self.board()
        let listener = try MetricsListener(MetricsAddress(parsing: ":0"))
        defer { listener.stop() }
        try listener.serve(board)
        let endpoint = Self.endpoint(listener)
        let head = try HTTPScrape.send(to: endpoint, method: "HEAD")
        #expect(head.status == 200 && head.body.isEmpty)
        #expect(try HTTPScrape.send(to: endpoint, path: "/").status == 404)
        #expect(try HTTPScrape.send(to: endpoint, path: "/metrics?x=1").status == 200)
        let post = try HTTPScrape.send(to: endpoint, method: "POST")
        #expect(post.status == 405 && post.headers["allow"] == "GET, HEAD")
        #expect(try HTTPScrape.send(to: endpoint, raw: "hello\r\n\r\n").status == 400)
        // A client that hangs up without a request leaves the listener serving the next one.
        _ = try? HTTPScrape.send(to: endpoint, raw: "")
        #expect(try HTTPScrape.send(to: endpoint).status == 200)
    }

    @Test func aUnixSocketIsServedReplacesAStaleSocketAndIsRemovedAtStop() throws {
        let (_, board) = try Self.board()
        let directory = try ScratchDirectory("metrics")
        defer { directory.remove() }
        let path = directory.file("metrics.sock")
        // A stale socket file, as a killed warden leaves it: bound, then its owner gone.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0 && listen(stale, 1) == 0)
        close(stale)
        #expect(FileManager.default.fileExists(atPath: path))
        let listener = try MetricsListener(MetricsAddress(parsing: "unix:\(path)"))
        try listener.serve(board)
        // The same path while this one listens is refused, and the running listener is untouched.
        #expect(throws: MetricsListener.Failure.self) { try MetricsListener(MetricsAddress(parsing: "unix:\(path)")) }
        #expect(try HTTPScrape.send(to: .unix(path: path)).status == 200)
        listener.stop()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aPathThatIsNotASocketOrAnAddressInUseIsAnExplicitError() throws {
        let directory = try ScratchDirectory("metrics")
        defer { directory.remove() }
        let file = directory.file("plain")
        #expect(FileManager.default.createFile(atPath: file, contents: Data("keep".utf8)))
        do {
            _ = try MetricsListener(MetricsAddress(parsing: "unix:\(file)"))
            Issue.record("a plain file must not be replaced by the socket")
        } catch let error as MetricsListener.Failure {
            #expect(error.description.contains("exists and is not a socket"))
        }
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "keep")

        let first = try MetricsListener(MetricsAddress(parsing: "127.0.0.1:0"))
        defer { first.stop() }
        do {
            _ = try MetricsListener(first.address)
            Issue.record("binding a port in use must fail")
        } catch {
            #expect(error.description.contains("bind: Address already in use"))
        }
    }
}
