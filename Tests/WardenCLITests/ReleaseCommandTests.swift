import Foundation
import Testing

@Suite struct ReleaseCommandTests {
    @Test func releaseWithoutXenExplainsWhatIsMissing() throws {
        let result = try BuiltWarden.run(["release", "--domain", "x"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("/dev/xen/privcmd"))
    }

    @Test func releaseNeedsADomain() throws {
        let result = try BuiltWarden.run(["release"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("--domain"))
    }
}
