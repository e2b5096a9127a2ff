import Glibc
import Hypervisor

/// What `enableMonitorRing` set up and `disableMonitorRing` takes down.
struct MonitorRingBinding {
    var page: UnsafeMutableRawPointer
    var remotePort: UInt32
    var channel: EventChannelHandle
    var localPort: UInt32
}

extension XenHypervisor {
    /// Maps the monitor ring, opens libxenevtchn and binds the ring's channel (tools/misc/xen-access.c
    /// order). A failure undoes the earlier steps and reports the failing call; a second enable
    /// fails with EBUSY, as Xen answers for an existing ring (xen/common/vm_event.c `vm_event_enable`).
    /// - Returns: the 4 KiB ring page, valid until `disableMonitorRing`.
    /// The corresponding C function is `xc_monitor_enable`.
    public func enableMonitorRing() throws(HypervisorError) -> UnsafeMutableRawPointer {
        guard ring == nil else { throw HypervisorError(operation: "xc_monitor_enable", errno: EBUSY) }
        let monitorRing = try xen { () throws(XenError) in try calls.monitor.enable(handle, domain) }
        let channel: EventChannelHandle
        do throws(XenError) {
            channel = try calls.eventChannel.open()
        } catch {
            releaseRing(monitorRing.page)
            throw HypervisorError(operation: error.operation, errno: error.errno)
        }
        do throws(XenError) {
            let localPort = try calls.eventChannel.bindInterdomain(channel, domain, monitorRing.remotePort)
            ring = MonitorRingBinding(
                page: monitorRing.page,
                remotePort: monitorRing.remotePort,
                channel: channel,
                localPort: localPort
            )
            return monitorRing.page
        } catch {
            calls.eventChannel.close(channel)
            releaseRing(monitorRing.page)
            throw HypervisorError(operation: error.operation, errno: error.errno)
        }
    }

    /// Undo for a half-finished enable; its own failures would hide the one being reported.
    private func releaseRing(_ page: UnsafeMutableRawPointer) {
        _ = try? calls.monitor.unmapRing(page)
        _ = try? calls.monitor.disable(handle, domain)
    }

    /// Unmaps the page, disables the ring in Xen, unbinds and closes the channel (tools/misc/xen-access.c
    /// teardown order). Every step runs even if an earlier one failed; the first failure is thrown.
    /// Without a ring of its own it still calls `xc_monitor_disable`, which recovers a ring left by a
    /// killed process (Xen answers EINVAL when there is none).
    /// The corresponding C function is `xc_monitor_disable`.
    public func disableMonitorRing() throws(HypervisorError) {
        let binding = ring
        ring = nil
        var failures: [XenError] = []
        func attempt(_ body: () throws(XenError) -> Void) {
            do throws(XenError) { try body() } catch { failures.append(error) }
        }
        if let binding { attempt { () throws(XenError) in try calls.monitor.unmapRing(binding.page) } }
        attempt { () throws(XenError) in try calls.monitor.disable(handle, domain) }
        if let binding {
            attempt { () throws(XenError) in try calls.eventChannel.unbind(binding.channel, binding.localPort) }
            calls.eventChannel.close(binding.channel)
        }
        if let first = failures.first { throw HypervisorError(operation: first.operation, errno: first.errno) }
    }

    /// Polls the channel's descriptor (retrying EINTR with the time left), then takes the pending
    /// port and unmasks it so the next event can arrive. Negative `milliseconds` waits indefinitely.
    /// - Returns: true if the channel fired, false on timeout.
    /// The corresponding C function is `xenevtchn_pending`.
    public func waitForRingEvent(milliseconds: Int32) throws(HypervisorError) -> Bool {
        guard let binding = ring else { throw Self.noRing("xenevtchn_fd") }
        let descriptor = calls.eventChannel.fd(binding.channel)
        guard try poll(descriptor, milliseconds: milliseconds) else { return false }
        try xen { () throws(XenError) in
            let port = try calls.eventChannel.pending(binding.channel)
            try calls.eventChannel.unmask(binding.channel, port)
        }
        return true
    }

    /// Signals Xen that responses are on the ring. The corresponding C function is `xenevtchn_notify`.
    public func notifyRing() throws(HypervisorError) {
        guard let binding = ring else { throw Self.noRing("xenevtchn_notify") }
        try xen { () throws(XenError) in try calls.eventChannel.notify(binding.channel, binding.localPort) }
    }

    /// Ring operations before `enableMonitorRing`: EINVAL, as Xen answers for a missing ring
    /// (xen/common/vm_event.c `vm_event_domctl`).
    private static func noRing(_ operation: String) -> HypervisorError {
        HypervisorError(operation: operation, errno: EINVAL)
    }

    /// True when the descriptor became readable within the time, false on timeout.
    private func poll(_ descriptor: Int32, milliseconds: Int32) throws(HypervisorError) -> Bool {
        let deadline = milliseconds >= 0 ? monotonicNanoseconds() + Int64(milliseconds) * 1_000_000 : nil
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            // Rounded up, so an interrupted wait never ends before the time asked for.
            let left = deadline.map { Int32(clamping: (max($0 - monotonicNanoseconds(), 0) + 999_999) / 1_000_000) }
            let ready = Glibc.poll(&entry, 1, left ?? -1)
            if ready > 0 { break }
            if ready == 0 { return false }
            guard errno == EINTR else { throw HypervisorError(operation: "poll", errno: errno) }
        }
        if entry.revents & Int16(POLLIN) != 0 { return true }
        // POLLNVAL: the descriptor is not open; POLLERR/POLLHUP: the device failed.
        let code = entry.revents & Int16(POLLNVAL) != 0 ? EBADF : EIO
        throw HypervisorError(operation: "poll", errno: code)
    }

    private func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        _ = clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
