import ElfReader
import WardenCore

/// Guest-physical memory held in a read-only mapped file at known offsets: an ELF core's PT_LOAD
/// segments or a live QEMU guest's RAM backend file.
final class FileBackedMemory: GuestPhysicalMemory {
    let sourceDescription: String
    let ramRanges: [PhysicalRange]
    private let file: MappedFile
    private let map: PhysicalSegmentMap

    init(file: MappedFile, map: PhysicalSegmentMap, sourceDescription: String) {
        self.file = file
        self.map = map
        self.sourceDescription = sourceDescription
        ramRanges = map.ramRanges
    }

    func read(physical: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(GuestMemoryError) {
        try map.read(from: file, physical: physical, into: buffer)
    }
}
