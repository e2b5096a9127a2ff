import WardenCore

/// One guest instruction the model executes on a vCPU: fetched at `rip`, optionally writing `bytes` at
/// guest-virtual `virtual`. The model knows no opcodes; an instruction is what it touches.
public struct GuestInstruction: Sendable, Equatable {
    public var rip: UInt64
    /// Bytes RIP advances by when the instruction retires (7 for `mov %reg, disp32(%rip)`).
    public var length: UInt64
    public var write: GuestWrite?
    /// Whether Xen's instruction emulator handles it. False plays one `x86_emulate` answers with
    /// X86EMUL_UNIMPLEMENTED (an opcode or encoding it does not implement, e.g. some vector stores):
    /// an EMULATE reply then ends in an EMUL_UNIMPLEMENTED event or #UD (xen/arch/x86/hvm/emulate.c
    /// `hvm_emulate_one_vm_event`). The guest's CPU runs it either way.
    public var emulatable: Bool

    public init(rip: UInt64, length: UInt64 = 7, write: GuestWrite? = nil, emulatable: Bool = true) {
        self.rip = rip
        self.length = length
        self.write = write
        self.emulatable = emulatable
    }
}

/// The data write of an instruction.
public struct GuestWrite: Sendable, Equatable {
    public var virtual: UInt64
    public var bytes: [UInt8]

    public init(virtual: UInt64, bytes: [UInt8]) {
        self.virtual = virtual
        self.bytes = bytes
    }
}

/// How an instruction left the vCPU for good.
public enum Retirement: Sendable, Equatable {
    /// Executed by the guest: its bytes are in memory.
    case executed
    /// Emulated by Xen after an EMULATE reply: writes performed, view restrictions not consulted
    /// (xen/arch/x86/hvm/emulate.c, `EMUL_KIND_NORMAL` / `EMUL_KIND_SET_CONTEXT_DATA`).
    case emulated
    /// Emulated after EMULATE|EMULATE_NOWRITE: writes discarded, RIP advanced
    /// (emulate.c `hvm_emulate_ops_no_write`).
    case emulatedWithoutWrites
    /// The guest's own page tables refused it: the guest takes a #PF and the instruction is gone.
    case guestPageFault(GuestFault)
    /// It touched a gfn the host maps no RAM at (emulated MMIO with no device): discarded.
    case unbacked(gfn: UInt64)
    /// SET_REGISTERS moved RIP away from it before it could run again.
    case abandoned
    /// An EMULATE reply met an instruction Xen cannot emulate while nobody monitored EMUL_UNIMPLEMENTED:
    /// Xen injected #UD (`hvm_emulate_one_vm_event` → `hvm_inject_hw_exception(TRAP_invalid_op)`). None of
    /// its writes happened; the guest's invalid-opcode handler runs instead.
    case invalidOpcodeInjected
}

/// Why the guest's own paging refused an access (the guest would take a #PF).
public enum GuestFault: Sendable, Equatable {
    case translation(TranslationError)
    /// A write through a read-only PTE with CR0.WP set.
    case writeProtected(virtual: UInt64)
}

/// What became of `XenModel.write(vcpu:virtual:bytes:rip:)` right after the call.
public enum WriteOutcome: Sendable, Equatable {
    case completed(Retirement)
    /// A sync MEM_ACCESS request is on the ring; the vCPU is paused with the write pending.
    case pendingEvent(gfn: UInt64)
    /// The ring had no free slot: the vCPU sleeps in Xen's wait queue with the request unsent.
    case waitingForRingSlot
    /// An async event left fewer free slots than vCPUs: Xen paused the vCPU before the retry.
    case blockedForRingSpace
    /// The vCPU is paused or busy with earlier instructions: the write waits its turn.
    case queued
    /// A violation with `access_required` and no listener crashed the domain.
    case domainCrashed
    /// Retired so long ago that the vCPU's history (`XenModelConfiguration.retiredHistory`) no longer holds it.
    case retiredOutOfHistory
}

/// A retired instruction with its sequence number on its vCPU.
public struct RetiredInstruction: Sendable, Equatable {
    public var sequence: Int
    public var instruction: GuestInstruction
    public var retirement: Retirement
}
