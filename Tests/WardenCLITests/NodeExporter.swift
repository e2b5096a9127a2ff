import Foundation
import Glibc
import TestSupport

/// Debian's node_exporter with only its textfile collector, on a free loopback port: the reader
/// `--metrics-file` is written for.
final class NodeExporter {
    let process = Process()
    let port: UInt16
    let log: String

    init(textfileDirectory: String) throws {
        guard let executable = Executables.find("prometheus-node-exporter") else {
            throw HTTPScrape.Failure(description: "prometheus-node-exporter not found (Debian package prometheus-node-exporter)")
        }
        port = try Self.freePort()
        log = textfileDirectory + "/exporter.log"
        guard FileManager.default.createFile(atPath: log, contents: nil) else { throw HTTPScrape.Failure(description: "create \(log)") }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--collector.disable-defaults", "--collector.textfile", "--collector.textfile.directory=\(textfileDirectory)",
            "--web.listen-address=127.0.0.1:\(port)",
        ]
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Its /metrics, once it answers.
    func scrape() throws -> String {
        var body = ""
        try waitUntil("node_exporter to answer on 127.0.0.1:\(port)", deadline: .seconds(60), childEnded: { process.endDescription },
                      seen: { lastLines(ofFile: log) }) {
            guard let response = try? HTTPScrape.send(to: .tcp(host: "127.0.0.1", port: port)), response.status == 200 else { return false }
            body = response.body
            return true
        }
        return body
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// A port the kernel just handed out and released; node_exporter binds it right after.
    private static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw HTTPScrape.Failure(description: "no free port: \(String(cString: strerror(errno)))") }
        return UInt16(bigEndian: address.sin_port)
    }
}
