/// `MEM_ACCESS_*` of `xen/include/public/vm_event.h` (RELEASE-4.17.7): `u.mem_access.flags`, which access
/// faulted and what `gla` means. Several of R/W/X may be set at once. Unknown bits are kept as they are.
public struct MemAccessFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    // Inlinable computed constants rather than `static let`s: a global constant is reached through
    // a lazy-initialisation accessor call from other modules, on the event loop's per-request path.
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    @inlinable public static var read: MemAccessFlags { MemAccessFlags(rawValue: 1 << 0) }
    @inlinable public static var write: MemAccessFlags { MemAccessFlags(rawValue: 1 << 1) }
    @inlinable public static var execute: MemAccessFlags { MemAccessFlags(rawValue: 1 << 2) }
    /// `gla` holds the guest linear address of the access.
    @inlinable public static var glaValid: MemAccessFlags { MemAccessFlags(rawValue: 1 << 3) }
    /// The fault was on the final access to `gla` (not on a page-table walk).
    @inlinable public static var faultWithGLA: MemAccessFlags { MemAccessFlags(rawValue: 1 << 4) }
    /// The fault happened while the CPU walked the guest's page tables (A/D-bit updates).
    @inlinable public static var faultInGPT: MemAccessFlags { MemAccessFlags(rawValue: 1 << 5) }
}
