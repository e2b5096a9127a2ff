import Glibc
import Testing
import WardenCore
import XenInterop

@Suite struct XenDomainTests {
    let fake: FakeXen

    init() {
        var web = FakeXen.Domain.patterned(domid: 3, name: "web", lastGFN: 15, holes: [4])
        web.maxVCPUID = 3
        web.offlineVCPUs = [1]
        web.vanishingVCPUs = [3]
        web.contexts = [
            0: XenVCPUContext(cr0: 0x8005_0033, cr3: 0x1a2b_c000, cr4: 0x0037_06f0, rip: 0xffff_ffff_8100_0010),
            2: XenVCPUContext(cr0: 0x8005_0033, cr3: 0x0777_0000, cr4: 0x0037_16f0, rip: 0xffff_ffff_8100_0020),
        ]
        web.cpuStates = [
            0: XenHVMCPUState(
                efer: 0xd01,
                idtrBase: 0xffff_fe00_0000_0000,
                gsBase: 0xffff_8880_7fc0_0000,
                shadowGSBase: 1
            ),
            2: XenHVMCPUState(
                efer: 0xd01,
                idtrBase: 0xffff_fe00_0000_0000,
                gsBase: 0xffff_8880_7fd0_0000,
                shadowGSBase: 2
            ),
        ]
        var dom0 = FakeXen.Domain(domid: 0, name: "Domain-0", isHVM: false)
        dom0.maxVCPUID = 3
        var dying = FakeXen.Domain.patterned(domid: 9, name: "db", lastGFN: 1)
        dying.isDying = true
        var huge = FakeXen.Domain.patterned(domid: 20, name: "huge", lastGFN: 1)
        huge.maxVCPUID = 128
        var idle = FakeXen.Domain.patterned(domid: 21, name: "idle", lastGFN: 1)
        idle.maxVCPUID = nil
        fake = FakeXen([
            dom0, web, FakeXen.Domain(domid: 7, name: "pv-guest", isHVM: false), dying, huge, idle,
            .patterned(domid: 11, name: "twin", lastGFN: 1), .patterned(domid: 12, name: "twin", lastGFN: 1),
        ])
        // xenstore clutter: a non-canonical id and a non-id claiming "web", and a domain without a name node.
        fake.update { $0.strayStoreEntries = ["0042": "web", "abc": "web", "13": nil] }
    }

    @Test func opensByNameThroughXenstoreAndClosesTheStore() throws {
        let domain = try XenDomain.open("web", calls: fake.calls)
        #expect(domain.domid == 3)
        #expect(domain.name == "web")
        #expect(domain.memory.sourceDescription == "Xen domain web (domid 3)")
        #expect(fake.read { ($0.opened["xs"], $0.closed["xs"]) } == (1, 1))
    }

    @Test func numericArgumentIsADomidAndSkipsXenstore() throws {
        let domain = try XenDomain.open("3", calls: fake.calls)
        #expect(domain.domid == 3)
        #expect(domain.name == nil)
        #expect(fake.read { $0.opened["xs"] } == nil)
    }

    @Test func memoryReadsThroughTheDomainAndReportsHoles() throws {
        let domain = try XenDomain.open("web", calls: fake.calls)
        #expect(try domain.memory.readBytes(physical: 0x3ff0, count: 16) == pattern(from: 0x3ff0, count: 16))
        #expect(throws: GuestMemoryError.unbacked(physical: 0x4000, length: 16)) {
            try domain.memory.readBytes(physical: 0x3ff0, count: 32)
        }
        #expect(domain.memory.ramRanges == [PhysicalRange(start: 0, end: 16 * 4096)])
    }

    @Test(arguments: [
        ("nope", XenDomainError.noDomainNamed("nope")),
        ("", XenDomainError.noDomainNamed("")),
        ("twin", XenDomainError.ambiguousName("twin", domids: [11, 12])),
        ("32752", XenDomainError.invalidDomainID("32752")),
        ("99999999999", XenDomainError.invalidDomainID("99999999999")),
        ("4", XenDomainError.noSuchDomain(4)),
        ("pv-guest", XenDomainError.notHVM(7)),
        ("0", XenDomainError.notHVM(0)),
        ("db", XenDomainError.dying(9)),
        ("huge", XenDomainError.implausibleVCPUCount(20, maxVCPUID: 128)),
    ])
    func refusesWhatItCannotRead(argument: String, expected: XenDomainError) {
        #expect(throws: expected) { try XenDomain.open(argument, calls: fake.calls) }
        #expect(fake.allReleased)
    }

    @Test func pvRefusalSaysWhy() {
        #expect(XenDomainError.notHVM(7).description.contains("PV guest"))
    }

    @Test func registersComeFromOnlineVCPUsOnly() throws {
        let registers = try XenDomain.open("web", calls: fake.calls).vcpuRegisters()
        #expect(
            registers == [
                VCPURegisters(
                    vcpu: 0,
                    cr0: 0x8005_0033,
                    cr3: 0x1a2b_c000,
                    cr4: 0x0037_06f0,
                    efer: 0xd01,
                    rip: 0xffff_ffff_8100_0010,
                    idtrBase: 0xffff_fe00_0000_0000,
                    gsBase: 0xffff_8880_7fc0_0000,
                    kernelGSBase: 1
                ),
                VCPURegisters(
                    vcpu: 2,
                    cr0: 0x8005_0033,
                    cr3: 0x0777_0000,
                    cr4: 0x0037_16f0,
                    efer: 0xd01,
                    rip: 0xffff_ffff_8100_0020,
                    idtrBase: 0xffff_fe00_0000_0000,
                    gsBase: 0xffff_8880_7fd0_0000,
                    kernelGSBase: 2
                ),
            ]
        )
        // vCPU 1 is down, so it is not even paused for a context read; vCPU 3 went down mid-read.
        #expect(fake.read { $0.callCounts["xc_vcpu_getcontext"] } == 3)
    }

    @Test func domainWithoutVCPUsHasNoRegisters() throws {
        #expect(try XenDomain.open("idle", calls: fake.calls).vcpuRegisters().isEmpty)
    }

    @Test func destroyedDomainReportsNoSuchDomain() throws {
        let domain = try XenDomain.open("web", calls: fake.calls)
        fake.update { $0.domains[3] = nil }
        #expect(throws: XenError(operation: "xc_domain_getinfolist", errno: ESRCH)) { try domain.vcpuRegisters() }
    }

    @Test func registerReadFailurePropagates() throws {
        let domain = try XenDomain.open("web", calls: fake.calls)
        fake.update { $0.failures["xc_vcpu_getcontext"] = .init(errno: EPERM) }
        #expect(throws: XenError(operation: "xc_vcpu_getcontext", errno: EPERM)) { try domain.vcpuRegisters() }
    }

    @Test(arguments: [
        "xs_open", "xs_directory", "xs_read", "xc_interface_open", "xc_domain_getinfolist",
        "xc_domain_maximum_gpfn", "xenforeignmemory_open",
    ])
    func everyHandleClosesWhenOpenFails(failing operation: String) {
        fake.update { $0.failures[operation] = .init(errno: EACCES) }
        #expect(throws: XenDomainError.xen(XenError(operation: operation, errno: EACCES))) {
            try XenDomain.open("web", calls: fake.calls)
        }
        #expect(fake.allReleased)
    }

    @Test func everyHandleClosesWhenTheDomainIsReleased() throws {
        do {
            let domain = try XenDomain.open("web", calls: fake.calls)
            _ = try domain.vcpuRegisters()
            _ = try domain.memory.readBytes(physical: 0, count: 3 * 4096)
            #expect(fake.read { ($0.opened["xc"], $0.opened["fmem"], $0.openHandles.count) } == (1, 1, 2))
        }
        #expect(fake.read { ($0.closed["xc"], $0.closed["fmem"]) } == (1, 1))
        #expect(fake.allReleased)
    }

    @Test func listsEveryDomainInIDOrder() throws {
        let control = try XenControl(calls: fake.calls)
        #expect(try control.domains().map(\.domid) == [0, 3, 7, 9, 11, 12, 20, 21])
    }
}
