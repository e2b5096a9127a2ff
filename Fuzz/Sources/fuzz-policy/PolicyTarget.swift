import FuzzSupport
import WardenCore

// The policy parser (YAML through Yams, then Warden's validation) and, for a policy it accepts,
// merging with the shipped policies and planning against a generated guest's kernel.

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: ArgumentCount, _ argv: ArgumentVector) -> Int32 {
    SeedCorpus.writeIfAsked(PolicySeeds.all)
    _ = PlanningGuest.kernel
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: inputBytes(data, size), as: UTF8.self)
    let policy: Policy
    do { policy = try Policy.parse(yaml: text, file: "fuzz.yaml") } catch {
        precondition(!error.diagnostics.isEmpty, "a rejected policy must say why")
        _ = error.description
        return 0
    }
    do {
        let set = try PolicySet(policies: [policy, PlanningGuest.shipped])
        let plan = try PlanningGuest.kernel.plan(set.targets, in: PlanningGuest.memory)
        _ = plan.renderText()
        _ = plan.renderJSON()
    } catch {
        _ = "\(error)"
    }
    return 0
}

/// The tiny guest's kernel, read once, and the shipped syscall-table policy merged with each input.
enum PlanningGuest {
    static let guest: TinyGuest = {
        do { return try TinyGuest() } catch { fatalError("the tiny guest cannot be built: \(error)") }
    }()
    static let memory = guest.guest.memory
    static let kernel: GuestKernel = {
        do { return try GuestKernel.read(memory: memory, registers: guest.guest.registers) } catch {
            fatalError("the tiny guest's kernel cannot be read: \(error)")
        }
    }()
    static let shipped: Policy = {
        do { return try Policy.load(path: Repository.root.appendingPathComponent("policies/linux-syscall-tables.yaml").path) } catch {
            fatalError("the shipped policy does not load: \(error)")
        }
    }()
}

/// The shipped policies, and one generated policy that uses every key and value the format has.
enum PolicySeeds {
    static func all() throws -> [(name: String, bytes: [UInt8])] {
        var seeds = try ["linux-syscall-tables", "linux-kernel-core"].map { ($0, try Repository.bytes("policies/\($0).yaml")) }
        let actions = ["deny", "alert", "allow", "log"]
        var every = "warden-policy: 1\nname: fuzz-every-key\ndescription: >-\n  Every key.\ntargets:\n"
        for (index, symbol) in ["sys_call_table", "modprobe_path", "core_pattern", "init_cred"].enumerated() {
            every += "  - symbol: \(symbol)\n    action: \(actions[index])\n"
            every += index == 2 ? "    length: 0x40\n" : ""
            every += index == 0 ? "    access: [write, execute]\n    writers: [text_poke, __text_poke]\n" : ""
        }
        every += "  - range: _stext.._etext\n    action: alert\n    writers: [text_poke_bp_batch]\n"
        every += "  - symbol: x32_sys_call_table\n    optional: true\n"
        seeds.append(("every-key", Array(every.utf8)))
        return seeds
    }
}
