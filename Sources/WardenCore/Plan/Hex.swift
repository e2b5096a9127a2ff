/// `0x`-prefixed lower-case hex, the form every address takes in Warden's output.
func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
