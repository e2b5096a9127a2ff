import Glibc
import Hypervisor
import Synchronization
import Testing
import XenInterop

/// SIGUSR2 deliveries seen by `countingHandler`.
private let signalsSeen = Atomic<Int>(0)

/// Interrupts `poll` with a real signal from another thread, as a signal sent to the controller does.
@Suite(.serialized) struct RingWaitSignalTests {
    let fake = FakeXen([.patterned(domid: 3, name: "web", lastGFN: 3)])

    init() {
        // No SA_RESTART, and poll is never restarted anyway (signal(7)): the wait sees EINTR.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in signalsSeen.add(1, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGUSR2, &action, nil)
    }

    /// Runs `body` with SIGUSR2 unblocked on this thread: Swift's pool threads start with it blocked.
    func withSignalUnblocked<T>(_ body: () throws -> T) rethrows -> T {
        var unblock = sigset_t()
        var previous = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGUSR2)
        pthread_sigmask(SIG_UNBLOCK, &unblock, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    @Test func interruptedWaitKeepsWaitingForTheRestOfItsTime() throws {
        let backend = try XenHypervisor.open("3", calls: fake.calls)
        _ = try backend.enableMonitorRing()
        let before = signalsSeen.load(ordering: .relaxed)
        let interrupter = try Interrupter(target: pthread_self(), afterMilliseconds: 40)
        let start = monotonicNanoseconds()
        let fired = try withSignalUnblocked { try backend.waitForRingEvent(milliseconds: 200) }
        let elapsed = monotonicNanoseconds() - start
        interrupter.join()
        #expect(!fired)
        #expect(signalsSeen.load(ordering: .relaxed) > before)
        #expect(elapsed >= 200_000_000)
        #expect(elapsed < 2_000_000_000)
    }

    @Test func eventAfterAnInterruptionIsStillSeen() throws {
        let backend = try XenHypervisor.open("3", calls: fake.calls)
        _ = try backend.enableMonitorRing()
        let before = signalsSeen.load(ordering: .relaxed)
        let descriptor = fake.read { $0.xen.eventWriteFD }
        let interrupter = try Interrupter(
            target: pthread_self(), afterMilliseconds: 40, thenWritePort: 41, to: descriptor)
        let fired = try withSignalUnblocked { try backend.waitForRingEvent(milliseconds: 5000) }
        interrupter.join()
        #expect(fired)
        #expect(signalsSeen.load(ordering: .relaxed) > before)
        #expect(fake.log.suffix(2) == ["xenevtchn_pending()", "xenevtchn_unmask(41)"])
    }
}

/// A pthread that sends SIGUSR2 to `target` after a delay, then optionally writes a port to a pipe.
private struct Interrupter {
    struct Plan {
        var target: pthread_t
        var delay: UInt32
        var port: UInt32?
        var descriptor: Int32
    }

    private let thread: pthread_t

    init(target: pthread_t, afterMilliseconds: UInt32, thenWritePort port: UInt32? = nil, to descriptor: Int32 = -1)
        throws
    {
        let plan = UnsafeMutablePointer<Plan>.allocate(capacity: 1)
        plan.initialize(to: Plan(target: target, delay: afterMilliseconds * 1000, port: port, descriptor: descriptor))
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            guard let plan = raw?.assumingMemoryBound(to: Plan.self) else { return nil }
            usleep(plan.pointee.delay)
            pthread_kill(plan.pointee.target, SIGUSR2)
            if var port = plan.pointee.port {
                usleep(plan.pointee.delay)
                _ = withUnsafeBytes(of: &port) { write(plan.pointee.descriptor, $0.baseAddress, 4) }
            }
            plan.deinitialize(count: 1)
            plan.deallocate()
            return nil
        }, plan)
        guard result == 0 else {
            plan.deinitialize(count: 1)
            plan.deallocate()
            throw HypervisorError(operation: "pthread_create", errno: result)
        }
        self.thread = thread
    }

    func join() { pthread_join(thread, nil) }
}
