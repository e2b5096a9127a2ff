import WardenCore

/// Why the demo cannot script its guest.
struct DemoCastError: Error, CustomStringConvertible {
    let description: String
}

/// Who does what in the demo's script, as guest-virtual addresses from the guest's own symbols: the
/// rootkit's code and hook, the kernel's text patcher and the text it patches, sys_call_table, and
/// the code that rewrites modprobe_path.
struct DemoCast {
    /// Where the rootkit's stores to sys_call_table execute, and the handler it installs.
    var rootkitRIP: UInt64
    var hook: UInt64
    var sysCallTable: UInt64
    /// Bytes of sys_call_table compared before and after the run.
    var sysCallTableBytes: Int
    /// The kernel's patcher (a trusted writer of kernel text) and what it patches.
    var textPokeRIP: UInt64
    var patchedText: UInt64
    var modprobeWriterRIP: UInt64
    var modprobePath: UInt64

    /// The generated guest: its fixed cast of synthetic functions.
    static func synthetic(_ symbols: SymbolTable) throws -> DemoCast {
        let names = Names(symbols)
        return DemoCast(
            rootkitRIP: try names.address("synthetic_function_1", plus: 0x20), hook: try names.address("synthetic_function_7"),
            sysCallTable: try names.address("sys_call_table"), sysCallTableBytes: 451 * 8,
            textPokeRIP: try names.address("__text_poke", plus: 0x30), patchedText: try names.address("do_syscall_64", plus: 0x40),
            modprobeWriterRIP: try names.address("synthetic_function_2", plus: 0x10),
            modprobePath: try names.address("modprobe_path"))
    }

    /// A real kernel: the rootkit runs inside a credential function, the patcher is the first of the
    /// text_poke family this kernel has, the patched bytes lie in kernel text and in no other target
    /// (so the text rule alone decides), and modprobe_path is written by the sysctl string handler.
    static func realKernel(_ symbols: SymbolTable, plan: ProtectionPlan) throws -> DemoCast {
        let names = Names(symbols)
        let table = try plannedTarget("sys_call_table", in: plan)
        guard let tableAddress = table.virtualAddress else {
            throw DemoCastError(description: "the plan's sys_call_table target has no virtual address")
        }
        guard let text = plan.targets.firstIndex(where: { $0.target.extent.description == "_stext.._etext" }) else {
            throw DemoCastError(description: "the plan has no _stext.._etext target: kernel text cannot be patched in this demo")
        }
        let rootkit = try names.inside(["commit_creds", "prepare_kernel_cred"], preferred: 0x20)
        let patchedText = try ["do_syscall_64", "commit_creds", "prepare_kernel_cred", "ksys_write", "vfs_write"]
            .compactMap { names.lookup($0, preferred: 0x40) }
            .first { onlyIn(text, $0, plan) }
            .unwrapped(or: "no function in kernel text outside every other target to patch")
        return DemoCast(
            rootkitRIP: rootkit, hook: try names.address("commit_creds"),
            sysCallTable: tableAddress, sysCallTableBytes: Int(min(table.size, 1 << 16)),
            textPokeRIP: try names.inside(["__text_poke", "text_poke_memcpy", "text_poke"], preferred: 0x30),
            patchedText: patchedText,
            modprobeWriterRIP: try names.inside(["proc_dostring", "proc_dostring_coredump", "commit_creds"], preferred: 0x10),
            modprobePath: try names.address("modprobe_path"))
    }

    /// True when `address` is in target `index` and in no other target of the plan.
    private static func onlyIn(_ index: Int, _ address: UInt64, _ plan: ProtectionPlan) -> Bool {
        plan.targets.indices.allSatisfy { other in
            let target = plan.targets[other]
            // A physical range has no virtual address to compare; the demo's policy names none.
            guard let start = target.virtualAddress else { return other != index }
            let inside = address >= start && address - start < target.size
            return inside == (other == index)
        }
    }

    /// Kernel (not module) symbols by name.
    private struct Names {
        let symbols: SymbolTable
        init(_ symbols: SymbolTable) { self.symbols = symbols }

        func address(_ name: String, plus offset: UInt64 = 0) throws -> UInt64 {
            guard let symbol = symbols.symbol(named: name), symbol.module == nil else {
                throw DemoCastError(description: "the guest kernel has no symbol \(name), which the demo's script needs")
            }
            return symbol.address &+ offset
        }

        /// An address `preferred` bytes into function `name`, or its middle when the function is shorter.
        func lookup(_ name: String, preferred: UInt64) -> UInt64? {
            guard let symbol = symbols.symbol(named: name), symbol.module == nil else { return nil }
            let end = symbol.size.map { symbol.address &+ $0 } ?? symbols.nextKernelAddress(after: symbol.address)
            guard let end, end > symbol.address else { return nil }
            return symbol.address + min(preferred, (end - symbol.address) / 2)
        }

        /// Inside the first of `names` this kernel has.
        func inside(_ names: [String], preferred: UInt64) throws -> UInt64 {
            try names.lazy.compactMap { lookup($0, preferred: preferred) }.first
                .unwrapped(or: "the guest kernel has none of \(names.joined(separator: ", ")), which the demo's script needs")
        }
    }
}

extension Optional {
    fileprivate func unwrapped(or message: String) throws -> Wrapped {
        guard let self else { throw DemoCastError(description: message) }
        return self
    }
}

extension DemoCast {
    /// The planned target for `symbol`.
    fileprivate static func plannedTarget(_ symbol: String, in plan: ProtectionPlan) throws -> PlannedTarget {
        guard let target = plan.targets.first(where: { $0.target.extent.description == symbol }) else {
            throw DemoCastError(description: "the plan has no \(symbol) target")
        }
        return target
    }
}
