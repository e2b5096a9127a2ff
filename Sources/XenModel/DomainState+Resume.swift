import CXen
import WardenCore
import XenRing

// Responses: xen/common/vm_event.c `vm_event_resume` with xen/arch/x86/vm_event.c (emulate check,
// singlestep toggle, registers) and xen/arch/x86/mm/mem_access.c `p2m_mem_access_emulate_check`; then, when
// the vCPU next enters the guest, xen/arch/x86/hvm/vm_event.c `hvm_vm_event_do_resume` (RELEASE-4.17.7).

/// What `resumeWork` did before the vCPU ran.
enum ResumeWork: Equatable {
    case nothing, registersLoaded, emulated
}

extension DomainState {
    /// `vm_event_resume`: consumes every response on the ring. No ring → ENODEV. Responses are read as raw
    /// C structs, exactly the bytes Xen would read, and nothing in them is trusted.
    mutating func processResponses() throws(XenErrno) -> Int {
        guard let ring else { throw .enodev }
        var raw = vm_event_response_t()
        var consumed = 0
        while ring.front.nextRawResponse(into: &raw) {
            consumed += 1
            // `vm_event_get_response` kicks waiters for every response it takes.
            wakeRingWaiters()
            apply(raw)
        }
        return consumed
    }

    private mutating func apply(_ response: vm_event_response_t) {
        // A version mismatch drops the response: the vCPU stays paused.
        guard response.version == configuration.vmEventInterfaceVersion else { return }
        // `domain_vcpu` rejects ids beyond the domain's vCPUs.
        guard let vcpu = Int(exactly: response.vcpu_id), vcpus.indices.contains(vcpu) else { return }
        // Every flag below acts only while the vCPU is paused for vm_event.
        guard vcpus[vcpu].vmEventPauseCount > 0 else { return }
        let flags = VMEventFlags(rawValue: response.flags)
        emulateCheck(response, flags: flags, vcpu: vcpu)
        // `vm_event_register_write_resume`: DENY cancels a deferred CR/MSR write; the model raises no
        // CR or MSR events, so there is never one to cancel.
        if flags.contains(.toggleSinglestep) {
            if configuration.hasMonitorTrapFlag { vcpus[vcpu].singleStep.toggle() }
        } else if flags.contains(.fastSinglestep) {
            let target = response.u.fast_singlestep.p2midx
            if configuration.hasMonitorTrapFlag, Int(target) < maxAltP2M {
                vcpus[vcpu].singleStep = true
                vcpus[vcpu].fastSinglestepView = target
            }
        }
        if flags.contains(.alternateP2M) { switchVCPU(vcpu, to: response.altp2m_idx) }
        if flags.contains(.setRegisters) { vcpus[vcpu].pendingRegisters = X86Registers(generalPurpose: response) }
        if flags.contains(.getNextInterrupt) { vcpus[vcpu].nextInterruptMonitored = true }
        // `vm_event_vcpu_unpause`, which refuses to go below zero.
        if flags.contains(.vcpuPaused) { vcpus[vcpu].vmEventPauseCount -= 1 }
    }

    /// `vm_event_emulate_check`: without EMULATE the pending emulation is cancelled. For MEM_ACCESS Xen
    /// emulates only if the reply's `u.mem_access` gfn/flags still conflict with the vCPU's current p2m
    /// (`p2m_mem_access_emulate_check`; a gfn that p2m has no entry for counts as a conflict) — so a reply
    /// that does not echo the request's gfn and flags usually skips emulation and the access re-faults.
    private mutating func emulateCheck(_ response: vm_event_response_t, flags: VMEventFlags, vcpu: Int) {
        guard flags.contains(.emulate) else {
            vcpus[vcpu].emulateFlags = []
            return
        }
        switch VMEventReason(rawValue: response.reason) {
        case .memAccess:
            let echoed = response.u.mem_access
            let view = altp2mActive ? vcpus[vcpu].view : nil
            let conflict = entry(for: echoed.gfn, in: view)?.access.emulationConflicts(with: echoed.flags) ?? true
            if conflict { vcpus[vcpu].emulateFlags = flags }
        case .softwareBreakpoint:
            if flags.contains(.setEmulInsnData) { vcpus[vcpu].emulateFlags = flags }
        case .descriptorAccess:
            vcpus[vcpu].emulateFlags = flags
        default:
            break
        }
    }

    /// `hvm_vm_event_do_resume` at the vCPU's next entry: load SET_REGISTERS values (an instruction left
    /// behind by the new RIP is abandoned), then emulate the pending instruction if a reply asked for it.
    mutating func resumeWork(_ vcpu: Int) -> ResumeWork {
        var work = ResumeWork.nothing
        if let loaded = vcpus[vcpu].pendingRegisters {
            vcpus[vcpu].pendingRegisters = nil
            vcpus[vcpu].registers.loadGeneralPurpose(from: loaded)
            if let pending = vcpus[vcpu].pending, pending.instruction.rip != loaded.rip {
                finish(vcpu, .abandoned)
            }
            work = .registersLoaded
        }
        let flags = vcpus[vcpu].emulateFlags
        guard !flags.isEmpty else { return work }
        vcpus[vcpu].emulateFlags = []
        // The emulator decodes the bytes at RIP; the model knows only the instruction that faulted there.
        guard let item = vcpus[vcpu].pending else { return work }
        // Kind as `hvm_vm_event_do_resume` picks it: SET_EMUL_READ_DATA, then EMULATE_NOWRITE, then
        // SET_EMUL_INSN_DATA, else normal. Only NOWRITE discards the writes.
        let discardWrites = !flags.contains(.setEmulReadData) && flags.contains(.emulateNoWrite)
        emulate(item.instruction, on: vcpu, discardingWrites: discardWrites)
        return .emulated
    }

    /// Xen's emulator runs the instruction: writes go through the guest's page tables to memory without
    /// any view check (emulate.c `hvmemul_write` → `hvm_copy_to_guest_linear`), or are discarded with
    /// NOWRITE (`hvmemul_write_discard`); RIP advances. An instruction the emulator does not implement
    /// (with or without NOWRITE: both run `x86_emulate`) goes to `emulationUnimplemented`.
    private mutating func emulate(_ instruction: GuestInstruction, on vcpu: Int, discardingWrites: Bool) {
        guard instruction.emulatable else { return emulationUnimplemented(on: vcpu) }
        if !discardingWrites, let write = instruction.write {
            let space = addressSpace(of: vcpu)
            var stores: [(physical: UInt64, bytes: [UInt8])] = []
            var offset = 0
            while offset < write.bytes.count {
                let virtual = write.virtual &+ UInt64(offset)
                let end = min(write.bytes.count, offset + 4096 - Int(virtual & 0xFFF))
                do { stores.append((try space.translate(virtual).physical, Array(write.bytes[offset..<end]))) } catch {
                    return finish(vcpu, .guestPageFault(.translation(error)))
                }
                offset = end
            }
            for store in stores {
                do { try memory.write(physical: store.physical, bytes: store.bytes) } catch {
                    return finish(vcpu, .unbacked(gfn: store.physical >> 12))
                }
            }
        }
        vcpus[vcpu].registers.rip = instruction.rip &+ instruction.length
        finish(vcpu, discardingWrites ? .emulatedWithoutWrites : .emulated)
    }

    /// `hvm_emulate_one_vm_event` on X86EMUL_UNIMPLEMENTED: `hvm_monitor_emul_unimplemented` (hvm/monitor.c)
    /// sends a sync EMUL_UNIMPLEMENTED request (u zeroed, registers filled) when the monitor is on and a
    /// ring takes it, and Xen returns without writeback: RIP is unchanged, so after the reply the vCPU
    /// runs the instruction itself in its current view (and re-faults if the frame is still
    /// restricted). Otherwise (monitor off, or no ring: `monitor_traps` returns 0) #UD is injected and
    /// the instruction is gone.
    private mutating func emulationUnimplemented(on vcpu: Int) {
        if emulUnimplementedMonitoring {
            let request = VMEventRequest(flags: [.vcpuPaused], reason: .emulUnimplemented, vcpuID: UInt32(vcpu))
            // A full ring parks the vCPU in `vm_event_wait_slot` with the request; it is still sent.
            if monitorTraps(request, from: vcpu) != .noRing { return }
        }
        finish(vcpu, .invalidOpcodeInjected)
    }
}
