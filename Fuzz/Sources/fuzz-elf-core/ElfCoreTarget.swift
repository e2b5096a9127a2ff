import ElfReader
import FuzzSupport
import GuestSources
import WardenCore

// The ELF core reader as `warden plan --memory CORE` runs it: headers, notes and segments parsed
// from a mapped file, vCPU registers from QEMU's notes, then the kernel read through the core.

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: ArgumentCount, _ argv: ArgumentVector) -> Int32 {
    SeedCorpus.writeIfAsked { try TinyGuest.seeds().map { ($0.name, CoreFileWriter.core(of: $0.guest.guest)) } }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let file = MemoryFile(inputBytes(data, size))
    let dump: ElfCoreDump
    do { dump = try ElfCoreDump(path: file.path) } catch {
        _ = error.description
        return 0
    }
    _ = dump.core.processStatuses()
    // The first and last byte of every RAM range must read; one past the end must not.
    for range in dump.memory.ramRanges {
        precondition((try? dump.memory.readBytes(physical: range.start, count: 1)) != nil, "RAM start unreadable")
        precondition((try? dump.memory.readBytes(physical: range.end - 1, count: 1)) != nil, "RAM end unreadable")
    }
    guard let registers = try? dump.vcpuRegisters() else { return 0 }
    do { _ = try GuestKernel.read(memory: dump.memory, registers: registers) } catch { _ = error.description }
    return 0
}
