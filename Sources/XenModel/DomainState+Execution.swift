import WardenCore
import XenRing

// The guest side: vCPUs executing scripted instructions through their own page tables and their current
// view, the way a VT-x guest runs under Xen 4.17 — stopping at EPT violations
// (xen/arch/x86/hvm/hvm.c `hvm_hap_nested_page_fault`) and at MTF exits (xen/arch/x86/hvm/vmx/vmx.c).

extension DomainState {
    /// Adds an instruction to a vCPU's script; returns its sequence number.
    mutating func enqueue(_ instruction: GuestInstruction, on vcpu: Int) -> Int {
        let sequence = vcpus[vcpu].nextSequence
        vcpus[vcpu].nextSequence += 1
        vcpus[vcpu].queue.append(.init(sequence: sequence, instruction: instruction))
        return sequence
    }

    /// One round: every vCPU, in id order, gets one turn. Returns how many did something.
    mutating func step() -> Int {
        vcpus.indices.reduce(0) { count, vcpu in run(vcpu) ? count + 1 : count }
    }

    /// One turn of one vCPU: finish a slot wait, or apply resume work and run the instruction at RIP.
    mutating func run(_ vcpu: Int) -> Bool {
        guard isRunnable(vcpu) else { return false }
        if let request = vcpus[vcpu].awaitingSlot {
            // The vCPU sleeps in `vm_event_wait_slot` and retries `vm_event_grab_slot` when woken.
            return deliver(request, from: vcpu)
        }
        let resumed = resumeWork(vcpu)
        if resumed == .emulated { return true }
        guard let item = vcpus[vcpu].pending ?? dequeue(vcpu) else { return resumed != .nothing }
        vcpus[vcpu].pending = item
        execute(item, on: vcpu)
        return true
    }

    private mutating func dequeue(_ vcpu: Int) -> VCPUState.Sequenced? {
        vcpus[vcpu].queue.isEmpty ? nil : vcpus[vcpu].queue.removeFirst()
    }

    /// Runs the pending instruction once: instruction fetch, then each page the write touches, then the
    /// stores. Any stop (event, slot wait, crash) leaves it pending.
    private mutating func execute(_ item: VCPUState.Sequenced, on vcpu: Int) {
        let instruction = item.instruction
        // The vCPU is at the instruction: a request reports this RIP.
        vcpus[vcpu].registers.rip = instruction.rip
        let space = addressSpace(of: vcpu)
        var stores: [(physical: UInt64, bytes: ArraySlice<UInt8>)] = []
        switch access(instruction.rip, kind: .execute, through: space, on: vcpu) {
        case .allowed: break
        case .stopped: return
        case .guestFault(let fault):
            return finish(vcpu, .guestPageFault(fault))
        case .unbacked(let gfn):
            return finish(vcpu, .unbacked(gfn: gfn))
        }
        if let write = instruction.write {
            for chunk in pageChunks(of: write) {
                switch access(chunk.virtual, kind: .write, through: space, on: vcpu) {
                case .allowed(let physical): stores.append((physical, chunk.bytes))
                case .stopped: return
                case .guestFault(let fault): return finish(vcpu, .guestPageFault(fault))
                case .unbacked(let gfn):
                    // Emulated MMIO with no device behind it: the store goes nowhere, the instruction
                    // completes (hvm.c `hvm_hap_nested_page_fault` → `handle_mmio_with_translation`).
                    vcpus[vcpu].registers.rip = instruction.rip &+ instruction.length
                    return finish(vcpu, .unbacked(gfn: gfn))
                }
            }
        }
        for store in stores {
            // Every page was checked as RAM above; a failure here would be the memory's own.
            do { try memory.write(physical: store.physical, bytes: Array(store.bytes)) } catch {
                return finish(vcpu, .unbacked(gfn: store.physical >> 12))
            }
        }
        vcpus[vcpu].registers.rip = instruction.rip &+ instruction.length
        finish(vcpu, .executed)
        monitorTrapFlagExit(vcpu)
    }

    mutating func finish(_ vcpu: Int, _ retirement: Retirement) {
        guard let item = vcpus[vcpu].pending else { return }
        vcpus[vcpu].pending = nil
        vcpus[vcpu].retire(item, retirement, keeping: configuration.retiredHistory)
    }

    func addressSpace(of vcpu: Int) -> AddressSpace {
        let registers = vcpus[vcpu].registers
        return AddressSpace(memory: memory, cr3: registers.cr3, fiveLevel: registers.cr4 & (1 << 12) != 0)
    }

    /// The write split at 4 KiB page boundaries of the guest-virtual range (wrapping addresses fault as
    /// non-canonical in the walk).
    private func pageChunks(of write: GuestWrite) -> [(virtual: UInt64, bytes: ArraySlice<UInt8>)] {
        var chunks: [(UInt64, ArraySlice<UInt8>)] = []
        var offset = 0
        while offset < write.bytes.count {
            let virtual = write.virtual &+ UInt64(offset)
            let room = 4096 - Int(virtual & 0xFFF)
            let end = min(write.bytes.count, offset + room)
            chunks.append((virtual, write.bytes[offset..<end]))
            offset = end
        }
        return chunks
    }

    /// The guest-physical address of `virtual` for this access, or why the access stops: the guest walk
    /// (#PF, including a read-only PTE under CR0.WP), then the EPT check of the frame.
    private mutating func access(
        _ virtual: UInt64, kind: AccessKind, through space: AddressSpace, on vcpu: Int
    ) -> AccessResult {
        let translation: Translation
        do { translation = try space.translate(virtual) } catch { return .guestFault(.translation(error)) }
        let writeProtect = vcpus[vcpu].registers.cr0 & (1 << 16) != 0
        if kind == .write, !translation.writable, writeProtect {
            return .guestFault(.writeProtected(virtual: virtual))
        }
        return eptCheck(gpa: translation.physical, gla: virtual, kind: kind, on: vcpu)
    }
}

/// Where one access of an instruction stands.
enum AccessResult {
    case allowed(physical: UInt64)
    /// The vCPU stopped (event sent, waiting for a slot, domain crashed); the instruction stays pending.
    case stopped
    case guestFault(GuestFault)
    case unbacked(gfn: UInt64)
}
