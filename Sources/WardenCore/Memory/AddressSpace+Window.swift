extension AddressSpace {
    /// Copies `[start, start + buffer.count)` of guest-virtual memory into `buffer`, leaving as zeros
    /// the pages that are not mapped and the frames the memory source cannot read, and says which
    /// (`CopyCoverage`). Used for the kernel image, whose mapping has holes where boot freed padding
    /// (`free_kernel_image_pages` in arch/x86/mm/init_64.c), and which is read from a running guest
    /// whose hypervisor may refuse a frame.
    ///
    /// A large page is read in one call; if that fails it is read again frame by frame, so a frame
    /// that cannot be read costs those 4 KiB and not the whole 2 MiB page around it (issue 9: one
    /// such frame hid the kallsyms tables that shared its large page).
    @discardableResult
    public func copyMapped(from start: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> CopyCoverage {
        var coverage = CopyCoverage(virtualStart: start, byteCount: buffer.count)
        var offset = 0
        while offset < buffer.count {
            let virtual = start &+ UInt64(offset)
            guard let translation = try? translate(virtual) else {
                // The buffer may be reused memory: zero the page rather than leave stale bytes.
                let length = min(4096 - Int(virtual & 0xFFF), buffer.count - offset)
                UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + length)])
                    .initializeMemory(as: UInt8.self, repeating: 0)
                coverage.noteUnmapped(virtual: virtual)
                offset += length
                continue
            }
            // Copy to the end of the (possibly large) page in one read.
            let pageRemaining = translation.pageSize - (virtual & (translation.pageSize - 1))
            let length = Int(min(pageRemaining, UInt64(buffer.count - offset)))
            let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + length)])
            do {
                try memory.read(physical: translation.physical, into: slice)
                coverage.noteCopied(physical: translation.physical, length: length)
            } catch {
                copyFrames(physical: translation.physical, into: slice, coverage: &coverage)
            }
            offset += length
        }
        return coverage
    }

    /// Reads `slice` from guest-physical `physical` one 4 KiB frame at a time, zeroing and counting
    /// each frame that cannot be read.
    private func copyFrames(physical: UInt64, into slice: UnsafeMutableRawBufferPointer, coverage: inout CopyCoverage) {
        var offset = 0
        while offset < slice.count {
            let address = physical + UInt64(offset)
            let length = min(4096 - Int(address & 0xFFF), slice.count - offset)
            let frame = UnsafeMutableRawBufferPointer(rebasing: slice[offset..<(offset + length)])
            do {
                try memory.read(physical: address, into: frame)
                coverage.noteCopied(physical: address, length: length)
            } catch {
                frame.initializeMemory(as: UInt8.self, repeating: 0)
                coverage.noteUnreadable(physical: address, error)
            }
            offset += length
        }
    }
}
