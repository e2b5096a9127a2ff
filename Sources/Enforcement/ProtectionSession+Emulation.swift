import Alerts
import Hypervisor
import WardenCore
import XenRing

// The emulate allow path (`AllowPath.emulate`) after the reply: when the write is known to have happened,
// and what becomes of an instruction Xen cannot emulate. Xen sources: RELEASE-4.17.7.
//
// When did the emulated write happen? Xen emulates when the vCPU next enters the guest
// (xen/arch/x86/hvm/hvm.c `hvm_do_resume` → hvm/vm_event.c `hvm_vm_event_do_resume`), which Warden
// cannot observe directly, and no event follows a successful emulation. Two facts bound it:
// - A vCPU raises events only from guest context, after that resume work, and at most one request per
//   vCPU is outstanding for a paused sync event. So ANY later event from the same vCPU proves its
//   emulation ran. This holds with any number of vCPUs, since each is settled by its own events only.
// - Every vCPU runs on the restricted view, where the frame faults writes, so the written bytes change
//   only by an emulation Warden allowed (or a write from outside the guest). At the start of each ring
//   pass, a pending write whose bytes differ from the old ones is settled with what is there now.
// A write of identical bytes waits for the vCPU's next event; at teardown a write not yet seen is
// reported without bytes, since the domain pause does not wait for Xen's pending resume work (and
// xc_monitor_disable frees it, so the vCPU then runs the instruction itself on the host view).

/// An EMULATE reply sent for one vCPU, kept until its outcome is seen.
struct Emulation {
    var request: VMEventRequest
    var event: MemAccessEvent
    var access: ProtectedAccess
    /// The deciding target and the offset into it; nil for the unprotected rest of a protected frame.
    var target: (index: Int, offset: UInt64)?
    /// An allowed access: its old bytes and the alert it owes (nil for a silent one); nil for denials.
    var allowance: ProtectionSession.PendingStep?
}

/// An instruction Xen could not emulate, refused the only way Xen 4.17 offers: #UD.
enum Refusal: Equatable {
    /// EMUL_UNIMPLEMENTED monitoring is off and the plain resume sent: the vCPU runs the instruction at
    /// `rip` itself and faults again on the restricted frame.
    case awaitingRefault(rip: UInt64)
    /// That fault got EMULATE|EMULATE_NOWRITE; with the monitor off Xen injects #UD when the vCPU resumes.
    case invalidOpcodeSent
}

extension ProtectionSession {
    /// Emulate path: Warden needs the full path for this vCPU's next request (an alert still owed, or a
    /// refusal under way), not the raw deny shortcut.
    @inline(__always)
    func needsFullPath(_ vcpu: Int) -> Bool {
        allowPath == .emulate && (refusals[vcpu] != nil || emulations[vcpu]?.allowance?.alert != nil)
    }

    /// Records an EMULATE or EMULATE|NOWRITE reply on the emulate path (the singlestep path never enables
    /// EMUL_UNIMPLEMENTED, so nothing there needs remembering).
    func recordEmulation(_ emulation: Emulation, vcpu: Int) {
        guard allowPath == .emulate else { return }
        emulations[vcpu] = emulation
    }

    /// The vCPU raised an event: whatever Warden asked Xen to emulate for it has run.
    func settleEmulation(of vcpu: Int) {
        if refusals[vcpu] == .invalidOpcodeSent {
            // The #UD was injected at that resume (`hvm_emulate_one_vm_event`).
            refusals[vcpu] = nil
            resumeEmulUnimplementedMonitoring()
        }
        guard let emulation = emulations[vcpu] else { return }
        emulations[vcpu] = nil
        if let allowance = emulation.allowance { reportEmulatedWrite(allowance, observed: true) }
    }

    /// Start of a ring pass: pending writes whose bytes changed have happened.
    func settleChangedWrites() {
        for vcpu in emulations.indices {
            guard let report = emulations[vcpu]?.allowance, report.alert != nil,
                readGuest(report.gpa, length: report.old.count) != report.old
            else { continue }
            emulations[vcpu] = nil
            reportEmulatedWrite(report, observed: true)
        }
    }

    /// Teardown, the domain paused and the ring drained: report what is owed, with bytes only when the
    /// write is seen to have happened.
    func settleEmulationsAtTeardown() {
        settleChangedWrites()
        for vcpu in emulations.indices {
            if let allowance = emulations[vcpu]?.allowance { reportEmulatedWrite(allowance, observed: false) }
            emulations[vcpu] = nil
            refusals[vcpu] = nil
        }
    }

    private func reportEmulatedWrite(_ pending: ProtectionSession.PendingStep, observed: Bool) {
        guard var alert = pending.alert else { return }
        alert.via = .emulation
        if observed { complete(&alert, pending) }
        emit(alert)
    }

    /// EMUL_UNIMPLEMENTED: Xen could not emulate the instruction Warden's EMULATE reply was for. Xen sent
    /// this instead of injecting #UD and returned without writeback (xen/arch/x86/hvm/emulate.c
    /// `hvm_emulate_one_vm_event`, hvm/monitor.c `hvm_monitor_emul_unimplemented`), so RIP still points
    /// at the instruction: after any reply the vCPU runs it itself, in the restricted view, and faults
    /// again. Answering that fault with EMULATE again would loop through this event forever, and no reply
    /// flag injects an exception or lets one instruction run natively without the Monitor Trap Flag.
    /// Where the CPU has the Monitor Trap Flag, an allowed write is single-stepped instead (as xen-access
    /// does). A denied one, and any write without MTF, is refused whatever the policy said, the way Xen
    /// refuses it when nobody listens: EMUL_UNIMPLEMENTED monitoring goes off, the re-fault gets EMULATE|EMULATE_NOWRITE, and the failed
    /// emulation injects #UD (`hvm_inject_hw_exception(TRAP_invalid_op)`). The monitor comes back at this
    /// vCPU's next event (its #UD is then delivered) once no other refusal waits.
    ///
    /// While it is off, another vCPU's EMULATE that meets an unemulatable instruction gets #UD without an
    /// event: the write still does not happen, but Warden learns of it only from unchanged bytes.
    func answerUnemulatable(_ request: VMEventRequest, _ reply: VMEventResponse) -> VMEventResponse {
        let vcpu = Int(request.vcpuID)
        guard allowPath == .emulate, let emulation = emulations[vcpu] else {
            // Not the outcome of an EMULATE Warden sent: release the vCPU, nothing else to do.
            statistics.ignored += 1
            return reply.resume()
        }
        emulations[vcpu] = nil
        if singlestepFallback, let allowance = emulation.allowance {
            // xen-access `altp2m_write_no_gpt`: this vCPU alone runs the instruction on view 0 for one MTF
            // step; its SINGLESTEP event reports the write and switches it back (`finishStep`).
            stepping[request.vcpuID] = allowance
            return reply.allowOnce(unrestrictedView: ViewID.host.index)
        }
        statistics.unemulatable += 1
        if let target = emulation.target {
            var refusal = alert(
                emulation.request, emulation.event, emulation.access, engine.frames.plan.targets[target.index],
                target.offset, .denied)
            refusal.reason = .emulationUnimplemented
            emit(refusal)
        }
        if emulUnimplementedMonitored {
            do {
                try hypervisor.setEmulUnimplementedMonitoring(false)
                emulUnimplementedMonitored = false
            } catch {
                // The re-fault would come back here: stop serving (`run` tears down) rather than loop.
                servingFailures.append(error)
            }
        }
        refusals[vcpu] = .awaitingRefault(rip: emulation.request.registers.rip)
        return reply.resume()
    }

    /// The re-fault of a refused instruction: EMULATE|EMULATE_NOWRITE, which ends in #UD while the monitor
    /// is off. Nil when this request is not that re-fault (an interrupt handler may fault first).
    func refault(_ request: VMEventRequest, _ event: MemAccessEvent, _ access: ProtectedAccess, _ reply: VMEventResponse)
        -> VMEventResponse?
    {
        let vcpu = Int(request.vcpuID)
        guard allowPath == .emulate, refusals[vcpu] == .awaitingRefault(rip: request.registers.rip), access == .write
        else { return nil }
        refusals[vcpu] = .invalidOpcodeSent
        emulations[vcpu] = Emulation(request: request, event: event, access: access, target: nil, allowance: nil)
        return reply.deny()
    }

    /// Back on once no refusal waits for its #UD.
    private func resumeEmulUnimplementedMonitoring() {
        guard !emulUnimplementedMonitored, refusals.allSatisfy({ $0 == nil }) else { return }
        do {
            try hypervisor.setEmulUnimplementedMonitoring(true)
            emulUnimplementedMonitored = true
        } catch {
            servingFailures.append(error)
        }
    }
}
