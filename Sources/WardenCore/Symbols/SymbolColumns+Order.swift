extension SymbolColumns {
    /// Whether the symbol at `left` comes before the one at `right` in table order: by address,
    /// then name (`String` order), then position, the stable sort the table always had.
    func precedesInAddressOrder(_ left: Int, _ right: Int) -> Bool {
        let (a, b) = (addresses[left], addresses[right])
        if a != b { return a < b }
        let order = compareNames(left, right)
        return order != 0 ? order < 0 : left < right
    }

    /// The permutation that puts the columns in address order; nil when they are in it already.
    func addressOrder() -> [UInt32]? {
        if (0..<max(count - 1, 0)).allSatisfy({ precedesInAddressOrder($0, $0 + 1) }) { return nil }
        var order = (0..<count).map { UInt32(truncatingIfNeeded: $0) }
        order.sort { precedesInAddressOrder(Int($0), Int($1)) }
        return order
    }

    /// Positions sorted by name bytes, then by the lookup tie rule (higher rank first), then by
    /// position: a name's first entry is the symbol its lookup returns.
    func nameOrder() -> [UInt32] {
        var order = (0..<count).map { UInt32(truncatingIfNeeded: $0) }
        names.withUnsafeBufferPointer { names in
            order.sort { left, right in
                let (l, r) = (Int(left), Int(right))
                let order = Self.compareBytes(
                    UnsafeBufferPointer(rebasing: names[nameRange(l)]), UnsafeBufferPointer(rebasing: names[nameRange(r)]))
                if order != 0 { return order < 0 }
                let (rankL, rankR) = (rank(l), rank(r))
                return rankL != rankR ? rankL > rankR : l < r
            }
        }
        return order
    }

    /// A kernel symbol beats a module symbol of the same name; a global (upper-case type) beats
    /// a local one. Equal ranks: the first in address order wins.
    private func rank(_ position: Int) -> Int {
        (isKernel(position) ? 2 : 0) + (hasGlobalType(position) ? 1 : 0)
    }

    /// Names in `String` order, which is byte order for ASCII; other names (rare, from symbol files
    /// or a hostile guest) are compared as `String`s, whose order follows canonical equivalence.
    private func compareNames(_ left: Int, _ right: Int) -> Int {
        names.withUnsafeBufferPointer { names in
            let l = UnsafeBufferPointer(rebasing: names[nameRange(left)])
            let r = UnsafeBufferPointer(rebasing: names[nameRange(right)])
            if l.allSatisfy({ $0 < 0x80 }) && r.allSatisfy({ $0 < 0x80 }) { return Self.compareBytes(l, r) }
            let (a, b) = (String(decoding: l, as: UTF8.self), String(decoding: r, as: UTF8.self))
            return a < b ? -1 : (b < a ? 1 : 0)
        }
    }

    /// Lexicographic byte order: negative, zero or positive.
    @inline(__always) static func compareBytes(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(left.count, right.count)
        var index = 0
        while index < common {
            let (a, b) = (left[index], right[index])
            if a != b { return a < b ? -1 : 1 }
            index &+= 1
        }
        return left.count - right.count
    }
}
