import FuzzSupport
import WardenCore

// The whole guest-memory path of `warden plan --memory`: locate the kernel through arbitrary page
// tables, find and decode kallsyms in the image windows copied out of guest memory, and plan the
// shipped policies against the symbols found.

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: ArgumentCount, _ argv: ArgumentVector) -> Int32 {
    SeedCorpus.writeIfAsked { try TinyGuest.seeds().map { ($0.name, $0.guest.guest.input) } }
    _ = ShippedPolicies.targets
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let guest = FuzzGuest(input: Array(inputBytes(data, size)))
    let memory = guest.memory
    let kernel: GuestKernel
    do { kernel = try GuestKernel.read(memory: memory, registers: guest.registers) } catch {
        _ = error.description
        return 0
    }
    do {
        let plan = try kernel.plan(ShippedPolicies.targets, in: memory)
        _ = plan.renderText()
        _ = plan.renderJSON()
    } catch {
        _ = error.description
    }
    return 0
}

/// Every target of the shipped policies, loaded as `warden plan --policy` loads them.
enum ShippedPolicies {
    static let targets: [ProtectedTarget] = {
        let paths = ["linux-syscall-tables.yaml", "linux-kernel-core.yaml"].map { Repository.root.appendingPathComponent("policies/\($0)").path }
        do { return try PolicySet.load(paths: paths).targets } catch { fatalError("the shipped policies do not load: \(error)") }
    }()
}
