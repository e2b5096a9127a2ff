import SyntheticGuest
import WardenCore

/// Guest-physical memory the model can write into, as the guest's own stores and Xen's emulator do.
public protocol WritableGuestMemory: GuestPhysicalMemory {
    func write(physical: UInt64, bytes: [UInt8]) throws(GuestMemoryError)
}

extension SyntheticMemory: WritableGuestMemory {}
