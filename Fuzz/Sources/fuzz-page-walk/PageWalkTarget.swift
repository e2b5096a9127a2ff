import FuzzSupport
import WardenCore

// The x86-64 page walk and the kernel locator over arbitrary page tables: a guest's registers and
// RAM (`FuzzGuest`) whose every table entry the fuzzer writes.

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: ArgumentCount, _ argv: ArgumentVector) -> Int32 {
    SeedCorpus.writeIfAsked { try TinyGuest.seeds().map { ($0.name, $0.guest.guest.input) } }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let guest = FuzzGuest(input: Array(inputBytes(data, size)))
    let memory = guest.memory
    for vcpu in guest.registers {
        // The vCPU's own address space, walked where its RIP points and across a page boundary.
        walk(AddressSpace(memory: memory, registers: vcpu), at: vcpu.rip)
    }
    guard let kernel = try? KernelLocator.locate(memory: memory, registers: guest.registers) else { return 0 }
    precondition(kernel.textBase >= KernelLocator.kernelMapStart && kernel.imageMappingEnd <= KernelLocator.kernelMapEnd)
    precondition(kernel.imageMappingEnd - kernel.textBase <= KernelLocator.maximumImageMapping)
    let space = AddressSpace(memory: memory, kernel: kernel)
    walk(space, at: kernel.textBase)
    // What the kallsyms search does first: copy the start of the image mapping, holes as zeros.
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 4096)
    defer { buffer.deallocate() }
    let coverage = space.copyMapped(from: kernel.textBase, into: buffer)
    _ = coverage.description
    return 0
}

/// Translation, frame splitting and reading of a range that crosses pages, with the results checked
/// against each other: every frame of `frames` must be what `translate` gives for its address.
func walk(_ space: AddressSpace, at virtual: UInt64) {
    let translation = try? space.translate(virtual)
    if let translation {
        precondition(translation.physical & (translation.pageSize - 1) == virtual & (translation.pageSize - 1))
    }
    let length: UInt64 = 3 * 4096 + 17
    guard let spans = try? space.frames(virtual: virtual, length: length) else { return }
    precondition(spans.reduce(0) { $0 + $1.length } == length, "frames do not cover the range")
    precondition(spans.first?.physical == translation?.physical, "the first frame is not the translation")
    _ = try? space.read(virtual: virtual, count: Int(length))
}
