/// libxenevtchn: the event channel that signals the monitor ring.
///
/// On Linux each call is an ioctl, `read` or `write` on /dev/xen/evtchn and returns -1 with `errno`
/// set (tools/libs/evtchn/linux.c); `open` returns NULL with `errno` set (tools/libs/evtchn/core.c).
/// Ports are `evtchn_port_t` (xen/include/public/event_channel.h); a valid one fits in 31 bits.
public struct XenEventChannelCalls: Sendable {
    /// The corresponding C function is `xenevtchn_open`.
    public var open: @Sendable () throws(XenError) -> EventChannelHandle
    /// The corresponding C function is `xenevtchn_close`.
    public var close: @Sendable (EventChannelHandle) -> Void
    /// A descriptor that polls readable while a bound port is pending. The corresponding C function
    /// is `xenevtchn_fd`.
    public var fd: @Sendable (EventChannelHandle) -> Int32
    /// Binds a remote domain's port; returns the local port. The corresponding C function is
    /// `xenevtchn_bind_interdomain`.
    public var bindInterdomain: @Sendable (EventChannelHandle, UInt32, UInt32) throws(XenError) -> UInt32
    /// The corresponding C function is `xenevtchn_unbind`.
    public var unbind: @Sendable (EventChannelHandle, UInt32) throws(XenError) -> Void
    /// The next pending local port (masked until `unmask`). Call only after the descriptor polled
    /// readable: it may block otherwise (xenevtchn.h). The corresponding C function is `xenevtchn_pending`.
    public var pending: @Sendable (EventChannelHandle) throws(XenError) -> UInt32
    /// The corresponding C function is `xenevtchn_unmask`.
    public var unmask: @Sendable (EventChannelHandle, UInt32) throws(XenError) -> Void
    /// Signals the remote end of a local port. The corresponding C function is `xenevtchn_notify`.
    public var notify: @Sendable (EventChannelHandle, UInt32) throws(XenError) -> Void

    public init(
        open: @escaping @Sendable () throws(XenError) -> EventChannelHandle,
        close: @escaping @Sendable (EventChannelHandle) -> Void,
        fd: @escaping @Sendable (EventChannelHandle) -> Int32,
        bindInterdomain: @escaping @Sendable (EventChannelHandle, UInt32, UInt32) throws(XenError) -> UInt32,
        unbind: @escaping @Sendable (EventChannelHandle, UInt32) throws(XenError) -> Void,
        pending: @escaping @Sendable (EventChannelHandle) throws(XenError) -> UInt32,
        unmask: @escaping @Sendable (EventChannelHandle, UInt32) throws(XenError) -> Void,
        notify: @escaping @Sendable (EventChannelHandle, UInt32) throws(XenError) -> Void
    ) {
        self.open = open
        self.close = close
        self.fd = fd
        self.bindInterdomain = bindInterdomain
        self.unbind = unbind
        self.pending = pending
        self.unmask = unmask
        self.notify = notify
    }
}
