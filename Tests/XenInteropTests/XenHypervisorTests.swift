import Glibc
import Hypervisor
import Testing
import WardenCore
import XenInterop

/// One backend method, the table calls it must make, and the operation its failures must carry.
struct BackendCall: Sendable, CustomTestStringConvertible {
    var operation: String
    var log: [String]
    var failureOperation: String?
    var run: @Sendable (XenHypervisor) throws -> Void

    var testDescription: String { operation }

    static let all: [BackendCall] = [
        .init(operation: "xc_domain_pause", log: ["xc_domain_pause(3)"]) { try $0.pause() },
        .init(operation: "xc_domain_unpause", log: ["xc_domain_unpause(3)"]) { try $0.unpause() },
        .init(operation: "xc_monitor_singlestep", log: ["xc_monitor_singlestep(3, true)"]) {
            try $0.setSinglestepMonitoring(true)
        },
        .init(operation: "xc_monitor_emul_unimplemented", log: ["xc_monitor_emul_unimplemented(3, true)"]) {
            try $0.setEmulUnimplementedMonitoring(true)
        },
        .init(operation: "xc_domain_debug_control", log: ["xc_domain_debug_control(3, 0, 2)"]) {
            try $0.singlestepOff(vcpu: 2)
        },
        .init(operation: "xc_altp2m_get_domain_state", log: ["xc_altp2m_get_domain_state(3)"]) {
            _ = try $0.altp2mEnabled()
        },
        .init(operation: "xc_altp2m_set_domain_state", log: ["xc_altp2m_set_domain_state(3, false)"]) {
            try $0.setAltp2m(enabled: false)
        },
        .init(operation: "xc_altp2m_create_view", log: ["xc_altp2m_create_view(3, 5)"]) {
            _ = try $0.createView(defaultAccess: .readExecute)
        },
        .init(operation: "xc_altp2m_destroy_view", log: ["xc_altp2m_destroy_view(3, 4)"]) {
            try $0.destroyView(ViewID(4))
        },
        .init(
            operation: "xc_altp2m_set_mem_access",
            log: ["xc_altp2m_set_mem_access(3, 1, 16, 5)", "xc_altp2m_set_mem_access(3, 1, 17, 5)"],
            failureOperation: "xc_altp2m_set_mem_access gfn 0x10"
        ) { try $0.setAccess(.readExecute, view: ViewID(1), gfns: [0x10, 0x11]) },
        .init(operation: "xc_altp2m_get_mem_access", log: ["xc_altp2m_get_mem_access(3, 1, 32)"]) {
            _ = try $0.access(view: ViewID(1), gfn: 0x20)
        },
        .init(operation: "xc_altp2m_set_suppress_ve", log: ["xc_altp2m_set_suppress_ve(3, 2, 16, false)"]) {
            try $0.setSuppressVE(false, view: ViewID(2), gfn: 0x10)
        },
        .init(operation: "xc_altp2m_switch_to_view", log: ["xc_altp2m_switch_to_view(3, 1)"]) {
            try $0.switchToView(ViewID(1))
        },
        .init(operation: "xc_altp2m_set_visibility", log: ["xc_altp2m_set_visibility(3, 0, false)"]) {
            try $0.setViewVisibility(.host, visible: false)
        },
        .init(operation: "xc_altp2m_get_vcpu_p2m_idx", log: ["xc_altp2m_get_vcpu_p2m_idx(3, 1)"]) {
            _ = try $0.currentView(vcpu: 1)
        },
        .init(operation: "xc_hvm_param_get", log: ["xc_hvm_param_get(3, 35)"]) {
            _ = try $0.hvmParameter(XenHVMParameter.altp2m)
        },
        .init(operation: "xc_monitor_get_capabilities", log: ["xc_monitor_get_capabilities(3)"]) {
            _ = try $0.monitorCapabilities()
        },
        .init(operation: "xc_domain_set_access_required", log: ["xc_domain_set_access_required(3, true)"]) {
            try $0.setAccessRequired(true)
        },
        .init(operation: "xc_version", log: ["xc_version()"]) { _ = try $0.hypervisorVersion() },
    ]
}

@Suite struct XenHypervisorTests {
    let fake: FakeXen

    init() {
        var web = FakeXen.Domain.patterned(domid: 3, name: "web", lastGFN: 15)
        web.maxVCPUID = 3
        web.contexts = [0: XenVCPUContext(cr0: 0x8005_0033, cr3: 0x1000, cr4: 0x20, rip: 0xffff_ffff_8100_0000)]
        fake = FakeXen([web, FakeXen.Domain(domid: 7, name: "pv-guest", isHVM: false)])
        fake.update { state in
            state.xen.access = [0x20: .read]
            state.xen.vcpuViews = [1: 2]
        }
    }

    func backend() throws -> XenHypervisor { try XenHypervisor.open("web", calls: fake.calls) }

    @Test(arguments: BackendCall.all)
    func eachMethodCallsItsEntryWithItsArguments(_ call: BackendCall) throws {
        try call.run(try backend())
        #expect(fake.log == call.log)
    }

    @Test(arguments: BackendCall.all)
    func eachFailureKeepsTheOperationAndErrno(_ call: BackendCall) throws {
        let backend = try backend()
        fake.update { $0.failures[call.operation] = .init(errno: EACCES) }
        #expect(throws: HypervisorError(operation: call.failureOperation ?? call.operation, errno: EACCES)) {
            try call.run(backend)
        }
        #expect(fake.log == [call.log[0]])
    }

    @Test func resultsComeBackFromXenUnchanged() throws {
        let backend = try backend()
        #expect(backend.domain == 3)
        #expect(try backend.createView(defaultAccess: .none) == ViewID(1))
        #expect(try backend.createView(defaultAccess: .none) == ViewID(2))
        #expect(try backend.access(view: ViewID(1), gfn: 0x20) == .read)
        #expect(try backend.currentView(vcpu: 1) == ViewID(2))
        #expect(try backend.hvmParameter(XenHVMParameter.altp2m) == 2)
        #expect(try backend.monitorCapabilities() == 0x1F7F)
        #expect(try backend.hypervisorVersion() == XenVersion(major: 4, minor: 17))
        #expect(try backend.altp2mEnabled() == false)
        try backend.setAltp2m(enabled: true)
        #expect(try backend.altp2mEnabled() == true)
    }

    @Test func setAccessStopsAtTheFirstFailingGfnAndNamesIt() throws {
        let backend = try backend()
        fake.update { $0.failures["xc_altp2m_set_mem_access"] = .init(errno: EINVAL, after: 2) }
        #expect(throws: HypervisorError(operation: "xc_altp2m_set_mem_access gfn 0x1002", errno: EINVAL)) {
            try backend.setAccess(.read, view: ViewID(1), gfns: [0x1000, 0x1001, 0x1002, 0x1003])
        }
        #expect(fake.log.count == 3)
        #expect(fake.read { $0.xen.access[0x1001] } == .read)
        #expect(fake.read { $0.xen.access[0x1003] } == nil)
    }

    @Test func unpopulatedGfnReportsXensESRCH() throws {
        #expect(throws: HypervisorError(operation: "xc_altp2m_get_mem_access", errno: ESRCH)) {
            try backend().access(view: ViewID(1), gfn: 0x99)
        }
    }

    @Test(arguments: [-1, Int(UInt32.max) + 1])
    func impossibleVCPUIsRefusedWithoutAHypercall(vcpu: Int) throws {
        let backend = try backend()
        #expect(throws: HypervisorError(operation: "xc_domain_debug_control", errno: EINVAL)) {
            try backend.singlestepOff(vcpu: vcpu)
        }
        #expect(throws: HypervisorError(operation: "xc_altp2m_get_vcpu_p2m_idx", errno: EINVAL)) {
            try backend.currentView(vcpu: vcpu)
        }
        #expect(fake.log.isEmpty)
    }

    @Test func vcpusAndMemoryComeFromTheDomainReader() throws {
        let backend = try backend()
        #expect(try backend.vcpuCount() == 4)
        #expect(try backend.vcpuRegisters().map(\.cr3) == [0x1000, 0, 0, 0])
        #expect(try backend.memory.readBytes(physical: 0x2000, count: 8) == pattern(from: 0x2000, count: 8))
        fake.update { $0.failures["xc_vcpu_getcontext"] = .init(errno: EPERM) }
        #expect(throws: HypervisorError(operation: "xc_vcpu_getcontext", errno: EPERM)) {
            try backend.vcpuRegisters()
        }
        fake.update { $0.domains[3] = nil }
        #expect(throws: HypervisorError(operation: "xc_domain_getinfolist", errno: ESRCH)) { try backend.vcpuCount() }
    }

    @Test func openRefusesWhatTheDomainReaderRefuses() {
        #expect(throws: XenDomainError.notHVM(7)) { try XenHypervisor.open("pv-guest", calls: fake.calls) }
        #expect(throws: XenDomainError.noDomainNamed("nope")) { try XenHypervisor.open("nope", calls: fake.calls) }
        #expect(fake.allReleased)
    }

    @Test func releasingTheBackendClosesEveryHandle() throws {
        do {
            let backend = try backend()
            try backend.pause()
        }
        #expect(fake.allReleased)
    }
}
