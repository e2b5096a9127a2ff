import Glibc

/// The handles dom0 holds on the model through the C-convention table (`XenModel.calls`): libxenctrl,
/// libxenforeignmemory, libxenevtchn and xenstore handles are tokens the model hands out, checked on
/// every use (a closed or made-up handle → EBADF, where the real libraries would use a dead descriptor).
struct Dom0Handles {
    enum Kind: Sendable {
        case control, foreignMemory, store
        case eventChannel(EventChannelPipe)

        var isControl: Bool { if case .control = self { true } else { false } }
        var isForeignMemory: Bool { if case .foreignMemory = self { true } else { false } }
        var isStore: Bool { if case .store = self { true } else { false } }
    }

    private var nextToken = 0x1000
    private(set) var open: [Int: Kind] = [:]
    /// Foreign mappings (page-aligned copies of guest frames) by address, with their page counts;
    /// freed on unmap.
    var mappings: [UInt: Int] = [:]
    var nextLocalPort: UInt32 = 1

    mutating func add(_ kind: Kind) -> Int {
        nextToken += 16
        open[nextToken] = kind
        return nextToken
    }

    mutating func remove(_ token: Int) -> Kind? { open.removeValue(forKey: token) }

    subscript(token: Int) -> Kind? { open[token] }
}

/// A pipe standing in for /dev/xen/evtchn: the model writes a port when it delivers an event, dom0 polls
/// the read end and reads the port (xenevtchn_pending). Both ends are non-blocking, so a read with nothing
/// pending fails with EAGAIN instead of blocking as the device would. Closed by `close()` when dom0
/// closes the handle.
struct EventChannelPipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    static func make() throws(XenErrno) -> EventChannelPipe {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw XenErrno(errno) }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        return EventChannelPipe(readEnd: ends[0], writeEnd: ends[1])
    }

    func close() {
        _ = Glibc.close(readEnd)
        _ = Glibc.close(writeEnd)
    }

    /// The next delivered port, or EAGAIN.
    func readPort() throws(XenErrno) -> UInt32 {
        var port: UInt32 = 0
        let count = withUnsafeMutableBytes(of: &port) { read(readEnd, $0.baseAddress, $0.count) }
        guard count == MemoryLayout<UInt32>.size else { throw XenErrno(count < 0 ? errno : EAGAIN) }
        return port
    }
}
