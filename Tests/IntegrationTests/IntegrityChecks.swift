import Foundation
import Glibc
import Testing
import WardenCore

/// The integrity check (issue 12 §2) on real Debian kernels after boot: clean with zero
/// differences, through the built `warden check` and with the guest's own /proc/kallsyms as the
/// symbols; and a hook planted in the paused guest's RAM is named entry by entry.
enum IntegrityChecks {
    /// `warden check` exits 0 and covers every entry: sys_call_table as far as the guest's own
    /// /proc/kallsyms puts the next symbol, all 256 gates, each vCPU's IDT register.
    static func checkIsCleanAfterBoot(_ guest: RunningGuest, via path: WardenChecks.MemoryPath) async throws {
        let text = try await WardenCLIChecks.run(["check"] + WardenCLIChecks.guestArguments(path, of: guest), in: guest)
        #expect(text.hasSuffix("\nintegrity: clean (0 differences)\n"), "\(path):\n\(text)")
        let table = try GroundTruthChecks.symbol("sys_call_table", in: guest)
        let next = try #require(guest.kallsyms.nextKernelAddress(after: table.address))
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("sys_call_table: ") }, "\(text)")
        let entries = try #require(Int(line.dropFirst("sys_call_table: ".count).prefix { $0.isNumber }))
        // The entries plus the padding the line reports fill the extent up to the next symbol.
        #expect(line.hasSuffix(": clean"))
        #expect(entries > 400 && (Int(next - table.address) / 8 - entries) < 8, "\(line)")
        #expect(text.contains("\nidt_table: 256 present gates of 256; interrupt stubs every "), "\(text)")
        #expect(text.contains("\nIDTR: 2 vCPUs: clean\n"), "\(text)")
        print("integration: \(guest.configuration.name) warden check (\(path)):\n" + text)
    }

    /// The library check with the guest's own /proc/kallsyms (modules included), not Warden's
    /// decoding of kallsyms, reading the ELF dump through Warden's page walk: the same clean verdict.
    static func guestsOwnSymbolsCheckClean(_ guest: RunningGuest) async throws {
        let source = try await WardenChecks.source(.elfDump, of: guest)
        let registers = try source.vcpuRegisters()
        let (_, space) = try await WardenChecks.locate(.elfDump, of: guest)
        let report = KernelIntegrity.check(space: space, symbols: guest.kallsyms, registers: registers)
        #expect(report.isClean, "\(report.renderText())")
        #expect(report.result("sys_call_table")?.differences.isEmpty == true)
        #expect(report.results.map(\.structure) == ["sys_call_table", "ia32_sys_call_table", "x32_sys_call_table", "idt_table", "IDTR"])
    }

    /// With the guest paused, sys_call_table[0] is pointed into the module area and gate 0xed (a
    /// spurious-vector stub on both kernels) into the middle of a kernel function, through the
    /// shared RAM file; `warden check` exits 1 naming both, and after the bytes are restored, 0.
    static func plantedHooksAreNamed(_ guest: RunningGuest) async throws {
        let table = try GroundTruthChecks.symbol("sys_call_table", in: guest).address
        let idt = try GroundTruthChecks.symbol("idt_table", in: guest).address
        let inside = try GroundTruthChecks.symbol("commit_creds", in: guest).address + 0x10
        // Translated by QEMU while the guest runs (gva2gpa waits out a vCPU on PTI user tables);
        // these kernel objects never move.
        let hooks: [(physical: UInt64, bytes: [UInt8])] = [
            (try #require(await guest.gva2gpa(table)), littleEndian(0xFFFF_FFFF_C0DE_0000)),
            (try #require(await guest.gva2gpa(idt + 0xED * 16)), gate(to: inside)),
        ]
        try await guest.pause()
        var saved: [(UInt64, [UInt8])] = []
        let outcome: Result<(Int32, String), any Error>
        do {
            for hook in hooks { saved.append((hook.physical, try await writeRAM(guest, physical: hook.physical, bytes: hook.bytes))) }
            outcome = .success(try await runCheck(guest))
        } catch {
            outcome = .failure(error)
        }
        for (physical, bytes) in saved.reversed() { _ = try await writeRAM(guest, physical: physical, bytes: bytes) }
        try await guest.resume()
        let (status, text) = try outcome.get()
        #expect(status == 1, "\(text)")
        #expect(text.contains("\n  sys_call_table[0] at sys_call_table+0x0: found 0xffffffffc0de0000 (module area, outside the kernel image); "))
        #expect(text.contains("\n  idt_table[vector 0xed] at idt_table+0xed0: found 0x\(String(inside, radix: 16)) (commit_creds+0x10); expected spurious_entries_start+0x"))
        #expect(text.hasSuffix("integrity: NOT CLEAN: 2 differences\n"), "\(text)")
        let after = try await runCheck(guest)
        #expect(after.0 == 0, "restored: \(after.1)")
    }

    /// `warden check --qemu-ram … --qmp …`: its exit status and standard output.
    private static func runCheck(_ guest: RunningGuest) async throws -> (Int32, String) {
        let warden = try #require(WardenCLIChecks.executable, "the warden executable is not built beside the test runner")
        let name = "warden-check-\(UUID().uuidString.prefix(8))"
        let output = guest.runDirectory.appending(path: "\(name).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = try ChildProcess.start(
            warden, ["check", "--qemu-ram", guest.ramFile.path, "--qmp", guest.qmpSocketPath],
            log: guest.runDirectory.appending(path: "\(name).log"), standardOutput: output)
        guard await ChildProcess.waitForExit(process, timeout: .seconds(600)) else {
            await ChildProcess.kill9(process)
            throw HarnessError.commandFailed("warden check", status: -1, output: "still running after 600 s")
        }
        return (process.terminationStatus, try String(contentsOf: output, encoding: .utf8))
    }

    /// Writes `bytes` at guest-physical `physical` through the shared RAM file; returns what was there.
    private static func writeRAM(_ guest: RunningGuest, physical: UInt64, bytes: [UInt8]) async throws -> [UInt8] {
        let layout = try await guest.ramLayout()
        let mapping = try #require(
            layout.first { physical >= $0.physicalStart && physical + UInt64(bytes.count) <= $0.physicalEnd },
            "0x\(String(physical, radix: 16)) is not in one RAM range")
        let handle = try FileHandle(forUpdating: guest.ramFile)
        defer { try? handle.close() }
        let offset = mapping.fileOffset + (physical - mapping.physicalStart)
        try handle.seek(toOffset: offset)
        let old = [UInt8](try handle.read(upToCount: bytes.count) ?? Data())
        try #require(old.count == bytes.count, "short read of the RAM file")
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data(bytes))
        return old
    }

    private static func littleEndian(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    /// A present interrupt gate on __KERNEL_CS to `target` (arch/x86/include/asm/desc_defs.h).
    private static func gate(to target: UInt64) -> [UInt8] {
        var bytes = littleEndian(target)
        let low = Array(bytes[0..<2])
        let middle = Array(bytes[2..<4])
        let high = Array(bytes[4..<8])
        bytes = low + [0x10, 0x00, 0x00, 0x8E] + middle + high + [0, 0, 0, 0]
        return bytes
    }
}

extension IntegrityReport {
    fileprivate func result(_ structure: String) -> StructureResult? { results.first { $0.structure == structure } }
}
