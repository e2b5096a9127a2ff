import CXen
import XenRing

extension X86Registers {
    /// The registers SET_REGISTERS loads from a reply — rax–r15, rflags and rip, nothing else
    /// (xen/arch/x86/hvm/vm_event.c `hvm_vm_event_set_registers`) — read from the reply's raw bytes.
    init(generalPurpose response: vm_event_response_t) {
        let regs = response.data.regs.x86
        self.init()
        rax = regs.rax
        rcx = regs.rcx
        rdx = regs.rdx
        rbx = regs.rbx
        rsp = regs.rsp
        rbp = regs.rbp
        rsi = regs.rsi
        rdi = regs.rdi
        r8 = regs.r8
        r9 = regs.r9
        r10 = regs.r10
        r11 = regs.r11
        r12 = regs.r12
        r13 = regs.r13
        r14 = regs.r14
        r15 = regs.r15
        rflags = regs.rflags
        rip = regs.rip
    }

    /// Copies rax–r15, rflags and rip from `other`, leaving control registers and the rest alone.
    mutating func loadGeneralPurpose(from other: X86Registers) {
        rax = other.rax
        rcx = other.rcx
        rdx = other.rdx
        rbx = other.rbx
        rsp = other.rsp
        rbp = other.rbp
        rsi = other.rsi
        rdi = other.rdi
        r8 = other.r8
        r9 = other.r9
        r10 = other.r10
        r11 = other.r11
        r12 = other.r12
        r13 = other.r13
        r14 = other.r14
        r15 = other.r15
        rflags = other.rflags
        rip = other.rip
    }
}
