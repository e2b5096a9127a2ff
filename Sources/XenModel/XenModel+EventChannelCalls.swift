import Glibc
import Synchronization
import XenInterop

// libxenevtchn over the model (tools/libs/evtchn/linux.c on /dev/xen/evtchn): the handle's descriptor is
// a pipe the model writes the local port into whenever Xen's notification is delivered to dom0, so
// `poll` works on it as on the device.

extension XenModel {
    var eventChannelCalls: XenEventChannelCalls {
        XenEventChannelCalls(
            open: { () throws(XenError) in
                let pipe: EventChannelPipe
                do throws(XenErrno) { pipe = try EventChannelPipe.make() } catch {
                    throw XenError(operation: "xenevtchn_open", errno: error.code)
                }
                do throws(XenError) {
                    return EventChannelHandle(raw: try self.openHandle(.eventChannel(pipe), "xenevtchn_open"))
                } catch {
                    pipe.close()
                    throw error
                }
            },
            close: { xce in
                guard case .eventChannel(let pipe) = self.closeHandle(xce.raw) else { return }
                self.detachChannel(pipe)
                pipe.close()
            },
            fd: { xce in
                guard case .eventChannel(let pipe) = self.handleKind(xce.raw) else { return -1 }
                return pipe.readEnd
            },
            bindInterdomain: { (xce, domid, remotePort) throws(XenError) in
                let pipe = try self.channelPipe(xce, "xenevtchn_bind_interdomain")
                // EVTCHNOP_bind_interdomain: no such domain → ESRCH; a port not offered to dom0 → EINVAL.
                guard domid == self.domainID else {
                    throw XenError(operation: "xenevtchn_bind_interdomain", errno: ESRCH)
                }
                let local = self.state.withLock { s in
                    defer { s.dom0.nextLocalPort += 1 }
                    return s.dom0.nextLocalPort
                }
                do throws(XenErrno) {
                    try self.bindEventChannel(remotePort: remotePort, localPort: local, signal: pipe.writeEnd)
                } catch {
                    throw XenError(operation: "xenevtchn_bind_interdomain", errno: error.code)
                }
                return local
            },
            unbind: { (xce, port) throws(XenError) in
                let pipe = try self.channelPipe(xce, "xenevtchn_unbind")
                // EVTCHNOP_close of a port this handle did not bind → EINVAL (the evtchn driver's check).
                try self.checkBound(pipe, port, "xenevtchn_unbind")
                self.detachChannel(pipe)
            },
            pending: { (xce) throws(XenError) in
                let pipe = try self.channelPipe(xce, "xenevtchn_pending")
                let port: UInt32
                do throws(XenErrno) { port = try pipe.readPort() } catch {
                    throw XenError(operation: "xenevtchn_pending", errno: error.code)
                }
                self.acknowledgeDelivery()
                return port
            },
            unmask: { (xce, port) throws(XenError) in
                let pipe = try self.channelPipe(xce, "xenevtchn_unmask")
                try self.checkBound(pipe, port, "xenevtchn_unmask")
                self.unmaskEventChannel()
            },
            notify: { (xce, port) throws(XenError) in
                let pipe = try self.channelPipe(xce, "xenevtchn_notify")
                // `evtchn_send` on a port that is not ours → EINVAL; to Xen's end → `vm_event_resume`.
                try self.checkBound(pipe, port, "xenevtchn_notify")
                self.notifyFromDom0()
            })
    }

    /// EINVAL unless `port` is the local port bound through this pipe.
    private func checkBound(_ pipe: EventChannelPipe, _ port: UInt32, _ operation: String) throws(XenError) {
        guard boundLocalPort(of: pipe) == port else { throw XenError(operation: operation, errno: EINVAL) }
    }

    /// The local port bound through this pipe, if it is the model's current dom0 end.
    private func boundLocalPort(of pipe: EventChannelPipe) -> UInt32? {
        state.withLock { s in s.eventChannel.signalDescriptor == pipe.writeEnd ? s.eventChannel.localPort : nil }
    }

    /// Stops deliveries through this pipe (unbind or close).
    private func detachChannel(_ pipe: EventChannelPipe) {
        state.withLock { s in
            if s.eventChannel.signalDescriptor == pipe.writeEnd { s.unbindEventChannel() }
        }
    }
}
