import CXen
import Testing
@testable import XenRing

/// The real ring.h code (through CXenShims) driven from both ends over one heap page, as Xen and Warden
/// drive the page `xc_monitor_enable` maps.
@Suite struct VMEventRingTests {
    @Test(arguments: [(464, 1), (4096, 8), (8192, 16)])
    func slotCountIsTheLargestPowerOfTwoThatFits(size: Int, slots: Int) throws {
        try withRingPage(size: size) { page in
            let back = try VMEventBackRing(page: page, size: size)
            let front = try VMEventFrontRing(page: page, size: size)
            #expect(back.slotCount == slots)
            #expect(front.slotCount == slots)
            #expect(front.freeRequestSlots == slots)
        }
    }

    @Test func aFourKiBRingTakesEightRequestsAndRefusesTheNinth() throws {
        try withRingPage { page in
            _ = try VMEventBackRing(page: page, size: 4096)
            var front = try VMEventFrontRing(page: page, size: 4096)
            for vcpu in UInt32(0)..<8 {
                let accepted = front.put(memAccessRequest(vcpu: vcpu))
                #expect(accepted)
                #expect(front.freeRequestSlots == 7 - Int(vcpu))
            }
            let accepted = front.put(memAccessRequest(vcpu: 8))
            #expect(!accepted)
            #expect(front.freeRequestSlots == 0)
        }
    }

    @Test func initialisationResetsAJunkFilledSharedHeader() throws {
        try withRingPage { page in
            let back = try VMEventBackRing(page: page, size: 4096)
            #expect(back.unconsumedRequests == 0)
            #expect(page.load(fromByteOffset: SharedRingHeader.requestProducer, as: UInt32.self) == 0)
            #expect(page.load(fromByteOffset: SharedRingHeader.responseProducer, as: UInt32.self) == 0)
            #expect(page.load(fromByteOffset: SharedRingHeader.requestEvent, as: UInt32.self) == 1)
            #expect(page.load(fromByteOffset: SharedRingHeader.responseEvent, as: UInt32.self) == 1)
        }
    }

    @Test func requestsAndResponsesSurviveTheRingUnchangedAndInOrder() throws {
        try withRingPage { page in
            var back = try VMEventBackRing(page: page, size: 4096)
            var front = try VMEventFrontRing(page: page, size: 4096)
            let requests = (UInt32(0)..<3).map { memAccessRequest(vcpu: $0) }
            for request in requests {
                let accepted = front.put(request)
                #expect(accepted)
            }
            #expect(back.unconsumedRequests == 3)
            for request in requests {
                let taken = back.nextRequest()
                #expect(taken == request)
                let response = VMEventResponse.answering(request).deny()
                try back.put(response)
                let answered = front.nextResponse()
                #expect(answered == response)
            }
            let none = back.nextRequest()
            #expect(none == nil)
            let noResponse = front.nextResponse()
            #expect(noResponse == nil)
            #expect(front.freeRequestSlots == 8)
        }
    }

    @Test func aResponseWithoutAnOutstandingRequestIsRefusedAndNotWritten() throws {
        try withRingPage { page in
            var back = try VMEventBackRing(page: page, size: 4096)
            let stray = VMEventResponse(flags: .vcpuPaused, reason: .memAccess, vcpuID: 0)
            #expect(throws: VMEventRingError.noOutstandingRequest) { try back.put(stray) }
            #expect(page.load(fromByteOffset: SharedRingHeader.responseProducer, as: UInt32.self) == 0)
        }
    }

    @Test func aHostileRequestProducerYieldsAtMostOneRingOfRequestsUntilTheyAreAnswered() throws {
        try withRingPage { page in
            var back = try VMEventBackRing(page: page, size: 4096)
            page.storeBytes(of: 0xDEAD_BEEF, toByteOffset: SharedRingHeader.requestProducer, as: UInt32.self)
            #expect(back.unconsumedRequests == 8)
            var taken: [VMEventRequest] = []
            while let request = back.nextRequest() { taken.append(request) }
            #expect(taken.count == 8)
            try back.put(VMEventResponse.answering(taken[0]))
            #expect(back.unconsumedRequests == 1)
        }
    }

    @Test func freeRunningIndicesWrapPast2To32() throws {
        try withRingPage { page in
            let start = UInt32.max - 5
            var back = try VMEventBackRing(page: page, size: 4096, firstIndex: start)
            var front = try VMEventFrontRing(page: page, size: 4096)
            #expect(front.freeRequestSlots == 8)
            // Two full rings' worth in batches of 5: the producers cross 2^32 in the middle of a batch.
            for batch in UInt32(0)..<4 {
                let requests = (0..<UInt32(5)).map { memAccessRequest(vcpu: batch * 5 + $0) }
                for request in requests {
                    let accepted = front.put(request)
                    #expect(accepted)
                }
                #expect(back.unconsumedRequests == 5)
                for request in requests {
                    let taken = back.nextRequest()
                    #expect(taken == request)
                    try back.put(.answering(request))
                }
                for request in requests {
                    let answered = front.nextResponse()
                    #expect(answered == .answering(request))
                }
                #expect(front.freeRequestSlots == 8)
            }
            let producer = page.load(fromByteOffset: SharedRingHeader.requestProducer, as: UInt32.self)
            #expect(producer == start &+ 20)
            #expect(producer < start)
        }
    }

    @Test func finalCheckReArmsTheNotificationAndSeesALateRequest() throws {
        try withRingPage { page in
            var back = try VMEventBackRing(page: page, size: 4096)
            var front = try VMEventFrontRing(page: page, size: 4096)
            let firstAccepted = front.put(memAccessRequest(vcpu: 0))
            let first = back.nextRequest()
            page.storeBytes(of: 0, toByteOffset: SharedRingHeader.requestEvent, as: UInt32.self)
            let workWhenIdle = back.finalCheckForRequests()
            let requestEvent = page.load(fromByteOffset: SharedRingHeader.requestEvent, as: UInt32.self)
            let lateAccepted = front.put(memAccessRequest(vcpu: 1))
            let workAfterLateRequest = back.finalCheckForRequests()
            #expect(firstAccepted && lateAccepted)
            #expect(first?.vcpuID == 0)
            #expect(!workWhenIdle)
            #expect(requestEvent == 2)  // req_cons + 1: notify on the very next request
            #expect(workAfterLateRequest)
        }
    }

    @Test func pagesTooSmallOrMisalignedAreRejected() {
        withRingPage { page in
            #expect(throws: VMEventRingError.pageTooSmall(size: 463, minimum: 464)) {
                _ = try VMEventBackRing(page: page, size: 463)
            }
            #expect(throws: VMEventRingError.pageMisaligned(address: UInt(bitPattern: page + 4))) {
                _ = try VMEventBackRing(page: page + 4, size: 4000)
            }
            #expect(throws: VMEventRingError.pageTooSmall(size: 0, minimum: 464)) {
                _ = try VMEventFrontRing(page: page, size: 0)
            }
        }
    }

    @Test func theFrontSideCannotAttachToARingWithUnansweredRequests() throws {
        try withRingPage { page in
            _ = try VMEventBackRing(page: page, size: 4096)
            var first = try VMEventFrontRing(page: page, size: 4096)
            let accepted = first.put(memAccessRequest(vcpu: 0))
            #expect(accepted)
            #expect(throws: VMEventRingError.ringNotQuiescent(requestProducer: 1, responseProducer: 0)) {
                _ = try VMEventFrontRing(page: page, size: 4096)
            }
        }
    }
}
