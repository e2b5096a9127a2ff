import WardenCore

/// One vCPU as the model sees it, for tests and the demo.
public struct VCPUStatus: Sendable, Equatable {
    public var registers: VCPURegisters
    /// The altp2m view it runs on; nil while altp2m is off (host p2m).
    public var view: UInt16?
    public var vmEventPauseCount: Int
    /// Paused by Xen after an async event left fewer free slots than vCPUs.
    public var blockedForRingSpace: Bool
    /// Sleeping in the ring's wait queue with an unsent request.
    public var waitingForRingSlot: Bool
    /// MTF single-step armed (`v->arch.hvm.single_step`).
    public var singleStep: Bool
    public var fastSinglestepView: UInt16?
    /// Emulation a reply asked for, applied at the next entry.
    public var emulationPending: Bool
    public var pendingInstruction: GuestInstruction?
    public var queuedInstructions: Int
    public var retired: [RetiredInstruction]
    /// Nothing keeps it from entering the guest.
    public var isRunnable: Bool
}

/// The domain-wide state that setup and teardown change, compared whole to check a teardown left
/// nothing behind.
public struct DomainSnapshot: Sendable, Equatable {
    public var altp2mActive: Bool
    public var views: [UInt16]
    public var hiddenViews: [UInt16]
    public var vcpuViews: [UInt16?]
    public var controllerPauseCount: Int
    public var vmEventPauseCounts: [Int]
    public var singleSteps: [Bool]
    public var blockedForRingSpace: [Bool]
    public var waitingForRingSlot: [Bool]
    public var ringPresent: Bool
    public var ringMappings: Int
    public var eventChannelBound: Bool
    public var singlestepMonitoring: Bool
    public var emulUnimplementedMonitoring: Bool
    public var crashed: Bool
}

extension DomainState {
    func status(of vcpu: Int) -> VCPUStatus {
        let state = vcpus[vcpu]
        return VCPUStatus(
            registers: state.snapshot(vcpu: vcpu), view: state.view.map { UInt16($0) },
            vmEventPauseCount: state.vmEventPauseCount, blockedForRingSpace: state.blockedForRing,
            waitingForRingSlot: state.awaitingSlot != nil, singleStep: state.singleStep,
            fastSinglestepView: state.fastSinglestepView, emulationPending: !state.emulateFlags.isEmpty,
            pendingInstruction: state.pending?.instruction, queuedInstructions: state.queue.count,
            retired: state.retired, isRunnable: isRunnable(vcpu))
    }

    var snapshot: DomainSnapshot {
        let present = views.indices.filter { views[$0] != nil }
        return DomainSnapshot(
            altp2mActive: altp2mActive, views: present.map { UInt16($0) },
            hiddenViews: present.filter { views[$0]?.visible == false }.map { UInt16($0) },
            vcpuViews: vcpus.map { $0.view.map { UInt16($0) } }, controllerPauseCount: controllerPauseCount,
            vmEventPauseCounts: vcpus.map(\.vmEventPauseCount), singleSteps: vcpus.map(\.singleStep),
            blockedForRingSpace: vcpus.map(\.blockedForRing), waitingForRingSlot: vcpus.map { $0.awaitingSlot != nil },
            ringPresent: ring != nil, ringMappings: ringMappings.count, eventChannelBound: eventChannel.bound,
            singlestepMonitoring: singlestepMonitoring, emulUnimplementedMonitoring: emulUnimplementedMonitoring,
            crashed: crashed)
    }

    /// Where instruction `sequence` of `vcpu` stands right now.
    func outcome(of sequence: Int, on vcpu: Int) -> WriteOutcome {
        let state = vcpus[vcpu]
        if let retired = state.retired.last(where: { $0.sequence == sequence }) {
            return .completed(retired.retirement)
        }
        if crashed { return .domainCrashed }
        if let oldest = state.retired.first?.sequence, sequence < oldest { return .retiredOutOfHistory }
        guard state.pending?.sequence == sequence else { return .queued }
        if state.awaitingSlot != nil { return .waitingForRingSlot }
        if state.blockedForRing { return .blockedForRingSpace }
        if state.vmEventPauseCount > 0, let gfn = state.lastEventGFN { return .pendingEvent(gfn: gfn) }
        return .queued
    }

    /// Runs a newly queued instruction at once if nothing is ahead of it and the vCPU can run.
    mutating func runIfFirst(_ sequence: Int, on vcpu: Int) -> WriteOutcome {
        let state = vcpus[vcpu]
        if state.pending == nil, state.awaitingSlot == nil, state.queue.first?.sequence == sequence {
            _ = run(vcpu)
        }
        return outcome(of: sequence, on: vcpu)
    }
}
