import CXen
import TestSupport
import Testing
import XenRing

@Suite struct VMEventRawReplyTests {
    /// Seeded random requests: the raw builders must produce exactly what the value builders do.
    @Test(arguments: 0..<200) func rawRepliesEqualTheValueBuilders(seed: Int) {
        var generator = SplitMix64(seed: 0x5EED &+ UInt64(seed))
        var request = vm_event_request_t()
        withUnsafeMutableBytes(of: &request) { bytes in
            for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: generator.next()) }
        }
        // Half the requests are MEM_ACCESS, so the echo is exercised; the rest keep random reasons.
        if seed % 2 == 0 { request.reason = VMEventReason.memAccess.rawValue }
        let value = VMEventResponse.answering(VMEventRequest(request))
        #expect(bytes(VMEventRawReply.answering(request)) == bytes(value.raw))
        var denied = VMEventRawReply.answering(request)
        VMEventRawReply.deny(&denied)
        #expect(bytes(denied) == bytes(value.deny().raw))
    }

    func bytes(_ response: vm_event_response_t) -> [UInt8] { withUnsafeBytes(of: response) { Array($0) } }
}
