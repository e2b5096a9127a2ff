import ElfReader
import Foundation
import GuestSources
import TestSupport
import Testing
import WardenCore

/// Against a real qemu-system-x86_64 that never runs guest code (-S): the RAM layout QEMU reports,
/// its register dump at reset, and its ELF dump. Each test kills its QEMU on every path.
@Suite(.serialized, .enabled(if: QemuProcess.executable != nil, "qemu-system-x86_64 is not installed"))
struct RealQemuTests {
    /// QEMU's own view of one guest-physical quadword, via the monitor's `xp`.
    func qemuSees(_ guest: QemuLiveGuest, physical: UInt64) throws -> UInt64? {
        let text = try guest.qmp.hmp("xp /1gx 0x\(String(physical, radix: 16))")
        // "0000000100001000: 0x1122334455667788"
        guard let value = text.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines),
            value.hasPrefix("0x")
        else { return nil }
        return UInt64(value.dropFirst(2), radix: 16)
    }

    @Test(.timeLimit(.minutes(2))) func aQemuThatCannotStartFailsAtOnceWithItsExitAndMessage() throws {
        let failure = try #require(throws: WaitFailure.self) { try QemuProcess(machine: "no-such-machine", memory: "64M") }
        #expect(failure.reason == .childEnded("exit status 1"))
        #expect(failure.seen.contains("unsupported machine type"), "QEMU's own complaint is quoted")
    }

    @Test func qemuSizesAreReadAsBinaryMultiples() throws {
        #expect(try QemuProcess.bytes("64M") == 64 << 20)
        #expect(try QemuProcess.bytes("5G") == 5 << 30)
        #expect(throws: QemuProcessError.self) { try QemuProcess.bytes("5GB") }
        #expect(throws: QemuProcessError.self) { try QemuProcess.bytes("G") }
    }

    @Test func pcGuestRAMAbove4GiBComesFromTheFileAfterTheLowPart() throws {
        let qemu = try QemuProcess(machine: "pc", memory: "5G")
        defer { qemu.stop() }
        let guest = try QemuLiveGuest(ramFile: qemu.ramFile, qmpSocket: qemu.socket)
        #expect(guest.backendID == "ram0")
        // pc puts 3 GiB below the PCI hole once RAM reaches 3.5 GiB; the rest starts at 4 GiB.
        let high = try #require(guest.segments.first { $0.physical == 0x1_0000_0000 })
        #expect(high == PhysicalSegment(physical: 0x1_0000_0000, fileOffset: 0xc000_0000, length: 0x8000_0000))
        #expect(guest.memory.ramRanges.last == PhysicalRange(start: 0x1_0000_0000, end: 0x1_8000_0000))

        let marker: UInt64 = 0x5741_5244_454e_0001
        try qemu.poke(fileOffset: 0xc000_1000, value: marker)
        #expect(try qemuSees(guest, physical: 0x1_0000_1000) == marker, "QEMU maps that file offset there")
        #expect(try guest.memory.readUInt64(physical: 0x1_0000_1000) == marker)

        let low: UInt64 = 0x5741_5244_454e_0002
        try qemu.poke(fileOffset: 0x2000, value: low)
        #expect(try qemuSees(guest, physical: 0x2000) == low)
        #expect(try guest.memory.readUInt64(physical: 0x2000) == low)
        #expect(throws: GuestMemoryError.self) { try guest.memory.readUInt64(physical: 0xd000_0000) }
    }

    @Test func q35GuestLayoutAndRegistersAtReset() throws {
        let qemu = try QemuProcess(machine: "q35", memory: "5G", cpus: 2, backendID: "mem")
        defer { qemu.stop() }
        let guest = try QemuLiveGuest(ramFile: qemu.ramFile, qmpSocket: qemu.socket)
        // q35 keeps 2 GiB below the PCI hole for this size.
        #expect(guest.segments.contains(PhysicalSegment(physical: 0x1_0000_0000, fileOffset: 0x8000_0000, length: 0xc000_0000)))
        let marker: UInt64 = 0x0123_4567_89ab_cdef
        try qemu.poke(fileOffset: 0x8000_0ff8, value: marker)
        #expect(try qemuSees(guest, physical: 0x1_0000_0ff8) == marker)
        #expect(try guest.memory.readUInt64(physical: 0x1_0000_0ff8) == marker)

        let registers = try guest.vcpuRegisters()
        #expect(registers.map(\.vcpu) == [0, 1])
        // Architectural reset state: CR0 = 0x60000010, execution at F000:FFF0.
        #expect(registers.allSatisfy { $0.cr0 == 0x6000_0010 && $0.rip == 0xfff0 && $0.cr3 == 0 && $0.efer == 0 })
    }

    @Test func liveGuestRejectsAFileThatIsNotItsRAM() throws {
        let qemu = try QemuProcess(machine: "pc", memory: "256M")
        defer { qemu.stop() }
        let other = NSTemporaryDirectory() + "warden-not-ram-\(UUID().uuidString)"
        try Data(count: 4096).write(to: URL(fileURLWithPath: other))
        defer { try? FileManager.default.removeItem(atPath: other) }
        do {
            _ = try QemuLiveGuest(ramFile: other, qmpSocket: qemu.socket)
            Issue.record("an unrelated file was accepted as guest RAM")
        } catch {
            guard case .backendNotFound(other, let backends) = error else { throw error }
            #expect(backends == ["ram0 (\(qemu.ramFile))"])
        }
    }

    @Test func privatelyMappedBackendIsRefusedBecauseGuestWritesNeverReachTheFile() throws {
        let qemu = try QemuProcess(machine: "pc", memory: "256M", shared: false)
        defer { qemu.stop() }
        do {
            _ = try QemuLiveGuest(ramFile: qemu.ramFile, qmpSocket: qemu.socket)
            Issue.record("a share=off backend was accepted")
        } catch {
            guard case .notShared(qemu.ramFile, "ram0") = error else { throw error }
            #expect(error.description.contains("share=on"))
        }
    }

    @Test func dumpGuestMemoryProducesACoreWithTheSameBytesAndRegisters() throws {
        let qemu = try QemuProcess(machine: "pc", memory: "128M", cpus: 2)
        defer { qemu.stop() }
        let marker: UInt64 = 0xfeed_face_cafe_beef
        try qemu.poke(fileOffset: 0x10_0000, value: marker)
        let guest = try QemuLiveGuest(ramFile: qemu.ramFile, qmpSocket: qemu.socket)
        let corePath = NSTemporaryDirectory() + "warden-dump-\(UUID().uuidString).core"
        defer { try? FileManager.default.removeItem(atPath: corePath) }
        try guest.qmp.dumpGuestMemory(to: corePath)
        #expect(guest.qmp.events.contains { $0["event"] as? String == "DUMP_COMPLETED" })

        let dump = try ElfCoreDump(path: corePath)
        #expect(try dump.memory.readUInt64(physical: 0x10_0000) == marker)
        for range in guest.memory.ramRanges {
            #expect(dump.memory.ramRanges.contains { $0.start <= range.start && range.end <= $0.end }, "\(range)")
        }
        let registers = try dump.vcpuRegisters()
        #expect(registers.count == 2)
        #expect(registers.allSatisfy { $0.cr0 == 0x6000_0010 && $0.rip == 0xfff0 })
        let states = try dump.core.qemuCPUStates()
        #expect(states.first?.segment("cs")?.base == 0xffff_0000)
        #expect(states.first?.kernelGSBase != nil, "QEMU 7.2 writes the 440-byte state")
        #expect(dump.core.processStatuses().map(\.pid) == [1, 2])
        #expect(dump.core.machine == 3, "a CPU outside long mode is dumped as EM_386 in ELF64")
    }

    @Test func qmpReportsQemuErrorsAndEvents() throws {
        let qemu = try QemuProcess(machine: "pc", memory: "64M")
        defer { qemu.stop() }
        let client = try QMPClient(socketPath: qemu.socket)
        do {
            try client.execute("no-such-command")
            Issue.record("unknown command accepted")
        } catch {
            guard case .commandFailed(_, "CommandNotFound", _) = error else { throw error }
        }
        try client.cont()
        try client.stop()
        // A further command reads any event QEMU queued after the stop reply.
        try client.execute("query-status")
        let names = client.events.compactMap { $0["event"] as? String }
        #expect(names.contains("RESUME"))
        #expect(names.contains("STOP"))
    }
}
