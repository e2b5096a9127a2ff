/// What the `.note.Xen` section of an `xl dump-core` file says about the dump. Line numbers are
/// Xen RELEASE-4.17.7.
///
/// The notes are ordinary ELF notes named "Xen" (tools/libs/guest/xg_core.h lines 36-47: a 16-byte
/// header with the 4-byte name, then the descriptor), written in this order by xg_core.c lines
/// 767-785: DUMPCORE_NONE (empty), DUMPCORE_HEADER, DUMPCORE_XEN_VERSION, DUMPCORE_FORMAT_VERSION
/// (types from xen/include/public/elfnote.h lines 229, 237, 246, 254).
public struct XenDumpHeader: Sendable, Equatable {
    /// `xch_magic`: XC_CORE_MAGIC_HVM for auto-translated (HVM, PVH) guests, XC_CORE_MAGIC for PV
    /// (xg_core.c line 364; values from tools/include/xenctrl.h lines 440-441).
    public var magic: UInt64
    /// `xch_nr_vcpus`: how many vCPU contexts `.xen_prstatus` holds (xg_core.c lines 533-546, 365).
    public var vcpuCount: UInt64
    /// `xch_nr_pages`: the domain's page count when dumped (xg_core.c lines 565, 366), which sizes
    /// both `.xen_pages` and `.xen_pfn`.
    public var pageCount: UInt64
    /// `xch_page_size`: PAGE_SIZE of the toolstack (xg_core.c line 367).
    public var pageSize: UInt64
    /// `(major << 32) | minor`; Xen 4.17 writes major 0, minor 1 (xg_core.h lines 71-80).
    public var formatVersion: UInt64

    public static let magicHVM: UInt64 = 0xF00F_EBEE
    public static let magicPV: UInt64 = 0xF00F_EBED
    public static let supportedFormatMajor: UInt64 = 0

    static let noteName = "Xen"
    static let headerType: UInt32 = 0x200_0001
    static let formatVersionType: UInt32 = 0x200_0003
    /// `struct xen_dumpcore_elfnote_header_desc`: four uint64_t (xg_core.h lines 53-58).
    static let headerSize = 32

    init(notes: [ElfNote], path: String) throws(ElfCoreError) {
        func damaged(_ part: String, _ problem: String) -> ElfCoreError {
            .xenDump(path: path, part: part, problem: problem)
        }
        func only(_ type: UInt32, _ name: String) throws(ElfCoreError) -> ElfNote {
            let found = notes.filter { $0.name == Self.noteName && $0.type == type }
            guard found.count == 1 else {
                throw damaged("the \(name) note", found.isEmpty ? "is missing from .note.Xen" : "appears \(found.count) times")
            }
            return found[0]
        }
        let header = try only(Self.headerType, "DUMPCORE_HEADER")
        let fields = DescriptorReader(bytes: header.descriptor)
        guard header.descriptor.count == Self.headerSize, let magic = fields.uint64(0), let vcpus = fields.uint64(8),
            let pages = fields.uint64(16), let pageSize = fields.uint64(24)
        else {
            throw damaged("the DUMPCORE_HEADER note", "has \(header.descriptor.count) bytes, not \(Self.headerSize)")
        }
        let format = try only(Self.formatVersionType, "DUMPCORE_FORMAT_VERSION")
        guard format.descriptor.count == 8, let version = DescriptorReader(bytes: format.descriptor).uint64(0) else {
            throw damaged("the DUMPCORE_FORMAT_VERSION note", "has \(format.descriptor.count) bytes, not 8")
        }
        (self.magic, vcpuCount, pageCount, self.pageSize, formatVersion) = (magic, vcpus, pages, pageSize, version)

        guard magic != Self.magicPV else {
            throw .unsupported(
                path: path,
                reason: "it is the dump of a PV guest (magic 0xf00febed); Warden reads HVM and PVH guests, whose"
                    + " page tables hold guest frame numbers")
        }
        guard magic == Self.magicHVM else {
            throw damaged("DUMPCORE_HEADER", "has magic 0x\(String(magic, radix: 16)), not 0xf00febee (HVM) or 0xf00febed (PV)")
        }
        guard version >> 32 == Self.supportedFormatMajor else {
            throw .unsupported(
                path: path, reason: "dump-core format version \(version >> 32).\(version & 0xffff_ffff); Warden reads 0.x")
        }
        guard pageSize == 4096 else {
            throw .unsupported(path: path, reason: "page size \(pageSize); Warden reads x86 dumps with 4096-byte pages")
        }
        guard vcpus > 0 else { throw damaged("DUMPCORE_HEADER", "says 0 vCPUs; Xen refuses to dump without one") }
    }
}
