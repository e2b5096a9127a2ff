/// Why a ring could not be set up or a response could not be placed.
public enum VMEventRingError: Error, Equatable, Sendable {
    /// The mapping cannot hold the 64-byte shared header and one 400-byte slot.
    case pageTooSmall(size: Int, minimum: Int)
    /// The ring macros compute the slot count in 32 bits.
    case pageTooLarge(size: Int)
    /// The shared ring holds 64-bit fields; the page must be at least 8-byte aligned.
    case pageMisaligned(address: UInt)
    /// The front side can only attach where every request has been answered (`req_prod == rsp_prod`).
    case ringNotQuiescent(requestProducer: UInt32, responseProducer: UInt32)
    /// Every consumed request is already answered; another response would overwrite an unread request.
    case noOutstandingRequest
}
