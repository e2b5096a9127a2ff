/// Where `--metrics ADDR` serves: `HOST:PORT` (TCP; `[IPv6]:PORT`; the host may be left out, as in
/// `:9464` or `9464`, for the loopback address) or `unix:PATH` (a Unix stream socket). Port 0 takes a
/// free port, which the listener reports.
public enum MetricsAddress: Sendable, Equatable, CustomStringConvertible {
    case tcp(host: String, port: UInt16)
    case unix(path: String)

    /// Loopback unless asked otherwise: the exposition tells anyone who connects which kernel symbols
    /// are protected and how often they are attacked.
    public static let defaultHost = "127.0.0.1"

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    public init(parsing text: String) throws(ParseError) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst("unix:".count))
            guard !path.isEmpty else { throw ParseError(description: "--metrics unix:PATH needs a path") }
            // sun_path holds 108 bytes including the terminating NUL (unix(7)).
            guard path.utf8.count < 108 else {
                throw ParseError(description: "--metrics \(text): a Unix socket path is at most 107 bytes")
            }
            guard !path.utf8.contains(0) else { throw ParseError(description: "--metrics \(text): NUL in the path") }
            self = .unix(path: path)
            return
        }
        let host: String
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ParseError(description: "--metrics \(text): expected [IPv6]:PORT")
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            guard !host.contains(":") else {
                throw ParseError(description: "--metrics \(text): write an IPv6 address in brackets, [ADDRESS]:PORT")
            }
            portText = text[text.index(after: colon)...]
        } else {
            host = ""
            portText = Substring(text)
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber), let port = UInt16(portText) else {
            throw ParseError(description: "--metrics \(text): expected HOST:PORT with a port from 0 to 65535, or unix:PATH")
        }
        self = .tcp(host: host.isEmpty ? Self.defaultHost : host, port: port)
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): "unix:\(path)"
        }
    }
}
