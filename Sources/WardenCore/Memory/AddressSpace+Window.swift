extension AddressSpace {
    /// Copies `[start, end)` of guest-virtual memory into `buffer`, leaving pages that are not mapped
    /// as zeros. Used for the kernel image, whose mapping has holes where boot freed padding
    /// (`free_kernel_image_pages` in arch/x86/mm/init_64.c). Returns the number of mapped bytes.
    @discardableResult
    public func copyMapped(from start: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var mapped = 0
        var offset = 0
        while offset < buffer.count {
            let virtual = start &+ UInt64(offset)
            guard let translation = try? translate(virtual) else {
                offset += 4096 - Int(virtual & 0xFFF)
                continue
            }
            // Copy to the end of the (possibly large) page in one read.
            let pageRemaining = translation.pageSize - (virtual & (translation.pageSize - 1))
            let length = Int(min(pageRemaining, UInt64(buffer.count - offset)))
            let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + length)])
            if (try? memory.read(physical: translation.physical, into: slice)) != nil {
                mapped += length
            } else {
                slice.initializeMemory(as: UInt8.self, repeating: 0)
            }
            offset += length
        }
        return mapped
    }
}
