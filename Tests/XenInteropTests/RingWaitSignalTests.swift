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

    // No upper bound on the elapsed time: how late a loaded machine wakes the thread is not the
    // behaviour under test (speed goals belong in benchmarks); the time limit catches a hang. The
    // lower bound is the behaviour: the wait's deadline is on the monotonic clock and rounded up.
    @Test(.timeLimit(.minutes(2))) func interruptedWaitKeepsWaitingForTheRestOfItsTime() throws {
        let backend = try XenHypervisor.open("3", calls: fake.calls)
        _ = try backend.enableMonitorRing()
        let before = signalsSeen.load(ordering: .relaxed)
        let interrupter = try Interrupter(target: pthread_self(), thread: currentThreadID())
        let start = monotonicNanoseconds()
        // Long enough that the interrupter, which signals once this thread sleeps in poll, gets
        // its turn within it even on a busy machine.
        let fired = try withSignalUnblocked { try backend.waitForRingEvent(milliseconds: 2000) }
        let elapsed = monotonicNanoseconds() - start
        interrupter.join()
        #expect(!fired)
        #expect(signalsSeen.load(ordering: .relaxed) > before, "the signal arrived during the wait")
        #expect(elapsed >= 2_000_000_000)
    }

    @Test(.timeLimit(.minutes(2))) func eventAfterAnInterruptionIsStillSeen() throws {
        let backend = try XenHypervisor.open("3", calls: fake.calls)
        _ = try backend.enableMonitorRing()
        let before = signalsSeen.load(ordering: .relaxed)
        let descriptor = fake.read { $0.xen.eventWriteFD }
        let interrupter = try Interrupter(target: pthread_self(), thread: currentThreadID(), thenWritePort: 41, to: descriptor)
        // The event ends the wait; its length only bounds a lost event.
        let fired = try withSignalUnblocked { try backend.waitForRingEvent(milliseconds: 60_000) }
        interrupter.join()
        #expect(fired)
        #expect(signalsSeen.load(ordering: .relaxed) > before)
        #expect(fake.log.suffix(2) == ["xenevtchn_pending()", "xenevtchn_unmask(41)"])
    }
}

/// Whether kernel thread `thread` of this process sleeps in poll(2) or ppoll(2) right now: the
/// first field of /proc/self/task/<tid>/syscall is the number of the syscall it is blocked in.
private func sleepsInPoll(_ thread: pid_t) -> Bool {
    let descriptor = open("/proc/self/task/\(thread)/syscall", O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    var bytes = [UInt8](repeating: 0, count: 32)
    let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
    guard count > 0 else { return false }
    let number = String(decoding: bytes[..<count].prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)
    // x86-64 numbers (asm/unistd_64.h): Swift imports neither the SYS_ macros nor gettid.
    return number == "7" || number == "271"
}

/// The calling thread's kernel id, from /proc/thread-self (a link to "<pid>/task/<tid>").
private func currentThreadID() throws -> pid_t {
    var bytes = [CChar](repeating: 0, count: 64)
    let count = readlink("/proc/thread-self", &bytes, bytes.count)
    let link = count > 0 ? String(decoding: bytes[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
    guard let id = pid_t(link.split(separator: "/").last ?? "") else {
        throw HypervisorError(operation: "readlink /proc/thread-self", errno: errno)
    }
    return id
}

/// A pthread that sends SIGUSR2 to `target` once that thread sleeps in poll, then optionally, once
/// it sleeps in poll again (the interrupted wait resumed), writes a port to a pipe. Waiting for
/// those conditions, not for fixed delays, keeps the signal inside the wait on a busy machine.
private struct Interrupter {
    struct Plan {
        var target: pthread_t
        var thread: pid_t
        var signalsBefore: Int
        var port: UInt32?
        var descriptor: Int32
    }

    private let pthread: pthread_t

    init(target: pthread_t, thread: pid_t, thenWritePort port: UInt32? = nil, to descriptor: Int32 = -1) throws {
        let plan = UnsafeMutablePointer<Plan>.allocate(capacity: 1)
        plan.initialize(
            to: Plan(target: target, thread: thread, signalsBefore: signalsSeen.load(ordering: .relaxed), port: port, descriptor: descriptor))
        var pthread = pthread_t()
        let result = pthread_create(&pthread, nil, { raw in
            guard let plan = raw?.assumingMemoryBound(to: Plan.self) else { return nil }
            // Bounded, so a wait that never starts fails the test's expectations instead of hanging it.
            func awaitPoll() {
                var tries = 0
                while !sleepsInPoll(plan.pointee.thread), tries < 60_000 {
                    usleep(1000)
                    tries += 1
                }
            }
            awaitPoll()
            pthread_kill(plan.pointee.target, SIGUSR2)
            if var port = plan.pointee.port {
                // The handler ran (so poll returned EINTR) and the thread sleeps in poll again:
                // the wait survived the signal.
                var tries = 0
                while signalsSeen.load(ordering: .relaxed) <= plan.pointee.signalsBefore, tries < 60_000 {
                    usleep(1000)
                    tries += 1
                }
                awaitPoll()
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
        self.pthread = pthread
    }

    func join() { pthread_join(pthread, nil) }
}
