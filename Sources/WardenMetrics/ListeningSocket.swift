import Glibc

/// A bound, listening stream socket for `MetricsAddress`, made with plain socket calls: the static dom0
/// binary gains no networking library for one local listener.
struct ListeningSocket {
    let descriptor: Int32
    /// The address as bound: the port the kernel chose for port 0, or the socket's path.
    let address: MetricsAddress
    /// A Unix socket's device and inode, so that stopping removes the path only while it is still ours.
    let identity: (device: UInt64, inode: UInt64)?

    static func failure(_ what: String, _ address: MetricsAddress, errno code: Int32 = errno) -> MetricsListener.Failure {
        MetricsListener.Failure(description: "metrics listener \(address): \(what): \(String(cString: strerror(code)))")
    }

    static func open(_ address: MetricsAddress) throws(MetricsListener.Failure) -> ListeningSocket {
        switch address {
        case .tcp(let host, let port): try tcp(host: host, port: port, address)
        case .unix(let path): try unix(path: path, address)
        }
    }

    private static func tcp(host: String, port: UInt16, _ address: MetricsAddress) throws(MetricsListener.Failure) -> ListeningSocket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            throw MetricsListener.Failure(
                description: "metrics listener \(address): cannot resolve \(host): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(list) }
        var lastError: Int32 = EADDRNOTAVAIL
        var lastStep = "bind"
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.pointee.ai_protocol)
            guard fd >= 0 else {
                (lastError, lastStep) = (errno, "socket")
                continue
            }
            // A restarted warden can bind again while the previous one's connections sit in TIME_WAIT.
            var on: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, listen(fd, 16) == 0 {
                return ListeningSocket(descriptor: fd, address: .tcp(host: host, port: boundPort(fd) ?? port), identity: nil)
            }
            (lastError, lastStep) = (errno, "bind")
            close(fd)
        }
        throw failure(lastStep, address, errno: lastError)
    }

    private static func boundPort(_ fd: Int32) -> UInt16? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { return nil }
        return withUnsafeBytes(of: storage) { raw -> UInt16? in
            switch Int32(storage.ss_family) {
            case AF_INET: UInt16(bigEndian: raw.load(fromByteOffset: MemoryLayout<sockaddr_in>.offset(of: \.sin_port)!, as: UInt16.self))
            case AF_INET6: UInt16(bigEndian: raw.load(fromByteOffset: MemoryLayout<sockaddr_in6>.offset(of: \.sin6_port)!, as: UInt16.self))
            default: nil
            }
        }
    }

    private static func unix(path: String, _ address: MetricsAddress) throws(MetricsListener.Failure) -> ListeningSocket {
        var existing = stat()
        if lstat(path, &existing) == 0 {
            guard existing.st_mode & S_IFMT == S_IFSOCK else {
                throw MetricsListener.Failure(description: "metrics listener \(address): \(path) exists and is not a socket")
            }
            // Left behind by a warden that was killed, or in use by a running one: only the first goes.
            let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
            let answered = probe >= 0 && withSocketAddress(path, { connect(probe, $0, $1) }) == 0
            if probe >= 0 { close(probe) }
            guard !answered else {
                throw MetricsListener.Failure(description: "metrics listener \(address): another process is listening on \(path)")
            }
            guard unlink(path) == 0 else { throw failure("remove the stale socket", address) }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("socket", address) }
        guard withSocketAddress(path, { Glibc.bind(fd, $0, $1) }) == 0, listen(fd, 16) == 0 else {
            let error = failure("bind", address)
            close(fd)
            throw error
        }
        var made = stat()
        let identity = stat(path, &made) == 0 ? (UInt64(made.st_dev), UInt64(made.st_ino)) : nil
        return ListeningSocket(descriptor: fd, address: address, identity: identity)
    }

    /// Calls `body` with `path` as a sockaddr_un (`MetricsAddress` checked that it fits).
    private static func withSocketAddress(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    /// Closes the socket and, for a Unix socket, removes its path if it is still this socket's.
    func shutDown() {
        Glibc.close(descriptor)
        guard case .unix(let path) = address, let identity else { return }
        var now = stat()
        if stat(path, &now) == 0, UInt64(now.st_dev) == identity.device, UInt64(now.st_ino) == identity.inode { unlink(path) }
    }
}
