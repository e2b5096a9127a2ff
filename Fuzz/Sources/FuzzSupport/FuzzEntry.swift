/// The fuzz input as libFuzzer passes it (its pointer may be null for an empty input).
public func inputBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: size > 0 ? data : nil, count: size)
}

/// `LLVMFuzzerInitialize`'s argument types.
public typealias ArgumentCount = UnsafeMutablePointer<Int32>
public typealias ArgumentVector = UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
