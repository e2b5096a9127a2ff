import Alerts
import CXen
import Enforcement
import FuzzSupport
import Hypervisor
import RingScript
import WardenCore
import XenRing

// vm_event requests decoded and decided by the controller: whole 400-byte `vm_event_request_t`
// slots put on a real ring page from Xen's side (`ScriptedXen`), served by a set-up
// `ProtectionSession` on either allow path, every alert rendered. The guest steers a request's
// gfn, offset, addresses and registers; a buggy or mismatched Xen the rest.
//
// Input: one byte (bit 0: emulate or singlestep path; bits 1-2: vCPUs - 1), then batches: a byte
// (requests - 1, at most 8, the ring's slots) and that many raw requests.

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: ArgumentCount, _ argv: ArgumentVector) -> Int32 {
    SeedCorpus.writeIfAsked(VMEventSeeds.all)
    _ = Protected.engine
    return 0
}

let requestSize = MemoryLayout<vm_event_request_t>.size

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(Array(inputBytes(data, size)))
    let mode = input.byte()
    let vcpus = Int(mode >> 1) % 4 + 1
    let xen: ScriptedXen
    do { xen = try ScriptedXen(memory: Protected.memory, vcpus: vcpus) } catch { fatalError("no scripted ring: \(error)") }
    let session = ProtectionSession(
        hypervisor: xen, engine: Protected.engine, domain: AlertDomain(id: 1, name: "fuzz"),
        allowPath: mode & 1 == 0 ? .singlestep : .emulate,
        report: { alert in
            _ = JSONAlertRenderer.line(alert)
            _ = TextAlertRenderer.line(alert)
        })
    do { try session.setUp() } catch { fatalError("set-up over ScriptedXen failed: \(error)") }
    while input.remaining > 0 {
        let batch = Int(input.byte() % 8) + 1
        var put = 0
        for _ in 0..<batch where input.remaining > 0 {
            var raw = vm_event_request_t()
            let bytes = input.take(requestSize)
            withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes) }
            guard xen.putRaw(raw) else { break }
            put += 1
        }
        _ = session.serveRing()
        // Xen frees a slot only by consuming a reply: every request must be answered at once.
        let answered = xen.collectResponses().count
        precondition(answered == put, "\(put) requests got \(answered) replies")
    }
    _ = session.tearDown()
    precondition(xen.freeRequestSlots == 8, "teardown left requests unanswered")
    return 0
}

/// The tiny guest's plan: the shipped syscall-table policy plus a target for each action, kernel
/// text with trusted writers, and an execute trap.
enum Protected {
    static let guest: TinyGuest = {
        do { return try TinyGuest() } catch { fatalError("the tiny guest cannot be built: \(error)") }
    }()
    static let memory = guest.guest.memory
    static let policy = """
        warden-policy: 1
        name: fuzz-actions
        targets:
          - symbol: modprobe_path
            action: alert
          - symbol: core_pattern
            action: log
          - symbol: init_cred
            action: allow
          - symbol: idt_table
            access: [write, execute]
          - range: _stext.._etext
            action: alert
            writers: [text_poke_bp_batch, __text_poke]
        """
    static let engine: DecisionEngine = {
        do {
            let kernel = try GuestKernel.read(memory: memory, registers: guest.guest.registers)
            let shipped = try Policy.load(path: Repository.root.appendingPathComponent("policies/linux-syscall-tables.yaml").path)
            let set = try PolicySet(policies: [shipped, try Policy.parse(yaml: policy, file: "fuzz-actions.yaml")])
            let plan = try kernel.plan(set.targets, in: memory)
            return DecisionEngine(frames: ProtectedFrames(plan: plan), symbols: kernel.symbols)
        } catch {
            fatalError("the fuzz plan cannot be made: \(error)")
        }
    }()

    static func address(_ name: String) -> UInt64 { guest.symbols.first { $0.name == name }!.address }
    /// The tiny guest maps `_text` + x to guest-physical x.
    static func gfn(_ name: String) -> UInt64 { (address(name) - guest.textBase) >> 12 }
}

/// Requests as Xen 4.17 stamps them (`VMEventRequest.raw`), for each path through the controller.
enum VMEventSeeds {
    static func write(_ name: String, plus offset: UInt64 = 8, vcpu: UInt32 = 0, rip: UInt64, execute: Bool = false) -> VMEventRequest {
        var registers = X86Registers()
        registers.rip = rip
        let flags: MemAccessFlags = [execute ? .execute : .write, .glaValid, .faultWithGLA]
        let event = MemAccessEvent(gfn: Protected.gfn(name), offset: (Protected.address(name) + offset) & 0xFFF,
                                   gla: Protected.address(name) + offset, flags: flags)
        return VMEventRequest(flags: [.vcpuPaused, .alternateP2M], reason: .memAccess, vcpuID: vcpu, altp2mIndex: 1,
                              payload: .memAccess(event), registers: registers)
    }

    static func all() throws -> [(name: String, bytes: [UInt8])] {
        let rootkit = Protected.address("tiny_function_7")
        let poke = Protected.address("text_poke_bp_batch") + 4
        let step = VMEventRequest(flags: [.vcpuPaused], reason: .singlestep, vcpuID: 0, payload: .singlestep(gfn: Protected.gfn("_stext")))
        let unemulatable = VMEventRequest(flags: [.vcpuPaused, .alternateP2M], reason: .emulUnimplemented, vcpuID: 0, altp2mIndex: 1)
        var otherVersion = write("sys_call_table", rip: rootkit)
        otherVersion.version = 6
        let scenarios: [(String, UInt8, [[VMEventRequest]])] = [
            ("deny-syscall-table", 0b111, [[0, 1, 2, 3].map { write("sys_call_table", plus: 8 * UInt64($0), vcpu: $0, rip: rootkit) }]),
            ("alert-then-step", 0, [[write("modprobe_path", rip: rootkit)], [step]]),
            ("log-emulated", 1, [[write("core_pattern", rip: rootkit)], [write("core_pattern", plus: 16, rip: rootkit)]]),
            ("trusted-writer", 0, [[write("_stext", plus: 0x40, rip: poke)], [step]]),
            ("execute-idt", 1, [[write("idt_table", rip: rootkit, execute: true)]]),
            ("unemulatable", 1, [[write("modprobe_path", rip: rootkit)], [unemulatable]]),
            ("other-version", 0, [[otherVersion]]),
        ]
        return scenarios.map { name, mode, batches in
            var bytes = [mode]
            for batch in batches {
                bytes.append(UInt8(batch.count - 1))
                for request in batch { bytes += withUnsafeBytes(of: request.raw) { Array($0) } }
            }
            return (name, bytes)
        }
    }
}
