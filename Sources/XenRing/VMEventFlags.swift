/// `VM_EVENT_FLAG_*` of `xen/include/public/vm_event.h` (RELEASE-4.17.7), the `flags` word of requests and
/// responses. Values are literals here, and the tests compare each with the imported C macro, so a header
/// change fails a test instead of silently changing what Warden tells Xen. Unknown bits are kept as they are.
public struct VMEventFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The vCPU is paused for this event; a response carrying it unpauses the vCPU.
    public static let vcpuPaused = VMEventFlags(rawValue: 1 << 0)
    /// Set by Xen when the event was raised from another domain's context.
    public static let foreign = VMEventFlags(rawValue: 1 << 1)
    /// Emulate the faulting instruction (mem_access responses).
    public static let emulate = VMEventFlags(rawValue: 1 << 2)
    /// With `emulate`: emulate but discard the instruction's writes.
    public static let emulateNoWrite = VMEventFlags(rawValue: 1 << 3)
    /// Flip the vCPU's single-step (MTF) state.
    public static let toggleSinglestep = VMEventFlags(rawValue: 1 << 4)
    /// With `emulate`: emulated reads return `data.emul.read`.
    public static let setEmulReadData = VMEventFlags(rawValue: 1 << 5)
    /// Deny a reported control-register or MSR write.
    public static let deny = VMEventFlags(rawValue: 1 << 6)
    /// Request: `altp2mIndex` is the vCPU's view. Response: switch this vCPU to `altp2mIndex`.
    public static let alternateP2M = VMEventFlags(rawValue: 1 << 7)
    /// Load rax–r15, rflags and rip from the response's registers.
    public static let setRegisters = VMEventFlags(rawValue: 1 << 8)
    /// With `emulate` on a software breakpoint: use `data.emul.insn`.
    public static let setEmulInsnData = VMEventFlags(rawValue: 1 << 9)
    /// Report the next interrupt injected into the vCPU.
    public static let getNextInterrupt = VMEventFlags(rawValue: 1 << 10)
    /// Step one instruction, then switch to `u.fast_singlestep.p2midx` without an event.
    public static let fastSinglestep = VMEventFlags(rawValue: 1 << 11)
    /// The event comes from a nested guest; `npt_base` is meaningful.
    public static let nestedP2M = VMEventFlags(rawValue: 1 << 12)
    /// Reset the vmtrace buffer position.
    public static let resetVMTrace = VMEventFlags(rawValue: 1 << 13)
    /// Reset a VM fork's vCPU state.
    public static let resetForkState = VMEventFlags(rawValue: 1 << 14)
    /// Reset a VM fork's memory.
    public static let resetForkMemory = VMEventFlags(rawValue: 1 << 15)
}
