import SyntheticGuest
import Testing
import WardenCore

@Suite struct PlannerTests {
    static let location = SourceLocation(file: "test.yaml", line: 1, column: 1)

    func target(_ extent: TargetExtent, _ action: PolicyAction = .deny, optional: Bool = false) -> ProtectedTarget {
        ProtectedTarget(
            extent: extent, access: [.write], action: action, optional: optional, writers: [],
            rule: "test/\(extent)", location: Self.location)
    }

    func planner(for guest: SyntheticGuest, symbols: SymbolTable? = nil) throws -> Planner {
        let kernel = try GuestKernel.read(memory: guest.memory, registers: guest.vcpuRegisters())
        let space = AddressSpace(memory: guest.memory, kernel: kernel.location)
        return Planner(symbols: symbols ?? kernel.symbols, space: space, kernel: KernelFacts(kernel.location))
    }

    @Test func symbolTargetsRunToTheNextSymbolAndLandOnTheRightFrames() throws {
        let guest = try SyntheticGuest()
        let plan = try planner(for: guest).plan([target(.symbol("sys_call_table"))])
        let table = try #require(plan.targets.first)
        let start = try #require(guest.symbols.first { $0.name == "sys_call_table" }).address
        let next = try #require(guest.symbols.first { $0.name == "ia32_sys_call_table" }).address
        #expect(table.virtualAddress == start)
        #expect(table.size == next - start)
        #expect(table.sizeSource == .nextSymbol)
        let physical = guest.physicalAddress(ofKernelVirtual: start)
        #expect(table.frames.first == FrameSpan(gfn: physical >> 12, offset: physical & 0xFFF, length: 4096 - (physical & 0xFFF)))
        #expect(table.frames.map(\.length).reduce(0, +) == table.size)
    }

    @Test func explicitLengthsAndRangesSayWhereTheirSizeCameFrom() throws {
        let guest = try SyntheticGuest()
        let plan = try planner(for: guest).plan([
            target(.symbolWithLength("idt_table", 4096)), target(.range(from: "_stext", to: "_etext"), .alert),
        ])
        #expect(plan.targets.map(\.sizeSource) == [.policy, .symbolRange])
        #expect(plan.targets[0].frames.count == 1)
        #expect(plan.targets[1].size == 6 << 20 - 0x1_0000 - 0x1000)
    }

    @Test func missingOptionalTargetsWarnAndMissingRequiredOnesFail() throws {
        let guest = try SyntheticGuest()
        let planner = try planner(for: guest)
        let plan = try planner.plan([target(.symbol("x32_sys_call_table"), optional: true), target(.symbol("sys_call_table"))])
        #expect(plan.targets.count == 1)
        #expect(plan.warnings.count == 1)
        #expect(plan.warnings[0].contains("x32_sys_call_table"))
        #expect(throws: PlanError.self) { try planner.plan([target(.symbol("x32_sys_call_table"))]) }
    }

    @Test func overlappingTargetsWithDifferentActionsAreRefused() throws {
        let guest = try SyntheticGuest()
        let planner = try planner(for: guest)
        #expect(throws: PlanError.self) {
            try planner.plan([target(.range(from: "_stext", to: "_etext"), .alert), target(.symbol("x64_sys_call"), .deny)])
        }
        // Same action and access: overlap is fine.
        let plan = try planner.plan([target(.range(from: "_stext", to: "_etext")), target(.symbol("x64_sys_call"))])
        #expect(plan.targets.count == 2)
    }

    @Test func linkTimeSymbolFilesAreShiftedByTheKASLRSlide() throws {
        let guest = try SyntheticGuest()
        let slide = guest.configuration.kaslrSlide
        let linkTime = SymbolTable(
            origin: .systemMap(path: "System.map"),
            symbols: guest.symbols.map { KernelSymbol(name: $0.name, address: $0.address - slide, type: $0.type) })
        let plan = try planner(for: guest, symbols: linkTime).plan([target(.symbol("sys_call_table"))])
        #expect(plan.targets[0].virtualAddress == guest.symbols.first { $0.name == "sys_call_table" }?.address)
        #expect(plan.targets[0].symbolSource.contains("KASLR slide 0x1e00000"))
    }

    @Test func jsonPlanCarriesTheDocumentedFields() throws {
        let guest = try SyntheticGuest()
        let json = try planner(for: guest).plan([target(.symbol("sys_call_table"))]).renderJSON()
        #expect(json.hasPrefix("{\"schema\":1,\"kernel\":{\"textBase\":\"0xffffffff82e00000\",\"kaslrSlide\":\"0x1e00000\""))
        #expect(json.contains("\"pagingLevels\":4"))
        #expect(json.contains("\"symbol\":\"sys_call_table\""))
        #expect(json.contains("\"frames\":[{\"gfn\":\"0x"))
        #expect(json.contains("\"action\":\"deny\",\"access\":[\"write\"]"))
    }
}
