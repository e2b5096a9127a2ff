extension SymbolTable {
    /// The table in System.map format (`ffffffff81000000 T _text`), module symbols as `[mod]`.
    /// Written from the columns' bytes, so no `String` is made per symbol.
    public func systemMapText() -> String {
        let columns = symbols.columns
        let hexDigits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(columns.names.count + columns.count * 21)
        for position in 0..<columns.count {
            let address = columns.addresses[position]
            for shift in stride(from: 60, through: 0, by: -4) {
                out.append(hexDigits[Int((address >> UInt64(shift)) & 0xf)])
            }
            out.append(0x20)
            let type = columns.types[position]
            if type == SymbolColumns.exoticType {
                out.append(contentsOf: columns.type(position).utf8)
            } else {
                out.append(type)
            }
            out.append(0x20)
            out.append(contentsOf: columns.names[columns.nameRange(position)])
            if let module = columns.module(position) {
                out.append(contentsOf: "\t[".utf8)
                out.append(contentsOf: module.utf8)
                out.append(0x5D)
            }
            out.append(0x0A)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
