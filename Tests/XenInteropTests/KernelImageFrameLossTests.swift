import Glibc
import SyntheticGuest
import Testing
import WardenCore
import XenInterop

extension FakeXen.Domain {
    /// A domain holding a generated guest's RAM, page for page, with its vCPU registers. Zero pages
    /// share one array, so a 96 MiB guest costs little more than its non-zero pages.
    static func holding(_ guest: SyntheticGuest, domid: UInt32, name: String) throws -> Self {
        let frames = guest.configuration.ramSize >> 12
        var domain = Self(domid: domid, name: name, maximumGPFN: frames - 1)
        let zero = [UInt8](repeating: 0, count: FakeXen.pageSize)
        for gfn in 0..<frames {
            let bytes = try guest.ram.readBytes(physical: gfn << 12, count: FakeXen.pageSize)
            domain.pages[gfn] = isZeroPage(bytes) ? zero : bytes
        }
        let registers = guest.vcpuRegisters()
        domain.maxVCPUID = UInt32(registers.count - 1)
        for vcpu in registers {
            domain.contexts[UInt32(vcpu.vcpu)] = XenVCPUContext(cr0: vcpu.cr0, cr3: vcpu.cr3, cr4: vcpu.cr4, rip: vcpu.rip)
            domain.cpuStates[UInt32(vcpu.vcpu)] = XenHVMCPUState(
                efer: vcpu.efer, idtrBase: vcpu.idtrBase, gsBase: vcpu.gsBase, shadowGSBase: vcpu.kernelGSBase)
        }
        return domain
    }

    /// memcmp against a zero page: a byte loop over 96 MiB is slow in a debug build.
    private static func isZeroPage(_ bytes: [UInt8]) -> Bool {
        let zero = [UInt8](repeating: 0, count: bytes.count)
        return bytes.withUnsafeBytes { page in
            zero.withUnsafeBytes { zeros in
                guard let page = page.baseAddress, let zeros = zeros.baseAddress else { return true }
                return memcmp(page, zeros, bytes.count) == 0
            }
        }
    }
}

/// Issue 9: on real Xen, kallsyms "was not there" in a 54 MiB kernel image that held it. The guest
/// here has that report's layout (PVH: RAM from 0 with no holes, 96 MiB, one vCPU, `_text` at
/// 0xffffffff81000000 and gpa 16 MiB, no KASLR); one frame of the 2 MiB page that also holds the
/// kallsyms tables cannot be mapped, as Xen may refuse a frame of a running guest.
@Suite struct KernelImageFrameLossTests {
    static func pvhGuest() throws -> SyntheticGuest {
        var configuration = SyntheticGuest.Configuration()
        configuration.ramSize = 96 << 20
        configuration.physicalBase = 16 << 20
        configuration.kaslrSlide = 0
        configuration.hole = nil
        configuration.vcpuCount = 1
        return try SyntheticGuest(configuration)
    }

    /// The gfn of `sys_call_table`, which the generated kernel keeps in the same 2 MiB page as kallsyms.
    static func syscallTableGFN(_ guest: SyntheticGuest) throws -> UInt64 {
        let table = try #require(guest.symbols.first { $0.name == "sys_call_table" })
        return guest.physicalAddress(ofKernelVirtual: table.address) >> 12
    }

    enum Loss: CaseIterable {
        /// Xen reports the frame in the mapping's per-page errors.
        case pageError
        /// The whole mapping call holding the frame fails.
        case batchRefused
    }

    @Test(arguments: Loss.allCases)
    func oneUnmappableFrameBesideTheTablesCostsThatFrameNotTheSymbols(loss: Loss) throws {
        let guest = try Self.pvhGuest()
        let lost = try Self.syscallTableGFN(guest)
        var domain = try FakeXen.Domain.holding(guest, domid: 1, name: "domu")
        if loss == .pageError { domain.pages[lost] = nil }
        let fake = FakeXen([domain])
        if loss == .batchRefused { fake.update { $0.batchRefusingGFNs = [lost] } }

        let xen = try XenDomain.open("domu", calls: fake.calls)
        let kernel = try GuestKernel.read(memory: xen.memory, registers: xen.vcpuRegisters())
        #expect(kernel.location.textBase == 0xFFFF_FFFF_8100_0000)
        #expect(kernel.location.physicalBase == 16 << 20)
        #expect(Set(kernel.symbols.symbols.map { "\($0.name)@\($0.address)" })
            == Set(guest.symbols.map { "\($0.name)@\($0.address)" }))
        #expect(kernel.unreadableImageFrames.gfns == [lost])
    }

    /// The vCPU was caught in a process that exits while the image is read: its top-level table is
    /// freed and reused. The kernel's own tables below it live on, and the image is read through them.
    @Test func aProcessExitingDuringTheReadDoesNotTakeTheKernelMappingWithIt() throws {
        let guest = try Self.pvhGuest()
        let fake = FakeXen([try FakeXen.Domain.holding(guest, domid: 1, name: "domu")])
        let root = guest.vcpuRegisters()[0].cr3 & 0x000F_FFFF_FFFF_F000
        fake.update { $0.zeroedOnFirstBatch = (domid: 1, gfn: root >> 12) }

        let xen = try XenDomain.open("domu", calls: fake.calls)
        let kernel = try GuestKernel.read(memory: xen.memory, registers: xen.vcpuRegisters())
        #expect(fake.read { $0.zeroedOnFirstBatch == nil }, "the table was reused during the read")
        let table = try #require(kernel.symbols.symbol(named: "sys_call_table"))
        #expect(kernel.unreadableImageFrames.isEmpty)
        // Planning, after the table was reused, still finds the frames.
        let frames = try AddressSpace(memory: xen.memory, kernel: kernel.location).frames(virtual: table.address, length: 8)
        #expect(frames.map(\.physical) == [guest.physicalAddress(ofKernelVirtual: table.address)])
    }

    /// The frames that hold the token table's digit run in the generated image.
    static func tokenTableGFNs(_ guest: SyntheticGuest) throws -> Set<UInt64> {
        let first = guest.configuration.physicalBase >> 12
        for gfn in first..<(first + 12 << 8) {
            let pair = try guest.ram.readBytes(physical: gfn << 12, count: 2 * FakeXen.pageSize)
            let holds = pair.withUnsafeBytes { KallsymsFinder.containsAnchor($0) }
            if holds {
                let alone = try guest.ram.readBytes(physical: gfn << 12, count: FakeXen.pageSize)
                return alone.withUnsafeBytes { KallsymsFinder.containsAnchor($0) } ? [gfn] : [gfn, gfn + 1]
            }
        }
        throw KallsymsError.tokenTableNotFound(searchedBytes: 12 << 20, digitRuns: 0)
    }

    /// When the frames holding the tables themselves cannot be read, recovery fails, and the error
    /// says what the search read instead of only "not found in 12582912 bytes".
    @Test func unreadableTablesAreReportedWithTheRangesReadAndTheFramesLost() throws {
        let guest = try Self.pvhGuest()
        let lost = try Self.tokenTableGFNs(guest)
        var domain = try FakeXen.Domain.holding(guest, domid: 1, name: "domu")
        for gfn in lost { domain.pages[gfn] = nil }
        let xen = try XenDomain.open("domu", calls: FakeXen([domain]).calls)
        let first = try #require(lost.min())
        #expect {
            try GuestKernel.read(memory: xen.memory, registers: xen.vcpuRegisters())
        } throws: { error in
            let text = String(describing: error)
            return text.contains("no kallsyms_token_table in 12582912 bytes: 0 run(s)")
                && text.contains(
                    "the search read the kernel image at guest-virtual 0xffffffff81000000–0xffffffff81c00000 "
                        + "(12 MiB; gpa 0x1000000–0x1c00000): \(lost.count) of 3,072 pages could not be read "
                        + "(first at gfn 0x\(String(first, radix: 16)): guest-physical range 0x\(String(first << 12, radix: 16)) "
                        + "(+4096 bytes) is not backed by guest RAM); read as zeros, through the page tables at gpa 0x100000")
        }
    }
}
