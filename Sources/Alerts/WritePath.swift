/// How a write the policy let through got past the restricted view (`via` in every rendering).
public enum WritePath: String, Sendable, Hashable, CaseIterable {
    /// Xen emulated the instruction with its real writes while the frame stayed protected for every vCPU
    /// (an EMULATE reply, xen/arch/x86/hvm/emulate.c).
    case emulation
    /// The vCPU ran the instruction itself on the unrestricted view for one Monitor-Trap-Flag step.
    case singleStep = "single-step"
}

/// Why Warden did something other than what the policy asked for (`reason` in every rendering).
public enum AlertReason: String, Sendable, Hashable, CaseIterable {
    /// Xen's instruction emulator does not implement the writing instruction (EMUL_UNIMPLEMENTED): the
    /// write was refused whatever the policy said, and the vCPU received an invalid-opcode exception
    /// (#UD), as Xen itself does when nobody monitors that event.
    case emulationUnimplemented = "emulation-unimplemented"
}
