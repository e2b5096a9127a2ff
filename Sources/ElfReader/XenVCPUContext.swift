import WardenCore

/// One entry of `.xen_prstatus` in an `xl dump-core` file of an HVM or PVH guest. Line numbers are
/// Xen RELEASE-4.17.7.
///
/// Each entry is a `vcpu_guest_context_any_t` (tools/include/xenctrl.h lines 471-478) exactly as
/// `xc_vcpu_getcontext` returned it (tools/libs/guest/xg_core.c lines 533-542, 788): 5168 bytes on an
/// x86-64 toolstack. For a domain that is not 32-bit PV, XEN_DOMCTL_getvcpucontext copies out the
/// native 64-bit `vcpu_guest_context` (xen/common/domctl.c lines 836-841), whatever mode the guest
/// runs in, and for an HVM domain fills it in xen/arch/x86/domctl.c `arch_get_info_guest`:
/// - `ctrlreg[0]`, `[2]`, `[3]`, `[4]` are the guest's own CR0, CR2, CR3, CR4
///   (`v->arch.hvm.guest_cr[]`, lines 1470-1473): CR3 is a guest-physical address with PCID bits;
/// - `user_regs` is the vCPU's saved register frame (line 1441) with the segment selectors
///   overwritten from the VMCS (lines 1474-1486);
/// - `gs_base_kernel` / `gs_base_user` are GS.base and MSR_SHADOW_GS_BASE, swapped when CS is
///   not ring 0 (lines 1488-1499; `ring_0` is `(cs & 3) == 0`, xen/arch/x86/include/asm/x86_64/regs.h
///   line 7);
/// - `flags` has VGCF_online unless the vCPU is down (lines 1437-1438; bit 5,
///   xen/include/public/arch-x86/xen.h lines 175-176).
/// EFER and the descriptor-table bases are not in the context; they are reported as 0, as for
/// QEMU cores.
///
/// Offsets are those of `struct vcpu_guest_context` (xen/include/public/arch-x86/xen.h lines
/// 162-213) with the x86-64 `cpu_user_regs` (xen/include/public/arch-x86/xen-x86_64.h lines 162-191);
/// a test holds them to the installed C header.
public struct XenVCPUContext: Sendable, Equatable {
    public var flags: UInt64
    public var rip: UInt64
    public var cs: UInt16
    /// CR0 … CR7 as `ctrlreg[8]`.
    public var controlRegisters: [UInt64]
    public var fsBase: UInt64
    public var gsBaseKernel: UInt64
    public var gsBaseUser: UInt64

    /// `sizeof(vcpu_guest_context_any_t)` with an x86-64 toolstack.
    public static let size = 5168
    static let flagsOffset = 512
    /// `user_regs` at 520; `rip` follows 15 registers and two uint32_t, `cs` follows `rip`.
    static let ripOffset = 520 + 128
    static let csOffset = 520 + 136
    static let controlRegistersOffset = 4984
    static let fsBaseOffset = 5144
    static let gsBaseKernelOffset = 5152
    static let gsBaseUserOffset = 5160
    static let onlineFlag: UInt64 = 1 << 5

    /// nil unless `bytes` is exactly one context.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.size else { return nil }
        let reader = DescriptorReader(bytes: bytes)
        // The length check makes every fixed offset below readable.
        func word(_ offset: Int) -> UInt64 { reader.uint64(offset) ?? 0 }
        flags = word(Self.flagsOffset)
        rip = word(Self.ripOffset)
        cs = UInt16(truncatingIfNeeded: reader.uint32(Self.csOffset) ?? 0)
        controlRegisters = (0..<8).map { word(Self.controlRegistersOffset + $0 * 8) }
        fsBase = word(Self.fsBaseOffset)
        gsBaseKernel = word(Self.gsBaseKernelOffset)
        gsBaseUser = word(Self.gsBaseUserOffset)
    }

    public var isOnline: Bool { flags & Self.onlineFlag != 0 }

    /// Warden's view of this vCPU. GS.base is the live one, undoing Xen's ring-based swap.
    public func registers(vcpu: Int) -> VCPURegisters {
        let ring0 = cs & 3 == 0
        return VCPURegisters(
            vcpu: vcpu, cr0: controlRegisters[0], cr3: controlRegisters[3], cr4: controlRegisters[4], efer: 0, rip: rip,
            gsBase: ring0 ? gsBaseKernel : gsBaseUser, kernelGSBase: ring0 ? gsBaseUser : gsBaseKernel)
    }
}
