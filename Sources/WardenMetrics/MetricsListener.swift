import Glibc
import Synchronization

/// Serves the latest `MetricsBoard` snapshot over HTTP/1.1 on `--metrics ADDR`, as Prometheus scrapes
/// (GET /metrics), one connection at a time on its own thread. It never touches the ring loop: a scrape
/// reads the board, which the session's thread updates between passes.
public final class MetricsListener: Sendable {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Where it listens: the port the kernel chose for port 0, or the socket's path.
    public var address: MetricsAddress { socket.address }
    /// A client that sends nothing, or reads nothing, holds the (single) listener at most this long.
    static let clientTimeoutSeconds = 2
    /// Longer requests are refused: a scrape request is a few hundred bytes.
    static let requestLimit = 8192

    private let socket: ListeningSocket
    private let stopping = Atomic<Bool>(false)
    private let closed = Atomic<Bool>(false)
    private let thread = Mutex<pthread_t?>(nil)

    /// Binds now, so that a bad or busy address fails before Warden touches the guest.
    public init(_ address: MetricsAddress) throws(Failure) {
        socket = try ListeningSocket.open(address)
    }

    /// Starts answering scrapes from `board`.
    public func serve(_ board: MetricsBoard) throws(Failure) {
        let body = ThreadBody { [self] in self.acceptLoop(board) }
        var handle = pthread_t()
        let started = pthread_create(&handle, nil, { raw in
            Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, Unmanaged.passRetained(body).toOpaque())
        guard started == 0 else {
            throw ListeningSocket.failure("start the listener thread", socket.address, errno: started)
        }
        thread.withLock { $0 = handle }
    }

    /// Stops serving (within one poll slice, 100 ms), closes the socket and removes a Unix socket's path.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        if let handle = thread.withLock({ $0.take() }) { pthread_join(handle, nil) }
        if !closed.exchange(true, ordering: .acquiringAndReleasing) { socket.shutDown() }
    }

    /// A listener bound but never served (`warden run` failed before attaching) still removes its
    /// socket path; a serving one is kept alive by its thread until `stop`.
    deinit {
        if !closed.exchange(true, ordering: .acquiringAndReleasing) { socket.shutDown() }
    }

    private final class ThreadBody {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    private func acceptLoop(_ board: MetricsBoard) {
        var waiting = pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0)
        while !stopping.load(ordering: .acquiring) {
            guard poll(&waiting, 1, 100) > 0 else { continue }
            // accept4 needs _GNU_SOURCE, which Swift's Glibc module does not define.
            let client = accept(socket.descriptor, nil, nil)
            guard client >= 0 else { continue }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            answer(client, board)
            close(client)
        }
    }

    private func answer(_ client: Int32, _ board: MetricsBoard) {
        var timeout = timeval(tv_sec: Self.clientTimeoutSeconds, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let head = readRequestHead(client) else { return }
        let response = HTTPExchange.respond(to: head) { board.render() }
        var sent = 0
        response.withUnsafeBytes { bytes in
            while sent < bytes.count {
                // MSG_NOSIGNAL: a scraper that hangs up must not raise SIGPIPE in the controller.
                let count = send(client, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                if count > 0 {
                    sent += count
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }

    /// The request line and headers, up to the blank line; nil when the client stops or times out first.
    private func readRequestHead(_ client: Int32) -> [UInt8]? {
        var head: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while head.count < Self.requestLimit {
            let count = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return head.isEmpty ? nil : head }
            head += chunk[..<count]
            if HTTPExchange.headEnds(head) { return head }
        }
        return head
    }
}
