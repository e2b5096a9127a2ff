import SyntheticGuest
import Testing
import WardenCore

/// Planning `physical:` and `virtual:` targets on the generated guest, whose layout is known:
/// 64 MiB of RAM with a hole at 16 MiB, the kernel image at 38 MiB, all RAM mapped at the direct map.
@Suite struct PlannerAddressRangeTests {
    /// Free RAM above the kernel image (0x2600000 + 12 MiB).
    static let freeFrame: UInt64 = 0x380_0000

    func target(
        _ extent: TargetExtent, _ action: PolicyAction = .deny, exclusions: [Range<UInt64>] = [], line: Int = 1
    ) -> ProtectedTarget {
        let location = SourceLocation(file: "test.yaml", line: line, column: 5)
        return ProtectedTarget(
            extent: extent, access: [.write], action: action, optional: false, writers: [],
            exclusions: exclusions.map { ExcludedBytes(offset: $0.lowerBound, length: UInt64($0.count), location: location) },
            rule: "test/\(extent)", location: location)
    }

    func plan(_ targets: [ProtectedTarget]) throws -> ProtectionPlan {
        let guest = try SyntheticGuest()
        let kernel = try GuestKernel.read(memory: guest.memory, registers: guest.vcpuRegisters())
        return try kernel.plan(targets, in: guest.memory)
    }

    func planError(_ targets: [ProtectedTarget]) throws -> PlanError {
        do {
            _ = try plan(targets)
        } catch let error as PlanError {
            return error
        }
        Issue.record("planned without an error")
        throw PlanError.unresolved([])
    }

    func address(_ symbol: String) throws -> UInt64 {
        try #require(try SyntheticGuest().symbols.first { $0.name == symbol }).address
    }

    @Test func physicalRangesPlanToTheirOwnFramesWithoutAPageWalk() throws {
        let plan = try plan([target(.physical(start: Self.freeFrame, length: 0x3000))])
        let planned = try #require(plan.targets.first)
        #expect(planned.virtualAddress == nil)
        #expect(planned.size == 0x3000)
        #expect(planned.sizeSource == .policy)
        #expect(planned.frames == [0x3800, 0x3801, 0x3802].map { FrameSpan(gfn: $0, offset: 0, length: 4096) })
        #expect(plan.symbolSource == nil)
        let text = plan.renderText()
        #expect(text.contains("physical:0x3800000+12288  deny  write"))
        #expect(text.contains("  physical 0x3800000-0x3803000, 12288 bytes (policy length)"))
        #expect(!text.contains("symbols:"))
        let json = plan.renderJSON()
        #expect(json.contains("\"symbol\":\"physical:0x3800000+12288\",\"rule\":\"test/physical:0x3800000+12288\""))
        #expect(json.contains("\"pa\":\"0x3800000\",\"size\":12288"))
        #expect(!json.contains("\"va\""))
    }

    @Test func virtualRangesAreWalkedThroughTheKernelsPageTables() throws {
        let directMap = SyntheticGuest.directMapBase + Self.freeFrame
        let table = try address("sys_call_table")
        let plan = try plan([
            target(.virtual(start: directMap, length: 0x2000)),
            target(.virtual(start: table & ~0xFFF, length: 0x1000), line: 2),
        ])
        #expect(plan.targets[0].virtualAddress == directMap)
        #expect(plan.targets[0].frames.map(\.gfn) == [0x3800, 0x3801])
        let guest = try SyntheticGuest()
        #expect(plan.targets[1].frames == [FrameSpan(gfn: guest.physicalAddress(ofKernelVirtual: table) >> 12, offset: 0, length: 4096)])
        #expect(plan.renderJSON().contains("\"va\":\"0x\(String(directMap, radix: 16))\""))
    }

    @Test(arguments: [
        (UInt64(0x100_0000), UInt64(0x1000), "0x1000000"),  // the hole
        (UInt64(0xFF_F000), UInt64(0x2000), "0x1000000"),  // runs from RAM into the hole
        (UInt64(0x400_0000), UInt64(0x1000), "0x4000000"),  // past the end of RAM
    ])
    func physicalRangesOutsideRAMAreRefusedNamingTheFirstMissingByte(start: UInt64, length: UInt64, missing: String) throws {
        let error = try planError([target(.physical(start: start, length: length), line: 7)])
        guard case .addressRange = error else {
            Issue.record("expected an address-range error, got \(error)")
            return
        }
        #expect(error.description.hasPrefix("test.yaml:7:5: physical:"))
        #expect(error.description.contains("guest-physical \(missing) is not guest RAM"))
    }

    @Test func anUnmappedVirtualRangeIsRefused() throws {
        let error = try planError([target(.virtual(start: 0xFFFF_C900_0000_0000, length: 0x1000))])
        guard case .translation = error else {
            Issue.record("expected a translation error, got \(error)")
            return
        }
        #expect(error.description.contains("virtual:0xffffc90000000000+4096 is not backed by guest memory"))
    }

    @Test func aPhysicalRangeOverASymbolsFrameMustShareItsRule() throws {
        let guest = try SyntheticGuest()
        let frame = guest.physicalAddress(ofKernelVirtual: try address("sys_call_table")) & ~0xFFF
        let conflict = try planError([
            target(.symbol("sys_call_table")), target(.physical(start: frame, length: 0x1000), .alert, line: 2),
        ])
        guard case .frameConflict = conflict else {
            Issue.record("expected a frame conflict, got \(conflict)")
            return
        }
        #expect(conflict.description.contains("share guest-physical bytes at 0x"))
        #expect(conflict.description.contains("test.yaml:2:5 (physical:0x\(String(frame, radix: 16))+4096, alert, write)"))
        // The same rule on the same bytes is a nested target, as a symbol inside a range is.
        let plan = try plan([target(.symbol("sys_call_table")), target(.physical(start: frame, length: 0x1000), line: 2)])
        #expect(plan.targets.count == 2)
    }

    @Test func aVirtualAliasOfASymbolIsCheckedByItsFrames() throws {
        let guest = try SyntheticGuest()
        let physical = guest.physicalAddress(ofKernelVirtual: try address("sys_call_table"))
        let alias = SyntheticGuest.directMapBase + (physical & ~0xFFF)
        let conflict = try planError([target(.symbol("sys_call_table")), target(.virtual(start: alias, length: 0x1000), .log, line: 2)])
        guard case .frameConflict = conflict else {
            Issue.record("the alias's overlap was not found by frame: \(conflict)")
            return
        }
    }

    @Test func exclusionsPastASymbolsEndAreRefusedOnceItsSizeIsKnown() throws {
        let error = try planError([target(.symbol("sys_call_table"), exclusions: [0x10_0000..<0x10_0008], line: 3)])
        guard case .exclusionPastEnd(_, _, let size, let source) = error else {
            Issue.record("expected an exclusion error, got \(error)")
            return
        }
        #expect(source == .nextSymbol)
        #expect(error.description.hasPrefix("test.yaml:3:5: exclude: bytes 0x100000..0x100008 run past the end of sys_call_table"))
        #expect(error.description.contains("which is \(size) bytes in this kernel (up to next symbol)"))
        let plan = try plan([target(.symbol("sys_call_table"), exclusions: [0x18..<0x20])])
        #expect(plan.renderText().contains("  excluded bytes: +0x18..+0x20"))
        #expect(plan.renderJSON().contains("\"exclude\":[{\"offset\":24,\"length\":8}]"))
    }
}
