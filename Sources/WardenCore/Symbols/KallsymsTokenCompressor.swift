/// The byte-pair compression scripts/kallsyms.c applies to kallsyms names (`optimize_token_table`):
/// every byte value a name uses stays a token for itself; each unused code, from 255 down, becomes
/// the most frequent pair of adjacent tokens, until no pair is left.
public struct KallsymsTokenCompressor: Sendable {
    /// The entries (type letter + name) rewritten as token codes.
    public private(set) var symbols: [[UInt8]]
    /// What each of the 256 codes expands to; empty for codes left unused.
    public private(set) var expansions: [[UInt8]]
    /// How often each pair (first + second << 8) occurs over all symbols: kallsyms.c `token_profit`.
    private var profit: [Int]

    /// Real kernels use all ten digits, so their token table holds "0"…"9" at codes 0x30…0x39: the
    /// finder anchors on that run. Reserving them keeps small synthetic tables findable the same way.
    public static let reservedCharacters: ClosedRange<UInt8> = 0x30...0x39

    public init(entries: [[UInt8]]) {
        symbols = entries
        expansions = Array(repeating: [], count: 256)
        profit = Array(repeating: 0, count: 0x1_0000)
        for code in Self.reservedCharacters { expansions[Int(code)] = [code] }
        for entry in entries {
            for byte in entry { expansions[Int(byte)] = [byte] }
            Self.count(entry, into: &profit, by: 1)
        }
    }

    private static func count(_ symbol: [UInt8], into profit: inout [Int], by step: Int) {
        guard symbol.count > 1 else { return }
        for position in 0..<(symbol.count - 1) {
            profit[Int(symbol[position]) | Int(symbol[position + 1]) << 8] += step
        }
    }

    /// Assigns every unused code, highest first, to the most profitable pair (`optimize_result`).
    public mutating func compress() {
        for code in (0...255).reversed() where expansions[code].isEmpty {
            var best = 0
            for pair in 1..<profit.count where profit[pair] > profit[best] { best = pair }
            guard profit[best] > 0 else { return }
            let first = UInt8(best & 0xFF)
            let second = UInt8(best >> 8)
            expansions[code] = expansions[Int(first)] + expansions[Int(second)]
            replace(first, second, with: UInt8(code))
        }
    }

    /// Rewrites each non-overlapping occurrence of the pair, left to right (`compress_symbols`).
    private mutating func replace(_ first: UInt8, _ second: UInt8, with code: UInt8) {
        for index in symbols.indices {
            let symbol = symbols[index]
            guard symbol.count > 1 else { continue }
            var found = false
            for position in 0..<(symbol.count - 1) where symbol[position] == first && symbol[position + 1] == second {
                found = true
                break
            }
            guard found else { continue }
            Self.count(symbol, into: &profit, by: -1)
            var rewritten: [UInt8] = []
            rewritten.reserveCapacity(symbol.count)
            var position = 0
            while position < symbol.count {
                if position + 1 < symbol.count, symbol[position] == first, symbol[position + 1] == second {
                    rewritten.append(code)
                    position += 2
                } else {
                    rewritten.append(symbol[position])
                    position += 1
                }
            }
            Self.count(rewritten, into: &profit, by: 1)
            symbols[index] = rewritten
        }
    }
}
