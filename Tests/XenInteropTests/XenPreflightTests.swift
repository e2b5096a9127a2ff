import Glibc
import Hypervisor
import Testing
import XenInterop

@Suite struct XenPreflightTests {
    let fake = FakeXen([
        .patterned(domid: 3, name: "web", lastGFN: 3), FakeXen.Domain(domid: 7, name: "pv-guest", isHVM: false),
    ])
    let dom0 = XenHost(hasPrivcmd: true, isRoot: true)

    func check(_ domain: String = "web") throws(XenPreflightError) -> XenPreflightReport {
        try XenPreflight.check(domain, calls: fake.calls, host: dom0)
    }

    @Test func readyDomainPassesWithOnlyReadingCalls() throws {
        let report = try check()
        #expect(report.hypervisor.domain == 3)
        #expect(report.warnings.isEmpty)
        #expect(
            fake.log == [
                "xc_version()", "xc_altp2m_get_domain_state(3)", "xc_hvm_param_get(3, 35)",
                "xc_monitor_get_capabilities(3)",
            ]
        )
    }

    @Test func outsideDom0NothingIsOpened() {
        #expect(throws: XenPreflightError.noPrivcmd) {
            try XenPreflight.check("web", calls: fake.calls, host: XenHost(hasPrivcmd: false, isRoot: true))
        }
        #expect(throws: XenPreflightError.notRoot) {
            try XenPreflight.check("web", calls: fake.calls, host: XenHost(hasPrivcmd: true, isRoot: false))
        }
        #expect(fake.read { $0.opened.isEmpty })
        #expect(XenPreflightError.noPrivcmd.description.contains("must run in a Xen dom0"))
        #expect(XenPreflightError.notRoot.description.contains("must run as root in dom0"))
    }

    @Test(arguments: [(EACCES, XenPreflightError.notRoot), (EPERM, .notRoot), (ENOENT, .noPrivcmd)])
    func privcmdRefusalIsReportedAsTheHostProblem(code: Int32, expected: XenPreflightError) {
        fake.update { $0.failures["xc_interface_open"] = .init(errno: code) }
        #expect(throws: expected) { try check("3") }
    }

    @Test(arguments: [
        ("nope", XenPreflightError.domain(.noDomainNamed("nope"))),
        ("4", .domain(.noSuchDomain(4))),
        ("pv-guest", .domain(.notHVM(7))),
    ])
    func unusableDomainIsNamed(argument: String, expected: XenPreflightError) {
        #expect(throws: expected) { try check(argument) }
        #expect(fake.allReleased)
    }

    @Test func missingAltp2mSupportNamesBootOptionAndCPU() {
        fake.update { $0.failures["xc_altp2m_get_domain_state"] = .init(errno: EOPNOTSUPP) }
        #expect(throws: XenPreflightError.altp2mUnsupported(domid: 3)) { try check() }
        let message = XenPreflightError.altp2mUnsupported(domid: 3).description
        #expect(message.contains("`altp2m=1`"))
        #expect(message.contains("Intel VT-x with EPT"))
        #expect(message.contains("AMD"))
    }

    @Test func altp2mDisabledForTheDomainGivesTheXlCfgLine() {
        fake.update { $0.failures["xc_altp2m_get_domain_state"] = .init(errno: EINVAL) }
        #expect(throws: XenPreflightError.altp2mDisabled(domid: 3)) { try check() }
        #expect(XenPreflightError.altp2mDisabled(domid: 3).description.contains("`altp2m = \"external\"`"))
    }

    @Test(arguments: [
        (UInt64(0), XenPreflightError.altp2mDisabled(domid: 3)),
        (1, .altp2mMixed(domid: 3)),
        (4, .altp2mModeUnknown(domid: 3, value: 4)),
    ])
    func onlyExternalOrLimitedModeIsAccepted(mode: UInt64, expected: XenPreflightError) {
        fake.update { $0.xen.hvmParams[XenHVMParameter.altp2m] = mode }
        #expect(throws: expected) { try check() }
        #expect(expected.description.contains("altp2m = \"external\""))
    }

    @Test func mixedModeIsRefusedBecauseTheGuestControlsViews() {
        let message = XenPreflightError.altp2mMixed(domid: 3).description
        #expect(message.contains("leave Warden's restricted view"))
    }

    @Test func limitedModeAndActiveAltp2mAreWarnings() throws {
        fake.update { state in
            state.xen.hvmParams[XenHVMParameter.altp2m] = 3
            state.xen.altp2mActive = true
        }
        let warnings = try check().warnings
        #expect(warnings == [.altp2mLimited(domid: 3), .altp2mAlreadyActive(domid: 3)])
        #expect(warnings[0].description.contains("suppress-#VE"))
        #expect(warnings[1].description.contains("warden release --domain 3"))
    }

    @Test func aHostWithoutMTFPassesOnTheEmulatePathAndSaysSo() throws {
        // Xen 4.17 under Bochs 2.7 reported exactly this (no single-step bit).
        fake.update { $0.xen.capabilities = 0x1F7B }
        let report = try check()
        #expect(report.allowPath == .emulate)
        #expect(report.singlestepAvailable == false)
        let note = try #require(report.allowPathNote)
        #expect(note.hasPrefix("allow path: emulate"))
        #expect(note.contains("single-step is unavailable (no Monitor Trap Flag)"))
    }

    @Test func aHostWithMTFReportsTheDefaultPathAndThatSingleStepExists() throws {
        let report = try check()
        #expect(report.allowPath == AllowPath.preferred)
        #expect(report.singlestepAvailable == true)
        #expect(report.allowPathNote?.contains("single-step is available") == true)
        let stepping = try XenPreflight.check("web", calls: fake.calls, host: dom0, allowPath: .singlestep)
        #expect(stepping.allowPathNote?.hasPrefix("allow path: singlestep") == true)
    }

    @Test func singlestepRequestedWithoutMTFIsRefusedWithTheWayOut() {
        fake.update { $0.xen.capabilities = 0x1F7B }
        #expect(throws: XenPreflightError.noSinglestep(domid: 3, capabilities: 0x1F7B)) {
            try XenPreflight.check("web", calls: fake.calls, host: dom0, allowPath: .singlestep)
        }
        let message = XenPreflightError.noSinglestep(domid: 3, capabilities: 0x1F7B).description
        for phrase in ["`--allow-path singlestep`", "Monitor Trap Flag", "0x1f7b", "`--allow-path emulate`"] {
            #expect(message.contains(phrase))
        }
    }

    @Test func theEmulatePathNeedsTheEmulUnimplementedMonitor() {
        fake.update { $0.xen.capabilities = 0x1F7F & ~XenMonitorCapability.emulUnimplemented }
        #expect(throws: XenPreflightError.noEmulUnimplemented(domid: 3, capabilities: 0x1B7F)) { try check() }
        #expect(XenPreflightError.noEmulUnimplemented(domid: 3, capabilities: 0).description.contains("--allow-path singlestep"))
    }

    @Test(arguments: ["xc_version", "xc_altp2m_get_domain_state", "xc_hvm_param_get", "xc_monitor_get_capabilities"])
    func otherFailuresKeepTheCallAndErrno(operation: String) {
        fake.update { $0.failures[operation] = .init(errno: EPERM) }
        #expect(throws: XenPreflightError.xen(HypervisorError(operation: operation, errno: EPERM))) { try check() }
        #expect(
            XenPreflightError.xen(HypervisorError(operation: operation, errno: EPERM)).description
                == "\(operation) failed: Operation not permitted (errno 1)"
        )
    }

    @Test func busyRingNamesTheUsualHoldersAndTheRecovery() {
        let error = HypervisorError(operation: "xc_monitor_enable", errno: EBUSY)
        let busy = XenPreflight.ringEnableFailure(error, domid: 3)
        #expect(busy == .ringBusy(domid: 3))
        for phrase in ["already in use", "xen-access", "DRAKVUF", "killed", "`warden release --domain 3`"] {
            #expect(busy.description.contains(phrase))
        }
    }

    @Test func otherRingFailuresAreExplainedOrPassedThrough() {
        let noPage = HypervisorError(operation: "xc_monitor_enable", errno: EOPNOTSUPP)
        #expect(XenPreflight.ringEnableFailure(noPage, domid: 3) == .noRingPage(domid: 3))
        let other = HypervisorError(operation: "xc_monitor_enable", errno: ENOMEM)
        #expect(XenPreflight.ringEnableFailure(other, domid: 3) == .xen(other))
        let channel = HypervisorError(operation: "xenevtchn_bind_interdomain", errno: EBUSY)
        #expect(XenPreflight.ringEnableFailure(channel, domid: 3) == .xen(channel))
    }
}
