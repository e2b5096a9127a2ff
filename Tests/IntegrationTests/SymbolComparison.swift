import Foundation
import Testing
import WardenCore

/// Compares two symbol lists as multisets of (name, type, address): kernels have duplicate
/// names, some even at the same address, so neither a set nor a name lookup would do.
enum SymbolComparison {
    struct Entry: Hashable, CustomStringConvertible {
        let name: String
        let type: Character
        let address: UInt64
        var description: String { "\(String(address, radix: 16)) \(type) \(name)" }
    }

    static func entries(_ symbols: some Collection<KernelSymbol>) -> [Entry] {
        symbols.map { Entry(name: $0.name, type: $0.type, address: $0.address) }
    }

    static func difference(_ left: [Entry], _ right: [Entry]) -> (onlyLeft: [Entry], onlyRight: [Entry]) {
        var counts: [Entry: Int] = [:]
        for entry in left { counts[entry, default: 0] += 1 }
        for entry in right { counts[entry, default: 0] -= 1 }
        var onlyLeft: [Entry] = []
        var onlyRight: [Entry] = []
        for (entry, count) in counts where count != 0 {
            if count > 0 {
                onlyLeft += Array(repeating: entry, count: count)
            } else {
                onlyRight += Array(repeating: entry, count: -count)
            }
        }
        return (onlyLeft.sorted { $0.address < $1.address }, onlyRight.sorted { $0.address < $1.address })
    }

    /// Records one issue naming the first few differences on each side.
    static func expectSame(
        _ actual: [Entry], _ actualName: String, _ expected: [Entry], _ expectedName: String,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        let (onlyActual, onlyExpected) = difference(actual, expected)
        #expect(
            onlyActual.isEmpty && onlyExpected.isEmpty,
            """
            \(actual.count) symbols from \(actualName), \(expected.count) from \(expectedName); \
            \(onlyActual.count) only in \(actualName) \(onlyActual.prefix(5)), \
            \(onlyExpected.count) only in \(expectedName) \(onlyExpected.prefix(5))
            """,
            sourceLocation: sourceLocation)
    }
}
