/// Why a guest-virtual address did not translate. Page tables are guest data and may be hostile,
/// so every failure is an error value naming the address and the level, never a trap.
public enum TranslationError: Error, Equatable, Sendable, CustomStringConvertible {
    case nonCanonical(virtual: UInt64, levels: Int)
    case notPresent(virtual: UInt64, level: PagingLevel)
    /// A large-page bit where the architecture allows none (PML5E, PML4E).
    case reservedLargePage(virtual: UInt64, level: PagingLevel)
    case tableUnreadable(virtual: UInt64, level: PagingLevel, GuestMemoryError)

    public var description: String {
        switch self {
        case .nonCanonical(let virtual, let levels):
            "0x\(String(virtual, radix: 16)) is not canonical for \(levels)-level paging"
        case .notPresent(let virtual, let level):
            "0x\(String(virtual, radix: 16)) is not mapped: \(level) entry not present"
        case .reservedLargePage(let virtual, let level):
            "0x\(String(virtual, radix: 16)): \(level) entry has the page-size bit set, which x86-64 reserves there"
        case .tableUnreadable(let virtual, let level, let error):
            "0x\(String(virtual, radix: 16)): \(level) table unreadable: \(error)"
        }
    }
}

/// The x86-64 paging structures, top to bottom.
public enum PagingLevel: Int, Sendable, CustomStringConvertible {
    case pt = 1, pd, pdpt, pml4, pml5

    public var description: String {
        switch self {
        case .pml5: "PML5"
        case .pml4: "PML4"
        case .pdpt: "PDPT"
        case .pd: "PD"
        case .pt: "PT"
        }
    }

    /// Bit position of the lowest virtual-address bit this level's index covers.
    var shift: UInt64 { 12 + 9 * UInt64(rawValue - 1) }
}

/// The result of translating one guest-virtual address.
public struct Translation: Sendable, Equatable {
    public var physical: UInt64
    /// 4 KiB, 2 MiB or 1 GiB.
    public var pageSize: UInt64
    public var writable: Bool

    /// The guest frame number of the 4 KiB frame holding the address (even inside a large page).
    public var gfn: UInt64 { physical >> 12 }
}

/// A guest's virtual address space: its physical memory seen through one set of x86-64 page tables.
public struct AddressSpace {
    public let memory: any GuestPhysicalMemory
    /// Guest-physical address of the top-level table (CR3 without PCID and flag bits).
    public let root: UInt64
    public let levels: Int
    /// The top-level table's 512 entries as read once, used instead of reading `root` again; nil
    /// to read it on every walk. See `init(memory:pinnedRoot:cr3:fiveLevel:)`.
    public let pinnedRoot: [UInt64]?

    /// Physical-address bits 12–51 of a table entry or CR3 (MAXPHYADDR ≤ 52).
    static let addressMask: UInt64 = 0x000F_FFFF_FFFF_F000

    /// - Parameters:
    ///   - cr3: the register as read; PCID (bits 0–11) and bit 63 are dropped.
    ///   - fiveLevel: CR4.LA57.
    public init(memory: any GuestPhysicalMemory, cr3: UInt64, fiveLevel: Bool) {
        self.memory = memory
        self.root = cr3 & Self.addressMask
        self.levels = fiveLevel ? 5 : 4
        self.pinnedRoot = nil
    }

    /// An address space whose top-level entries are `pinnedRoot` (512 of them, as read from the
    /// table at `cr3`), not whatever that page holds later. A vCPU's CR3 names its current process's
    /// table, which is freed and reused when the process exits, while the kernel half of its entries
    /// points to tables the kernel owns for its lifetime; reading a multi-megabyte kernel image from
    /// a running guest can outlast the process (issue 9). Nil unless there are exactly 512 entries.
    public init?(memory: any GuestPhysicalMemory, pinnedRoot: [UInt64], cr3: UInt64, fiveLevel: Bool) {
        guard pinnedRoot.count == 512 else { return nil }
        self.memory = memory
        self.root = cr3 & Self.addressMask
        self.levels = fiveLevel ? 5 : 4
        self.pinnedRoot = pinnedRoot
    }

    public init(memory: any GuestPhysicalMemory, registers: VCPURegisters) {
        self.init(memory: memory, cr3: registers.cr3, fiveLevel: registers.usesFiveLevelPaging)
    }

    /// True when bits 63…(47 or 56) are copies of the top implemented bit.
    public func isCanonical(_ virtual: UInt64) -> Bool {
        let topBit = UInt64(levels == 5 ? 56 : 47)
        let upper = virtual >> topBit
        return upper == 0 || upper == (UInt64.max >> topBit)
    }

    /// Walks the page tables for `virtual`. At most `levels` table reads; no loops on guest data.
    public func translate(_ virtual: UInt64) throws(TranslationError) -> Translation {
        guard isCanonical(virtual) else { throw .nonCanonical(virtual: virtual, levels: levels) }
        var table = root
        var writable = true
        var levelNumber = levels
        while levelNumber >= 1 {
            guard let level = PagingLevel(rawValue: levelNumber) else { break }
            let index = (virtual >> level.shift) & 0x1FF
            let entry: UInt64
            if levelNumber == levels, let pinnedRoot {
                entry = pinnedRoot[Int(index)]
            } else {
                do {
                    entry = try memory.readUInt64(physical: table | (index << 3))
                } catch {
                    throw .tableUnreadable(virtual: virtual, level: level, error)
                }
            }
            guard entry & 1 != 0 else { throw .notPresent(virtual: virtual, level: level) }
            writable = writable && entry & 2 != 0
            let isLarge = entry & 0x80 != 0
            if level == .pt || (isLarge && (level == .pd || level == .pdpt)) {
                let pageSize: UInt64 = 1 << level.shift
                let base = entry & Self.addressMask & ~(pageSize - 1)
                return Translation(physical: base | (virtual & (pageSize - 1)), pageSize: pageSize, writable: writable)
            }
            if isLarge { throw .reservedLargePage(virtual: virtual, level: level) }
            table = entry & Self.addressMask
            levelNumber -= 1
        }
        throw .notPresent(virtual: virtual, level: .pt)
    }
}
