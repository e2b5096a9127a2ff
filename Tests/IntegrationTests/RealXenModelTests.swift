import Foundation
import Testing

/// The model of Xen held to real Xen: the same calls on both, answers compared line by line. The
/// calls are those the model was least sure of (scripts/lab/probe/altp2m-probe.c names them); a
/// difference is fixed in the model, with a comment saying what real Xen did.
extension RealXen {
@Suite("The model held to real Xen", .serialized, .timeLimit(.minutes(30)))
struct ModelAgreement {
    init() async throws { try await XenLab.up() }

    @Test func altp2mCallsTheModelWasUnsureOfAnswerAsOnRealXen() async throws {
        // A populated gfn of the domU: the frame of sys_call_table, as the guest translates it.
        let gfn = try await RootkitSimulator.read("sys_call_table", offset: 0, length: 8).gpa >> 12
        // Paused, so that no guest write widens the probe view's entries (no monitor ring is there).
        let real = try await XenLab.check(
            "id=$(xl domid domu); xl pause $id; altp2m-probe $id 0x\(String(gfn, radix: 16)); status=$?; xl unpause $id; exit $status")
        let (model, modelGFN) = try ModelAltp2mProbe.labLikeModel()
        let modelled = ModelAltp2mProbe.run(model, gfn: modelGFN)
        let realLines = real.split(separator: "\n").map(String.init)
        #expect(realLines.count == modelled.count, "real Xen:\n\(real)")
        for (realLine, modelLine) in zip(realLines, modelled) {
            #expect(realLine == modelLine, "real Xen answered \(realLine), the model \(modelLine)")
        }
        #expect(try await LabXenState.read().isReleased)
    }
}
}
