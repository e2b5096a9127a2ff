extension SymbolColumns {
    /// A table holds fewer symbols than `UInt32.max`, so that positions and module indexes fit the
    /// `UInt32` permutations and columns. kallsyms is capped far below (`KallsymsFinder.maximumSymbolCount`);
    /// only a symbol file of some hundred GB could reach it, and its symbols beyond are not kept.
    static let maximumCount = Int(UInt32.max) - 1

    /// Appends symbols column by column; the module and size columns appear with the first symbol
    /// that needs them.
    struct Builder {
        private(set) var columns = SymbolColumns()
        private var moduleIndex: [String: UInt32] = [:]

        init(expectedCount: Int = 0, expectedNameBytes: Int = 0) {
            columns.names.reserveCapacity(expectedNameBytes)
            columns.nameStarts.reserveCapacity(expectedCount + 1)
            columns.addresses.reserveCapacity(expectedCount)
            columns.types.reserveCapacity(expectedCount)
        }

        /// For kallsyms: the decoded `kallsyms_offsets` become the address column as they are (one
        /// buffer, not a second copy at the attach peak); names then arrive in the same order through
        /// `appendName`, one for each address.
        init(addresses: [UInt64], expectedNameBytes: Int) {
            columns.addresses = addresses
            columns.names.reserveCapacity(expectedNameBytes)
            columns.nameStarts.reserveCapacity(addresses.count + 1)
            columns.types.reserveCapacity(addresses.count)
        }

        var isFull: Bool { columns.count >= SymbolColumns.maximumCount }

        mutating func append(_ symbol: KernelSymbol) {
            guard !isFull else { return }
            columns.names.append(contentsOf: symbol.name.utf8)
            appendFields(address: symbol.address, type: symbol.type, module: symbol.module, size: symbol.size)
        }

        /// The next kallsyms entry, for the address at its position (the decoder has checked the
        /// letter and the bytes, and never gives more names than addresses). Names with bytes above
        /// 0x7f are stored as `String(decoding:as:)` repairs them, as the name would print.
        mutating func appendName(_ nameBytes: UnsafeRawBufferPointer, typeLetter: UInt8) {
            if nameBytes.allSatisfy({ $0 < 0x80 }) {
                columns.names.append(contentsOf: nameBytes)
            } else {
                columns.names.append(contentsOf: String(decoding: nameBytes, as: UTF8.self).utf8)
            }
            columns.nameStarts.append(columns.names.count)
            columns.types.append(typeLetter)
        }

        /// Symbol `index` of `source`, copied without materialising its name.
        mutating func append(from source: SymbolColumns, index: Int) {
            guard !isFull else { return }
            columns.names.append(contentsOf: source.names[source.nameRange(index)])
            appendFields(address: source.addresses[index], type: source.type(index), module: source.module(index),
                size: source.size(index))
        }

        private mutating func appendFields(address: UInt64, type: Character, module: String?, size: UInt64?) {
            let position = columns.count
            columns.nameStarts.append(columns.names.count)
            columns.addresses.append(address)
            if type.unicodeScalars.count == 1, let scalar = type.unicodeScalars.first, scalar.isASCII,
                scalar.value != UInt32(SymbolColumns.exoticType)
            {
                columns.types.append(UInt8(scalar.value))
            } else {
                columns.types.append(SymbolColumns.exoticType)
                columns.exoticTypes[position] = type
            }
            appendModuleAndSize(module: module, size: size)
        }

        private mutating func appendModuleAndSize(module: String?, size: UInt64?) {
            // `position` is the index of the symbol whose address was just appended.
            let position = columns.count - 1
            if let module {
                if columns.moduleOfSymbol.isEmpty {
                    columns.moduleOfSymbol = [UInt32](repeating: 0, count: position)
                }
                columns.moduleOfSymbol.append(intern(module))
            } else if !columns.moduleOfSymbol.isEmpty {
                columns.moduleOfSymbol.append(0)
            }
            // `sizeKnown` has a word as soon as the columns have sizes (`sizes` may still be empty).
            if size != nil, columns.sizeKnown.isEmpty {
                columns.sizes = [UInt64](repeating: 0, count: position)
                columns.sizeKnown = [UInt64](repeating: 0, count: position / 64 + 1)
            }
            guard !columns.sizeKnown.isEmpty else { return }
            if position / 64 == columns.sizeKnown.count { columns.sizeKnown.append(0) }
            columns.sizes.append(size ?? 0)
            if size != nil { columns.sizeKnown[position / 64] |= 1 << UInt64(position % 64) }
        }

        /// There are fewer distinct modules than symbols, so the index fits (see `maximumCount`).
        private mutating func intern(_ module: String) -> UInt32 {
            if let index = moduleIndex[module] { return index }
            let index = UInt32(truncatingIfNeeded: columns.moduleNames.count)
            columns.moduleNames.append(module)
            moduleIndex[module] = index
            return index
        }

        /// The columns, with the name buffer's growth slack given back if it grew by doubling.
        /// Moved out, so that the caller holds the only reference and can sort them in place.
        mutating func build() -> SymbolColumns {
            var built = SymbolColumns()
            swap(&built, &columns)
            moduleIndex = [:]
            if built.names.capacity > built.names.count + built.names.count / 16 + 64 {
                built.names = built.names.withUnsafeBufferPointer { Array($0) }
            }
            return built
        }
    }

    /// The same symbols in `order` (a permutation of the positions).
    func reordered(_ order: [UInt32]) -> SymbolColumns {
        var builder = Builder(expectedCount: order.count, expectedNameBytes: names.count)
        for position in order { builder.append(from: self, index: Int(position)) }
        // Appending never grows past `names.count`: no slack to give back.
        return builder.build()
    }
}
