/// How Warden lets through a write the policy allows (`allow`, `alert`, `log`, a trusted writer, or the
/// unprotected rest of a protected frame) while the frame stays restricted.
public enum AllowPath: String, Sendable, CaseIterable {
    /// Reply EMULATE: when the vCPU resumes, Xen emulates the faulting instruction with its real writes
    /// (xen/arch/x86/hvm/vm_event.c `hvm_vm_event_do_resume` → hvm/emulate.c `hvm_emulate_one_vm_event`,
    /// `EMUL_KIND_NORMAL`); the emulator writes through the guest's page tables without consulting the
    /// view (`hvmemul_write`), so the frame is never unprotected, for any vCPU. One event per write, no
    /// Monitor Trap Flag needed. An allowed write by an instruction the emulator does not implement is
    /// single-stepped where the CPU has the Monitor Trap Flag, else refused (`ProtectionSession+Emulation.swift`).
    case emulate
    /// Reply ALTERNATE_P2M to view 0 + TOGGLE_SINGLESTEP: this vCPU runs the instruction itself on the
    /// unrestricted view for one Monitor-Trap-Flag step, then its SINGLESTEP event switches it back
    /// (tools/misc/xen-access.c `altp2m_write`). Needs MTF; two events per write.
    case singlestep

    /// What the path needs from Xen and does with a write, for preflight's report.
    public var summary: String {
        switch self {
        case .emulate:
            "emulate (Xen emulates each allowed write in place, the frame staying protected; needs no Monitor Trap Flag; "
                + "a write Xen cannot emulate is single-stepped where the CPU has the Monitor Trap Flag, else refused "
                + "with #UD and an alert)"
        case .singlestep:
            "singlestep (each allowed write runs on the unrestricted view for one Monitor Trap Flag step)"
        }
    }

    /// `warden run`'s default where the host offers both: `emulate`. On evidence:
    /// - No window: with single-step, the stepping vCPU runs on view 0, where every protected frame is
    ///   writable, for a whole instruction of the guest's choosing (a `rep movs` is one instruction); with
    ///   emulation the view never changes. Xen's EMULATE reply for mem_access was contributed by
    ///   Bitdefender (Razvan Cojocaru, "x86/hvm: simplify emulation triggered by vm_event response",
    ///   2016) for its introspection engine (HVMI), which lets allowed writes through by emulation.
    /// - Guest timing: Xen injects no interrupt while a vCPU single-steps (xen/arch/x86/hvm/vmx/intr.c
    ///   `vmx_intr_assist`), and each allowed write costs two round trips to dom0 instead of one.
    /// - Hosts: emulation needs no MTF, which emulated CPUs (Bochs 2.7: capabilities 0x1f7b) lack.
    /// Against it: Xen's emulator does not implement every instruction (Warden then refuses the write,
    /// visibly), and a known Bochs run saw EMULATE replies end in a vmentry failure
    /// (docs: xen-in-bochs.md, limit 3) — the deny path's EMULATE|NOWRITE shares that risk.
    public static let preferred = AllowPath.emulate
}
