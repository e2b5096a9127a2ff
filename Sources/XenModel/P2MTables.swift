import WardenCore

/// The host p2m of an HVM domain whose RAM is `ram`: every 4 KiB gfn wholly inside a RAM range is plain
/// RAM (`p2m_ram_rw`) with the host's default access (rwx unless changed) and suppress-#VE set, as
/// xen/arch/x86/mm/p2m-ept.c `ept_set_entry` writes new entries (`sve == -1` on an invalid old entry → 1).
/// Only entries that differ from that are stored.
struct HostP2M {
    let ram: [PhysicalRange]
    var defaultAccess: P2MAccess = .rwx
    private var changed: [UInt64: P2MEntry] = [:]
    /// 2 MiB blocks (gfn >> 9) holding a rewritten 4 KiB entry: a superpage there has been split.
    private var splitBlocks: Set<UInt64> = []

    init(ram: [PhysicalRange]) { self.ram = ram }

    /// Whether `pages` frames from `gfn` all lie in one RAM range.
    func isRAM(_ gfn: UInt64, pages: UInt64 = 1) -> Bool {
        guard gfn < (1 << 40), pages <= 512 else { return false }
        let start = gfn << 12
        return ram.contains { $0.start <= start && start + (pages << 12) <= $0.end }
    }

    /// The entry for `gfn`, or nil where the host maps no RAM (`mfn_valid` false or type ≠ ram_rw).
    func entry(_ gfn: UInt64) -> P2MEntry? {
        guard isRAM(gfn) else { return nil }
        return changed[gfn] ?? P2MEntry(access: defaultAccess, suppressVE: true)
    }

    func isSplit(block gfn: UInt64) -> Bool { splitBlocks.contains(gfn >> 9) }

    /// Writes an entry for a RAM gfn; nothing for other gfns (an invalid mfn writes no mapping).
    mutating func set(_ gfn: UInt64, _ entry: P2MEntry) {
        guard isRAM(gfn) else { return }
        changed[gfn] = entry
        splitBlocks.insert(gfn >> 9)
    }
}

/// One altp2m view (`d->arch.altp2m_p2m[i]` with a valid `altp2m_eptp[i]`). Views start empty and gain
/// entries only by copying from the host (lazily on a fault, or by an access/suppress-#VE call).
struct AltP2MView {
    /// Stored and reported, but in 4.17 never applied: lazily copied entries take the host's access
    /// (xen/arch/x86/mm/p2m.c `p2m_altp2m_get_or_propagate` copies `p2ma` from the host entry).
    var defaultAccess: P2MAccess
    var entries: [UInt64: P2MEntry] = [:]
    /// `altp2m_visible_eptp[i]` is valid: new views are visible (p2m-ept.c `p2m_init_altp2m_ept`).
    var visible = true
}

/// `MAX_ALTP2M` (xen/arch/x86/include/asm/domain.h).
let maxAltP2M = 10

/// `ept_set_entry` refuses gfns beyond the 4-level EPT's reach (`gfn >> ((wl + 1) * EPT_TABLE_ORDER)`).
let eptGFNLimit: UInt64 = 1 << 36
