import Testing
import WardenMetrics

@Suite struct MetricsAddressTests {
    @Test(arguments: [
        ("127.0.0.1:9464", MetricsAddress.tcp(host: "127.0.0.1", port: 9464)),
        (":9464", .tcp(host: "127.0.0.1", port: 9464)),
        ("9464", .tcp(host: "127.0.0.1", port: 9464)),
        ("0.0.0.0:0", .tcp(host: "0.0.0.0", port: 0)),
        ("[::1]:9464", .tcp(host: "::1", port: 9464)),
        ("localhost:80", .tcp(host: "localhost", port: 80)),
        ("unix:/run/warden/web1.sock", .unix(path: "/run/warden/web1.sock")),
    ])
    func addressesParseWithLoopbackAsTheDefaultHost(text: String, address: MetricsAddress) throws {
        #expect(try MetricsAddress(parsing: text) == address)
    }

    @Test(arguments: [
        ("", "expected HOST:PORT"), ("host:", "expected HOST:PORT"), ("host:65536", "expected HOST:PORT"), ("host:+80", "expected HOST:PORT"),
        ("::1:80", "in brackets"), ("[::1]80", "expected [IPv6]:PORT"), ("unix:", "needs a path"),
        ("unix:/" + String(repeating: "x", count: 107), "at most 107 bytes"),
    ])
    func malformedAddressesSayWhatIsExpected(text: String, message: String) {
        #expect {
            try MetricsAddress(parsing: text)
        } throws: { error in
            (error as? MetricsAddress.ParseError)?.description.contains(message) == true
        }
    }
}
