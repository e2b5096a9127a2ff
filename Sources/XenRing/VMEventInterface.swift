/// Facts about the vm_event ABI that are not per-field: `xen/include/public/vm_event.h` (RELEASE-4.17.7).
public enum VMEventInterface {
    /// `VM_EVENT_INTERFACE_VERSION`. Xen stamps it on every request and drops any response carrying another
    /// value, leaving that vCPU paused (common/vm_event.c `vm_event_resume`).
    @inlinable public static var version: UInt32 { 7 }
}
