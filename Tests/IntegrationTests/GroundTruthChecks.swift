import Foundation
import Glibc
import Testing
import WardenCore

/// Checks of the harness's ground truth, the same for every configuration; each suite calls them
/// for its own guest. If one of these fails, the Warden checks built on them mean nothing.
enum GroundTruthChecks {
    static let linkTimeText: UInt64 = 0xFFFF_FFFF_8100_0000
    /// CONFIG_PHYSICAL_START on Debian: where the kernel loads when KASLR does not move it.
    static let defaultPhysicalStart: UInt64 = 0x100_0000

    static func symbol(_ name: String, in guest: RunningGuest) throws -> KernelSymbol {
        let symbol = try #require(guest.kallsyms.symbol(named: name), "\(name) missing from the guest's /proc/kallsyms")
        try #require(symbol.module == nil, "\(name) resolved to a module symbol")
        return symbol
    }

    static func kallsymsListsKernelAndModuleSymbols(_ guest: RunningGuest) throws {
        let text = try symbol("_text", in: guest)
        let stext = try symbol("_stext", in: guest)
        let etext = try symbol("_etext", in: guest)
        let table = try symbol("sys_call_table", in: guest)
        #expect(text.address <= stext.address && stext.address < etext.address)
        #expect(table.address > etext.address, "sys_call_table is read-only data, after the text")
        #expect(GuestKallsyms.coreKernelSymbols(guest.kallsyms).count > 50_000)
        // Zero addresses would mean kptr_restrict hid them: the copy would be worthless.
        #expect(!guest.kallsyms.symbols.contains { $0.address == 0 && $0.type != "A" && $0.type != "a" })
        #expect(guest.kallsyms.symbols.contains { $0.module == "minix" }, "the minix module's symbols are missing")
    }

    /// KASLR moves the kernel both virtually and physically, independently; one coincidence with
    /// the link-time place is possible, both at once would mean KASLR is off.
    static func kernelIsRandomised(_ guest: RunningGuest) async throws {
        let text = try symbol("_text", in: guest).address
        let physical = try #require(await guest.gva2gpa(text), "QEMU cannot translate _text")
        #expect(text != linkTimeText || physical != defaultPhysicalStart, "_text at its link-time place: KASLR is off")
        #expect((text - linkTimeText) % (2 << 20) == 0, "KASLR moves _text in 2 MiB steps")
        #expect(physical % (2 << 20) == 0)
    }

    static func pagingDepthIsAsConfigured(_ guest: RunningGuest) async throws {
        let registers = try await guest.registers()
        #expect(registers.map(\.vcpu) == [0, 1])
        for vcpu in registers {
            #expect(
                vcpu.usesFiveLevelPaging == guest.configuration.expectsFiveLevelPaging,
                "vCPU \(vcpu.vcpu) CR4=0x\(String(vcpu.cr4, radix: 16))")
            #expect(vcpu.cr4 & (1 << 5) != 0 && vcpu.efer & (1 << 10) != 0, "vCPU \(vcpu.vcpu) not in long mode")
        }
    }

    /// QEMU's page walk of sys_call_table lands on the syscall entry points the guest itself
    /// lists, read both by QEMU (`xp`) and from the shared RAM file through QEMU's memory tree.
    static func sysCallTableHoldsTheSyscallEntryPoints(_ guest: RunningGuest) async throws {
        let table = try symbol("sys_call_table", in: guest)
        let physical = try #require(await guest.gva2gpa(table.address), "QEMU cannot translate sys_call_table")
        #expect(physical & 0xFFF == table.address & 0xFFF)
        let handlers = ["__x64_sys_read", "__x64_sys_write", "__x64_sys_open", "__x64_sys_close"]
        let expected = try handlers.map { try symbol($0, in: guest).address }
        let fromQEMU = try await guest.physicalQuadwords(at: physical, count: handlers.count)
        #expect(fromQEMU == expected)
        let fromRAMFile = try await guest.ramMemory().readUInt64s(physical: physical, count: handlers.count)
        #expect(fromRAMFile == expected)
    }

    /// With the vCPUs stopped, the ELF dump and the shared RAM file hold the same bytes at every
    /// guest-physical address of RAM. Returns how many 4 KiB pages at or above 4 GiB hold data.
    @discardableResult
    static func dumpMatchesSharedRAM(_ guest: RunningGuest) async throws -> Int {
        try await guest.pause()
        do {
            let result = try await compareDumpWithRAM(guest)
            try await guest.resume()
            return result
        } catch {
            try? await guest.resume()
            throw error
        }
    }

    private static func compareDumpWithRAM(_ guest: RunningGuest) async throws -> Int {
        let dump = try await guest.coreDump(fresh: true)
        let ram = try await guest.ramMemory()
        let chunk: UInt64 = 16 << 20
        var differingChunks: [UInt64] = []
        var highPagesWithData = 0
        for mapping in ram.mappings {
            var address = mapping.physicalStart
            while address < mapping.physicalEnd {
                let count = Int(min(chunk, mapping.physicalEnd - address))
                let live = try ram.read(physical: address, count: count)
                if try dump.read(physical: address, count: count) != live { differingChunks.append(address) }
                if address >= 1 << 32 { highPagesWithData += pagesWithData(live) }
                address += UInt64(count)
            }
        }
        let differing = differingChunks.prefix(8).map { "0x" + String($0, radix: 16) }
        #expect(differingChunks.isEmpty, "dump and RAM file differ in the 16 MiB chunks at \(differing)")
        let ramBytes = ram.mappings.reduce(UInt64(0)) { $0 + $1.length }
        let dumpBytes = dump.mappings.reduce(UInt64(0)) { $0 + $1.length }
        #expect(dumpBytes >= ramBytes, "the dump covers less than the RAM file's \(ramBytes) bytes")
        return highPagesWithData
    }

    /// memcmp against a zero page: the tests run unoptimised, where a Swift loop over 2 GiB crawls.
    private static let zeroPage = [UInt8](repeating: 0, count: 4096)

    private static func pagesWithData(_ data: Data) -> Int {
        data.withUnsafeBytes { raw in
            zeroPage.withUnsafeBytes { zero in
                stride(from: 0, to: raw.count, by: 4096).count { offset in
                    memcmp(raw.baseAddress! + offset, zero.baseAddress!, min(4096, raw.count - offset)) != 0
                }
            }
        }
    }
}
