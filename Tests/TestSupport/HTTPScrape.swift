import Foundation
import Glibc

/// A scraper's side of one HTTP/1.1 request over TCP or a Unix socket, written with plain socket calls
/// so that the listener is checked against a client that is not its own code.
public enum HTTPScrape {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public enum Endpoint: Sendable {
        case tcp(host: String, port: UInt16)
        case unix(path: String)
    }

    /// Sends `request` verbatim (for malformed ones) or a GET of `path`, and reads until the server closes.
    public static func send(
        to endpoint: Endpoint, method: String = "GET", path: String = "/metrics", raw request: String? = nil
    ) throws -> Response {
        let fd = try connect(endpoint)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // Connection: close, so that a server which would keep the connection open (Go's, in node_exporter)
        // ends the response by closing it.
        let text = request ?? "\(method) \(path) HTTP/1.1\r\nHost: warden\r\nAccept: text/plain;version=0.0.4\r\nConnection: close\r\n\r\n"
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count else {
            throw Failure(description: "send: \(String(cString: strerror(errno)))")
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw Failure(description: "recv: \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            received += chunk[..<count]
        }
        return try parse(received, head: method == "HEAD")
    }

    /// A HEAD response has the headers of a GET, Content-Length included, and no body.
    private static func parse(_ bytes: [UInt8], head: Bool) throws -> Response {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw Failure(description: "no end of headers in: \(text)") }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusWords = lines[0].split(separator: " ")
        guard statusWords.count >= 2, statusWords[0] == "HTTP/1.1", let status = Int(statusWords[1]) else {
            throw Failure(description: "bad status line: \(lines[0])")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw Failure(description: "bad header: \(line)") }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = String(text[split.upperBound...])
        if headers["transfer-encoding"] == "chunked" { body = try dechunk(body) }
        if !head, let length = headers["content-length"].flatMap(Int.init), length != body.utf8.count {
            throw Failure(description: "Content-Length \(length) but \(body.utf8.count) bytes of body")
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// The body of a chunked response (RFC 9112 §7.1): hex size, CRLF, data, CRLF, …, a zero size.
    private static func dechunk(_ chunked: String) throws -> String {
        var rest = Substring(chunked)
        var body = ""
        while true {
            guard let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound].split(separator: ";")[0], radix: 16) else {
                throw Failure(description: "bad chunk size in: \(rest.prefix(40))")
            }
            rest = rest[lineEnd.upperBound...]
            if size == 0 { return body }
            let data = rest.utf8.prefix(size)
            guard data.count == size else { throw Failure(description: "chunk shorter than \(size) bytes") }
            body += String(decoding: data, as: UTF8.self)
            rest = Substring(rest.utf8.dropFirst(size + 2))
        }
    }

    private static func connect(_ endpoint: Endpoint) throws -> Int32 {
        switch endpoint {
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list else {
                throw Failure(description: "cannot resolve \(host)")
            }
            defer { freeaddrinfo(list) }
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, 0)
            guard fd >= 0, Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
                let error = Failure(description: "connect \(host):\(port): \(String(cString: strerror(errno)))")
                if fd >= 0 { close(fd) }
                throw error
            }
            return fd
        case .unix(let path):
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
            }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard fd >= 0, connected == 0 else {
                let error = Failure(description: "connect unix:\(path): \(String(cString: strerror(errno)))")
                if fd >= 0 { close(fd) }
                throw error
            }
            return fd
        }
    }
}
