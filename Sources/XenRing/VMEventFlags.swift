/// `VM_EVENT_FLAG_*` of `xen/include/public/vm_event.h` (RELEASE-4.17.7), the `flags` word of requests and
/// responses. Values are literals here, and the tests compare each with the imported C macro, so a header
/// change fails a test instead of silently changing what Warden tells Xen. Unknown bits are kept as they are.
public struct VMEventFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    // Inlinable computed constants rather than `static let`s: a global constant is reached through
    // a lazy-initialisation accessor call from other modules, on the event loop's per-request path.
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The vCPU is paused for this event; a response carrying it unpauses the vCPU.
    @inlinable public static var vcpuPaused: VMEventFlags { VMEventFlags(rawValue: 1 << 0) }
    /// Set by Xen when the event was raised from another domain's context.
    @inlinable public static var foreign: VMEventFlags { VMEventFlags(rawValue: 1 << 1) }
    /// Emulate the faulting instruction (mem_access responses).
    @inlinable public static var emulate: VMEventFlags { VMEventFlags(rawValue: 1 << 2) }
    /// With `emulate`: emulate but discard the instruction's writes.
    @inlinable public static var emulateNoWrite: VMEventFlags { VMEventFlags(rawValue: 1 << 3) }
    /// Flip the vCPU's single-step (MTF) state.
    @inlinable public static var toggleSinglestep: VMEventFlags { VMEventFlags(rawValue: 1 << 4) }
    /// With `emulate`: emulated reads return `data.emul.read`.
    @inlinable public static var setEmulReadData: VMEventFlags { VMEventFlags(rawValue: 1 << 5) }
    /// Deny a reported control-register or MSR write.
    @inlinable public static var deny: VMEventFlags { VMEventFlags(rawValue: 1 << 6) }
    /// Request: `altp2mIndex` is the vCPU's view. Response: switch this vCPU to `altp2mIndex`.
    @inlinable public static var alternateP2M: VMEventFlags { VMEventFlags(rawValue: 1 << 7) }
    /// Load rax–r15, rflags and rip from the response's registers.
    @inlinable public static var setRegisters: VMEventFlags { VMEventFlags(rawValue: 1 << 8) }
    /// With `emulate` on a software breakpoint: use `data.emul.insn`.
    @inlinable public static var setEmulInsnData: VMEventFlags { VMEventFlags(rawValue: 1 << 9) }
    /// Report the next interrupt injected into the vCPU.
    @inlinable public static var getNextInterrupt: VMEventFlags { VMEventFlags(rawValue: 1 << 10) }
    /// Step one instruction, then switch to `u.fast_singlestep.p2midx` without an event.
    @inlinable public static var fastSinglestep: VMEventFlags { VMEventFlags(rawValue: 1 << 11) }
    /// The event comes from a nested guest; `npt_base` is meaningful.
    @inlinable public static var nestedP2M: VMEventFlags { VMEventFlags(rawValue: 1 << 12) }
    /// Reset the vmtrace buffer position.
    @inlinable public static var resetVMTrace: VMEventFlags { VMEventFlags(rawValue: 1 << 13) }
    /// Reset a VM fork's vCPU state.
    @inlinable public static var resetForkState: VMEventFlags { VMEventFlags(rawValue: 1 << 14) }
    /// Reset a VM fork's memory.
    @inlinable public static var resetForkMemory: VMEventFlags { VMEventFlags(rawValue: 1 << 15) }
}
