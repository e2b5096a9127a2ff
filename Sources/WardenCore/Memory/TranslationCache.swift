/// Remembers page translations so repeated lookups in the same page skip the table walk. Large
/// pages are remembered once for their whole extent. Guest page tables change, so a cache is only
/// valid while the guest is paused or for mappings the kernel never changes (its own image).
public struct TranslationCache {
    public let space: AddressSpace
    private var pages: [UInt64: Translation] = [:]
    public private(set) var hits = 0
    public private(set) var misses = 0
    /// Bounds memory when a caller translates a huge or hostile range.
    public let capacity: Int

    public init(space: AddressSpace, capacity: Int = 1 << 16) {
        self.space = space
        self.capacity = capacity
    }

    private static let sizes: [UInt64] = [1 << 12, 1 << 21, 1 << 30]

    public mutating func translate(_ virtual: UInt64) throws(TranslationError) -> Translation {
        for size in Self.sizes {
            let base = virtual & ~(size - 1)
            if let page = pages[base], page.pageSize == size {
                hits += 1
                var hit = page
                hit.physical = page.physical | (virtual & (size - 1))
                return hit
            }
        }
        misses += 1
        let translation = try space.translate(virtual)
        if pages.count >= capacity { pages.removeAll(keepingCapacity: true) }
        var page = translation
        page.physical &= ~(translation.pageSize - 1)
        pages[virtual & ~(translation.pageSize - 1)] = page
        return translation
    }
}
