/// An open libxenctrl interface (`xc_interface *`), as the table hands it out. `XenControl` owns it.
public struct XenControlHandle {
    public let raw: OpaquePointer
    public init(raw: OpaquePointer) { self.raw = raw }
}

/// An open libxenforeignmemory handle (`xenforeignmemory_handle *`). `ForeignMemory` owns it.
public struct ForeignMemoryHandle {
    public let raw: OpaquePointer
    public init(raw: OpaquePointer) { self.raw = raw }
}

/// An open xenstore connection (`struct xs_handle *`). `XenStore` owns it.
public struct XenStoreHandle {
    public let raw: OpaquePointer
    public init(raw: OpaquePointer) { self.raw = raw }
}

/// An open libxenevtchn handle (`xenevtchn_handle *`). `EventChannel` owns it.
public struct EventChannelHandle {
    public let raw: OpaquePointer
    public init(raw: OpaquePointer) { self.raw = raw }
}
