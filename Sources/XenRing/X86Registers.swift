import CXen

/// `struct vm_event_regs_x86` (`data.regs.x86`): the vCPU snapshot Xen fills for every monitor event
/// (arch/x86/vm_event.c `vm_event_fill_regs`). In a response Xen reads only rax–r15, rflags and rip, and only
/// with `VMEventFlags.setRegisters` (arch/x86/hvm/vm_event.c `vm_event_set_registers`).
///
/// The C struct is stored as is and each register is a view of it, so decoding a request is one 344-byte copy
/// rather than sixty field copies, and nothing is lost or reinterpreted. Every field is a plain integer, so no
/// value from the ring can make an accessor trap.
public struct X86Registers: Sendable {
    var raw: vm_event_regs_x86

    public init() { raw = vm_event_regs_x86() }
    init(_ raw: vm_event_regs_x86) { self.raw = raw }

    public var rax: UInt64 { get { raw.rax } set { raw.rax = newValue } }
    public var rcx: UInt64 { get { raw.rcx } set { raw.rcx = newValue } }
    public var rdx: UInt64 { get { raw.rdx } set { raw.rdx = newValue } }
    public var rbx: UInt64 { get { raw.rbx } set { raw.rbx = newValue } }
    public var rsp: UInt64 { get { raw.rsp } set { raw.rsp = newValue } }
    public var rbp: UInt64 { get { raw.rbp } set { raw.rbp = newValue } }
    public var rsi: UInt64 { get { raw.rsi } set { raw.rsi = newValue } }
    public var rdi: UInt64 { get { raw.rdi } set { raw.rdi = newValue } }
    public var r8: UInt64 { get { raw.r8 } set { raw.r8 = newValue } }
    public var r9: UInt64 { get { raw.r9 } set { raw.r9 = newValue } }
    public var r10: UInt64 { get { raw.r10 } set { raw.r10 = newValue } }
    public var r11: UInt64 { get { raw.r11 } set { raw.r11 = newValue } }
    public var r12: UInt64 { get { raw.r12 } set { raw.r12 = newValue } }
    public var r13: UInt64 { get { raw.r13 } set { raw.r13 = newValue } }
    public var r14: UInt64 { get { raw.r14 } set { raw.r14 = newValue } }
    public var r15: UInt64 { get { raw.r15 } set { raw.r15 = newValue } }
    public var rflags: UInt64 { get { raw.rflags } set { raw.rflags = newValue } }
    public var dr6: UInt64 { get { raw.dr6 } set { raw.dr6 = newValue } }
    public var dr7: UInt64 { get { raw.dr7 } set { raw.dr7 = newValue } }
    public var rip: UInt64 { get { raw.rip } set { raw.rip = newValue } }
    public var cr0: UInt64 { get { raw.cr0 } set { raw.cr0 = newValue } }
    public var cr2: UInt64 { get { raw.cr2 } set { raw.cr2 = newValue } }
    public var cr3: UInt64 { get { raw.cr3 } set { raw.cr3 = newValue } }
    public var cr4: UInt64 { get { raw.cr4 } set { raw.cr4 = newValue } }
    public var sysenterCS: UInt64 { get { raw.sysenter_cs } set { raw.sysenter_cs = newValue } }
    public var sysenterESP: UInt64 { get { raw.sysenter_esp } set { raw.sysenter_esp = newValue } }
    public var sysenterEIP: UInt64 { get { raw.sysenter_eip } set { raw.sysenter_eip = newValue } }
    public var msrEFER: UInt64 { get { raw.msr_efer } set { raw.msr_efer = newValue } }
    public var msrSTAR: UInt64 { get { raw.msr_star } set { raw.msr_star = newValue } }
    public var msrLSTAR: UInt64 { get { raw.msr_lstar } set { raw.msr_lstar = newValue } }
    public var gdtrBase: UInt64 { get { raw.gdtr_base } set { raw.gdtr_base = newValue } }
    public var gdtrLimit: UInt16 { get { raw.gdtr_limit } set { raw.gdtr_limit = newValue } }
    /// Meaningful only with `VMEventFlags.nestedP2M`.
    public var nptBase: UInt64 { get { raw.npt_base } set { raw.npt_base = newValue } }
    /// `~0` when vmtrace is not active.
    public var vmtracePos: UInt64 { get { raw.vmtrace_pos } set { raw.vmtrace_pos = newValue } }
    /// The header keeps only 32 bits of the cs/ss/ds/es bases (ignored in 64-bit mode anyway).
    public var csBase: UInt32 { get { raw.cs_base } set { raw.cs_base = newValue } }
    public var ssBase: UInt32 { get { raw.ss_base } set { raw.ss_base = newValue } }
    public var dsBase: UInt32 { get { raw.ds_base } set { raw.ds_base = newValue } }
    public var esBase: UInt32 { get { raw.es_base } set { raw.es_base = newValue } }
    public var fsBase: UInt64 { get { raw.fs_base } set { raw.fs_base = newValue } }
    public var gsBase: UInt64 { get { raw.gs_base } set { raw.gs_base = newValue } }
    public var shadowGS: UInt64 { get { raw.shadow_gs } set { raw.shadow_gs = newValue } }
    public var cs: SegmentAttributes { get { SegmentAttributes(raw.cs) } set { raw.cs = newValue.raw } }
    public var ss: SegmentAttributes { get { SegmentAttributes(raw.ss) } set { raw.ss = newValue.raw } }
    public var ds: SegmentAttributes { get { SegmentAttributes(raw.ds) } set { raw.ds = newValue.raw } }
    public var es: SegmentAttributes { get { SegmentAttributes(raw.es) } set { raw.es = newValue.raw } }
    public var fs: SegmentAttributes { get { SegmentAttributes(raw.fs) } set { raw.fs = newValue.raw } }
    public var gs: SegmentAttributes { get { SegmentAttributes(raw.gs) } set { raw.gs = newValue.raw } }
    public var csSelector: UInt16 { get { raw.cs_sel } set { raw.cs_sel = newValue } }
    public var ssSelector: UInt16 { get { raw.ss_sel } set { raw.ss_sel = newValue } }
    public var dsSelector: UInt16 { get { raw.ds_sel } set { raw.ds_sel = newValue } }
    public var esSelector: UInt16 { get { raw.es_sel } set { raw.es_sel = newValue } }
    public var fsSelector: UInt16 { get { raw.fs_sel } set { raw.fs_sel = newValue } }
    public var gsSelector: UInt16 { get { raw.gs_sel } set { raw.gs_sel = newValue } }
}

extension X86Registers: Hashable {
    // Byte-wise: the C struct has no implicit padding (344 bytes of named fields, asserted in CXenShims.c),
    // and its explicit `_pad` is part of what Xen wrote.
    public static func == (lhs: X86Registers, rhs: X86Registers) -> Bool {
        withUnsafeBytes(of: lhs.raw) { left in withUnsafeBytes(of: rhs.raw) { right in left.elementsEqual(right) } }
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes(of: raw) { hasher.combine(bytes: $0) }
    }
}

/// `struct vm_event_x86_selector_reg`: a 32-bit bitfield, limit in the low 20 bits and the access-rights
/// byte pair in the high 12. The limit is shifted right by 12 when the granularity bit is set (header comment).
public struct SegmentAttributes: Sendable, Hashable {
    /// Only the low 20 bits are stored when encoded, as the C bitfield would.
    public var limit: UInt32
    /// Only the low 12 bits are stored when encoded.
    public var accessRights: UInt16

    public init(limit: UInt32 = 0, accessRights: UInt16 = 0) {
        self.limit = limit
        self.accessRights = accessRights
    }

    init(_ raw: vm_event_x86_selector_reg) {
        self.init(limit: raw.limit, accessRights: UInt16(truncatingIfNeeded: raw.ar))
    }

    var raw: vm_event_x86_selector_reg {
        var raw = vm_event_x86_selector_reg()
        raw.limit = limit & 0xF_FFFF
        raw.ar = UInt32(accessRights) & 0xFFF
        return raw
    }
}
