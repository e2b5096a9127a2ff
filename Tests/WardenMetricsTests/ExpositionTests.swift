import TestSupport
import Testing
import WardenMetrics

@Suite struct ExpositionTests {
    @Test func labelValuesAndHelpTextAreEscapedSoHostileNamesStayInTheirField() throws {
        let hostile = "a\"b\\c\nd\r\ne"
        let family = MetricFamily(
            name: "warden_test_total", help: "help with \\ and\nnewline", kind: .counter,
            samples: [.init(labels: [("target", hostile)], value: "3")])
        let text = Exposition.render([family])
        #expect(text == """
            # HELP warden_test_total help with \\\\ and\\nnewline
            # TYPE warden_test_total counter
            warden_test_total{target="a\\"b\\\\c\\nd\r\\ne"} 3

            """)
        let scraped = try ScrapedMetrics(parsing: text)
        #expect(scraped.value("warden_test_total", ["target": hostile]) == 3)
    }

    @Test func histogramBucketsAreCumulativeAndEndInInfinityEqualToCount() throws {
        let family = MetricFamily.histogram("warden_test_seconds", help: "h", bounds: ["0.5", "1"], counts: [2, 0, 3], sum: "7.25")
        let text = Exposition.render([family])
        #expect(text.contains("warden_test_seconds_bucket{le=\"0.5\"} 2\n"))
        #expect(text.contains("warden_test_seconds_bucket{le=\"1\"} 2\n"))
        #expect(text.contains("warden_test_seconds_bucket{le=\"+Inf\"} 5\n"))
        #expect(text.hasSuffix("warden_test_seconds_sum 7.25\nwarden_test_seconds_count 5\n"))
        _ = try ScrapedMetrics(parsing: text)
    }

    @Test(arguments: [
        (UInt64(0), "0"), (500, "0.0000005"), (2_500, "0.0000025"), (1_000_000, "0.001"), (1_000_000_000, "1"),
        (12_345_678_901, "12.345678901"),
    ])
    func nanosecondsPrintAsExactDecimalSeconds(nanoseconds: UInt64, text: String) {
        #expect(Exposition.seconds(nanoseconds: nanoseconds) == text)
    }
}
