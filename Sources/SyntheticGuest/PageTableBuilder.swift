import WardenCore

/// Builds x86-64 4- or 5-level page tables inside a `SyntheticMemory`, allocating table pages from
/// a reserved physical region, the way a kernel's early page-table code does.
public struct PageTableBuilder {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case outOfTablePages
        case misaligned(virtual: UInt64, physical: UInt64, pageSize: UInt64)
        case conflict(virtual: UInt64)

        public var description: String {
            switch self {
            case .outOfTablePages: "the page-table region is full"
            case .misaligned(let v, let p, let s): "cannot map 0x\(String(v, radix: 16)) to 0x\(String(p, radix: 16)) with \(s)-byte pages"
            case .conflict(let v): "0x\(String(v, radix: 16)) is already mapped by a large page"
            }
        }
    }

    public static let present: UInt64 = 1
    public static let writable: UInt64 = 2
    public static let largePage: UInt64 = 0x80
    public static let noExecute: UInt64 = 1 << 63

    public let memory: SyntheticMemory
    public let root: UInt64
    public let levels: Int
    private var nextTable: UInt64
    private let tableLimit: UInt64

    /// - Parameter tableRegion: physical pages reserved for tables. The first page becomes the root;
    ///   the second is kept free for a PTI user root, which Linux pairs with the kernel one
    ///   (8 KiB-aligned, user half at +4 KiB).
    public init(memory: SyntheticMemory, tableRegion: PhysicalRange, fiveLevel: Bool) {
        self.memory = memory
        self.levels = fiveLevel ? 5 : 4
        self.root = tableRegion.start
        self.nextTable = tableRegion.start + 8192
        self.tableLimit = tableRegion.end
    }

    private mutating func allocateTable() throws(Failure) -> UInt64 {
        guard nextTable + 4096 <= tableLimit else { throw .outOfTablePages }
        defer { nextTable += 4096 }
        return nextTable
    }

    /// Maps one page of `pageSize` (4 KiB, 2 MiB or 1 GiB) at `virtual` to `physical`.
    public mutating func map(
        virtual: UInt64, physical: UInt64, pageSize: UInt64, flags: UInt64 = PageTableBuilder.writable,
        root explicitRoot: UInt64? = nil
    ) throws(Failure) {
        let leafLevel = pageSize == 1 << 30 ? 3 : pageSize == 1 << 21 ? 2 : 1
        guard virtual % pageSize == 0, physical % pageSize == 0, [1, 2, 3].contains(leafLevel),
            pageSize == 4096 || leafLevel > 1
        else { throw .misaligned(virtual: virtual, physical: physical, pageSize: pageSize) }
        var table = explicitRoot ?? root
        var level = levels
        do {
            while level > leafLevel {
                let slot = table + ((virtual >> (12 + 9 * UInt64(level - 1))) & 0x1FF) * 8
                let entry = try memory.readUInt64(physical: slot)
                if entry & Self.present == 0 {
                    let fresh = try allocateTable()
                    try memory.writeUInt64(physical: slot, fresh | Self.present | Self.writable)
                    table = fresh
                } else {
                    guard entry & Self.largePage == 0 else { throw Failure.conflict(virtual: virtual) }
                    table = entry & 0x000F_FFFF_FFFF_F000
                }
                level -= 1
            }
            let slot = table + ((virtual >> (12 + 9 * UInt64(leafLevel - 1))) & 0x1FF) * 8
            let large = leafLevel > 1 ? Self.largePage : 0
            try memory.writeUInt64(physical: slot, physical | Self.present | flags | large)
        } catch let failure as Failure {
            throw failure
        } catch {
            // Table pages come from inside the synthetic RAM, so memory errors mean a bad region.
            throw .outOfTablePages
        }
    }
}
