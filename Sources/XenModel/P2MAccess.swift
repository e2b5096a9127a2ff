import Hypervisor

/// `p2m_access_t` (xen/include/xen/mem_access.h): the access an EPT entry grants. The bottom three
/// bits are r/w/x; 8 and 9 are the self-promoting kinds.
public enum P2MAccess: UInt8, Sendable, CaseIterable {
    case n = 0, r, w, rw, x, rx, wx, rwx
    /// Goes from rx to rw on the first write, without an event.
    case rx2rw
    /// Goes from n to rwx on the first access, with an asynchronous event.
    case n2rwx

    /// `XENMEM_access_*` → `p2m_access_t` as xen/arch/x86/mm/mem_access.c `xenmem_access_to_p2m_access`:
    /// 0–9 map one to one, `XENMEM_access_default` (10) is the host p2m's default access, anything
    /// else is refused (the callers answer EINVAL).
    static func fromXenmem(_ value: UInt8, hostDefault: P2MAccess) -> P2MAccess? {
        if let access = P2MAccess(rawValue: value) { return access }
        return value == MemoryAccess.hostDefault.rawValue ? hostDefault : nil
    }

    /// The same value as `XENMEM_access_*` (mem_access.c `_p2m_get_mem_access`).
    public var memoryAccess: MemoryAccess {
        MemoryAccess(rawValue: rawValue) ?? .none
    }

    /// Whether an access of this kind is an EPT violation here: xen/arch/x86/hvm/hvm.c
    /// `hvm_hap_nested_page_fault`, the switch on `p2ma`.
    func isViolation(_ kind: AccessKind) -> Bool {
        switch self {
        case .n, .n2rwx: true
        case .r: kind != .read
        case .w: kind != .write
        case .x: kind != .execute
        case .rx, .rx2rw: kind == .write
        case .wx: kind == .read
        case .rw: kind == .execute
        case .rwx: false
        }
    }

    /// Whether a response's `u.mem_access.flags` still conflict with this access, which decides if Xen
    /// emulates: xen/arch/x86/mm/mem_access.c `p2m_mem_access_emulate_check`.
    func emulationConflicts(with flags: UInt32) -> Bool {
        let r: UInt32 = 1, w: UInt32 = 2, x: UInt32 = 4
        switch self {
        case .n, .n2rwx: return flags & (r | w | x) != 0
        case .r: return flags & (w | x) != 0
        case .w: return flags & (r | x) != 0
        case .x: return flags & (r | w) != 0
        case .rx, .rx2rw: return flags & w != 0
        case .wx: return flags & r != 0
        case .rw: return flags & x != 0
        case .rwx: return false
        }
    }
}

/// The access that caused an EPT violation (`struct npfec`).
enum AccessKind: Sendable {
    case read, write, execute

    /// `MEM_ACCESS_R/W/X` (xen/include/public/vm_event.h).
    var memAccessFlag: UInt32 {
        switch self {
        case .read: 1
        case .write: 2
        case .execute: 4
        }
    }
}

/// One EPT entry's access and suppress-#VE bit (bit 63 of the entry, xen/arch/x86/mm/p2m-ept.c).
struct P2MEntry: Equatable, Sendable {
    var access: P2MAccess
    var suppressVE: Bool
}
