/// The listener's side of one HTTP/1.x exchange: GET or HEAD of /metrics gets the exposition, anything
/// else a short error. Every response closes the connection (Prometheus reconnects for each scrape).
enum HTTPExchange {
    static func headEnds(_ bytes: [UInt8]) -> Bool {
        let text = bytes.suffix(4)
        return text.elementsEqual([13, 10, 13, 10]) || text.suffix(2).elementsEqual([10, 10])
    }

    /// `body` is only rendered for a request that gets it.
    static func respond(to head: [UInt8], body: () -> String) -> [UInt8] {
        let requestLine = head.split(separator: 10, maxSplits: 1, omittingEmptySubsequences: false).first ?? []
        let words = String(decoding: requestLine, as: UTF8.self).trimmingSuffix("\r").split(separator: " ")
        guard words.count == 3, words[2].hasPrefix("HTTP/1.") else {
            return response(400, "Bad Request", "expected an HTTP/1.x request line\n")
        }
        let method = words[0]
        let path = words[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard method == "GET" || method == "HEAD" else {
            return response(405, "Method Not Allowed", "only GET and HEAD\n", extra: "Allow: GET, HEAD\r\n")
        }
        guard path == "/metrics" else { return response(404, "Not Found", "warden serves its metrics at /metrics\n") }
        return response(200, "OK", body(), contentType: Exposition.contentType, headOnly: method == "HEAD")
    }

    private static func response(
        _ status: Int, _ reason: String, _ body: String, contentType: String = "text/plain; charset=utf-8",
        extra: String = "", headOnly: Bool = false
    ) -> [UInt8] {
        let bytes = Array(body.utf8)
        let head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(bytes.count)\r\n"
            + "Connection: close\r\n\(extra)\r\n"
        return Array(head.utf8) + (headOnly ? [] : bytes)
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> Substring {
        hasSuffix(suffix) ? dropLast(suffix.count) : Substring(self)
    }
}
