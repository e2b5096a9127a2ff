import WardenCore
import XenRing

// Putting requests on the ring: xen/common/monitor.c `monitor_traps`, xen/common/vm_event.c
// `vm_event_claim_slot` / `vm_event_put_request` / `vm_event_wake*`, and the MTF exit of
// xen/arch/x86/hvm/vmx/vmx.c → xen/arch/x86/hvm/monitor.c `hvm_monitor_debug` (RELEASE-4.17.7).

enum TrapResult: Equatable {
    case delivered
    /// The ring was full: the vCPU sleeps in the ring's wait queue until a slot frees.
    case waiting
    /// No ring: `vm_event_claim_slot` → EOPNOTSUPP, and `monitor_traps` lets the vCPU continue.
    case noRing
}

extension DomainState {
    /// `monitor_traps` for a guest vCPU: claim a slot (sleeping if none), pause the vCPU for a sync
    /// event, stamp the view and registers, and put the request.
    mutating func monitorTraps(_ request: VMEventRequest, from vcpu: Int) -> TrapResult {
        guard ring != nil else { return .noRing }
        return deliver(request, from: vcpu) ? .delivered : .waiting
    }

    /// Claims a slot and puts `request`; false (the request kept as awaited) while the ring is full.
    mutating func deliver(_ request: VMEventRequest, from vcpu: Int) -> Bool {
        guard let ring, ring.available > 0 else {
            vcpus[vcpu].awaitingSlot = request
            return false
        }
        vcpus[vcpu].awaitingSlot = nil
        var stamped = request
        stamped.version = configuration.vmEventInterfaceVersion
        stamped.vcpuID = UInt32(vcpu)
        if altp2mActive, let view = vcpus[vcpu].view {
            stamped.flags.insert(.alternateP2M)
            stamped.altp2mIndex = UInt16(view)
        }
        // `vm_event_fill_regs`; no vmtrace buffer, so vmtrace_pos is ~0.
        stamped.registers = vcpus[vcpu].registers
        stamped.registers.vmtracePos = ~0
        guard ring.front.put(stamped) else {
            vcpus[vcpu].awaitingSlot = request
            return false
        }
        if stamped.flags.contains(.vcpuPaused) { vcpus[vcpu].vmEventPauseCount += 1 }
        wakeRingWaiters()
        // "Give this vCPU a black eye": a vCPU not paused for the event is paused while fewer slots are
        // free than the domain has vCPUs.
        if ring.available < vcpus.count, vcpus[vcpu].vmEventPauseCount == 0, !vcpus[vcpu].blockedForRing {
            vcpus[vcpu].blockedForRing = true
            ring.blocked += 1
        }
        eventChannel.notify()
        return true
    }

    /// `vm_event_wake`: vCPUs queued for a slot take precedence (they retry `vm_event_grab_slot` on their
    /// next turn); only when none is queued are blocked vCPUs unpaused, round-robin from the one after
    /// the last woken, one per free slot (`vm_event_wake_blocked`).
    mutating func wakeRingWaiters() {
        guard let ring, !vcpus.contains(where: { $0.awaitingSlot != nil }) else { return }
        var available = ring.available
        guard available > 0, ring.blocked > 0 else { return }
        for step in 1...vcpus.count {
            guard ring.blocked > 0, available > 0 else { break }
            let vcpu = (ring.lastVCPUWokenUp + step) % vcpus.count
            guard vcpus[vcpu].blockedForRing else { continue }
            vcpus[vcpu].blockedForRing = false
            available -= 1
            ring.blocked -= 1
            ring.lastVCPUWokenUp = vcpu
        }
    }

    /// The MTF exit after an instruction the guest executed with single-step armed: with singlestep
    /// monitoring off nothing is reported (the vCPU keeps stepping); fast singlestep switches to its view
    /// and stops stepping without an event; otherwise a sync SINGLESTEP event with the gfn of RIP.
    mutating func monitorTrapFlagExit(_ vcpu: Int) {
        guard vcpus[vcpu].singleStep, singlestepMonitoring else { return }
        if let target = vcpus[vcpu].fastSinglestepView {
            switchVCPU(vcpu, to: target)
            vcpus[vcpu].singleStep = false
            vcpus[vcpu].fastSinglestepView = nil
            return
        }
        let request = VMEventRequest(
            flags: [.vcpuPaused], reason: .singlestep, vcpuID: UInt32(vcpu), payload: .singlestep(gfn: gfnOfRIP(vcpu)))
        _ = monitorTraps(request, from: vcpu)
    }

    /// `gfn_of_rip`: RIP through the guest's page tables; `INVALID_GFN` (~0) when it does not translate.
    func gfnOfRIP(_ vcpu: Int) -> UInt64 {
        (try? addressSpace(of: vcpu).translate(vcpus[vcpu].registers.rip).gfn) ?? ~0
    }
}
