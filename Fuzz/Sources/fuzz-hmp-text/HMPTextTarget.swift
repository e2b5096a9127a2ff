import ElfReader
import FuzzSupport
import GuestSources
import WardenCore

// The HMP text parsers on their own, so that mutations need not keep a JSON string intact:
// `info mtree -f` (the RAM backend's guest-physical layout) and `info registers -a` (vCPU registers).

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: ArgumentCount, _ argv: ArgumentVector) -> Int32 {
    SeedCorpus.writeIfAsked {
        let guest = try TinyGuest()
        return [
            ("mtree-pc-5GiB", Array(QemuMonitorText.mtree(ramSize: 5 << 30, backend: "ram0").utf8)),
            ("mtree-small", Array(QemuMonitorText.mtree(ramSize: 512 << 20, backend: "ram0").utf8)),
            ("registers", Array(QemuMonitorText.registers(guest.guest.registers).utf8)),
        ]
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: inputBytes(data, size), as: UTF8.self)
    if let segments = try? QemuMemoryLayout.segments(mtree: text, region: "ram0"),
       let map = try? PhysicalSegmentMap(segments: segments, fileSize: 8 << 30) {
        // Sorted and disjoint, whatever order and overlap the text had.
        for (first, second) in zip(map.segments, map.segments.dropFirst()) {
            precondition(first.physical + first.length <= second.physical, "segments overlap after validation")
        }
    }
    if let registers = try? QemuRegisterDump.parse(text) { precondition(!registers.isEmpty, "parsed no vCPU") }
    return 0
}
