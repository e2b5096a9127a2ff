import Foundation
import Testing
import WardenCore

/// The policies in the repository's policies/ directory must always load.
@Suite struct PolicyShippedFilesTests {
    static let policiesDirectory = URL(filePath: #filePath)
        .deletingLastPathComponent()  // WardenCoreTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appending(path: "policies")

    static func path(_ name: String) -> String { policiesDirectory.appending(path: name).path }

    private func target(_ extent: TargetExtent, in policy: Policy) throws -> ProtectedTarget {
        try #require(policy.targets.first { $0.extent == extent }, "\(extent) missing from \(policy.name)")
    }

    @Test func syscallTablesPolicyLoads() throws {
        let policy = try Policy.load(path: Self.path("linux-syscall-tables.yaml"))
        #expect(policy.name == "linux-syscall-tables")
        let table = try target(.symbol("sys_call_table"), in: policy)
        #expect(table.action == .deny)
        #expect(table.access == [.write])
        #expect(table.optional == false)
        #expect(table.rule == "linux-syscall-tables/sys_call_table")
        for name in ["ia32_sys_call_table", "x32_sys_call_table"] {
            let compat = try target(.symbol(name), in: policy)
            #expect(compat.optional && compat.action == .deny, "\(name)")
        }
        for name in ["x64_sys_call", "ia32_sys_call", "x32_sys_call"] {
            let dispatcher = try target(.symbol(name), in: policy)
            #expect(dispatcher.optional && dispatcher.action == .alert && dispatcher.writers.isEmpty, "\(name)")
        }
    }

    @Test func kernelCorePolicyLoads() throws {
        let policy = try Policy.load(path: Self.path("linux-kernel-core.yaml"))
        #expect(policy.name == "linux-kernel-core")
        #expect(try target(.symbolWithLength("idt_table", 4096), in: policy).action == .deny)
        #expect(try target(.range(from: "__start_rodata", to: "__end_rodata"), in: policy).action == .deny)
        #expect(try target(.symbol("modprobe_path"), in: policy).action == .alert)
        #expect(try target(.symbol("security_hook_heads"), in: policy).optional)

        let text = try target(.range(from: "_stext", to: "_etext"), in: policy)
        #expect(text.action == .alert)
        let writers = Set(text.writers.map(\.function))
        #expect(writers.isSuperset(of: ["text_poke", "__text_poke", "text_poke_bp_batch", "ftrace_modify_all_code",
                                        "__jump_label_patch", "__static_call_transform", "apply_alternatives"]))
        #expect(text.writers.allSatisfy { $0.location.line > text.location.line })
    }

    @Test func kernelCorePolicyHasNoPerCPUSymbols() throws {
        let policy = try Policy.load(path: Self.path("linux-kernel-core.yaml"))
        let names = Set(policy.targets.flatMap(\.extent.symbolNames))
        #expect(names.isDisjoint(with: ["gdt_page", "cpu_tss_rw", "cpu_entry_area", "irq_stack_backing_store"]))
    }

    @Test func bothShippedPoliciesCombineAndShareTheirSyscallTargets() throws {
        let tables = Self.path("linux-syscall-tables.yaml")
        let core = Self.path("linux-kernel-core.yaml")
        let set = try PolicySet.load(paths: [tables, core])
        let coreAlone = try Policy.load(path: core)
        #expect(set.targets.count == coreAlone.targets.count)
        let table = try #require(set.targets.first { $0.extent == .symbol("sys_call_table") })
        #expect(table.rule == "linux-syscall-tables/sys_call_table")
    }
}
