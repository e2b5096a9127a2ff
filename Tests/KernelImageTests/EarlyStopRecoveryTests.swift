import Foundation
import KernelImage
import SyntheticGuest
import Testing
import WardenCore

@Suite struct EarlyStopRecoveryTests {
    static let textBase: UInt64 = 0xFFFF_FFFF_8100_0000
    static let symbols = (0..<600).map { index in
        KernelSymbol(name: index == 0 ? "_text" : "function_\(index)", address: textBase + UInt64(index) * 0x40, type: "T")
    }

    /// A vmlinux-like payload: filler (with a decoy digit run before the real tables), the kallsyms
    /// tables at an 8-aligned offset, then a long tail the recovery should never need to decode.
    func writeImage(_ format: PayloadCompression, decoy: Bool) throws -> (path: String, payloadSize: Int) {
        var vmlinux = SyntheticBzImage.vmlinuxLike(size: 3 << 20)
        if decoy { vmlinux.replaceSubrange(4096..<(4096 + KallsymsFinder.anchor.count), with: KallsymsFinder.anchor) }
        vmlinux += try KallsymsEncoder(layout: .linux6_12).encode(symbols: Self.symbols, relativeBase: Self.textBase)
        vmlinux += SyntheticBzImage.vmlinuxLike(size: 12 << 20)
        let image = SyntheticBzImage.image(payload: try SyntheticBzImage.compress(vmlinux, format), appendedSize: vmlinux.count)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("warden-early-\(UUID().uuidString)").path
        try Data(image).write(to: URL(fileURLWithPath: path))
        return (path, vmlinux.count)
    }

    @Test(arguments: SyntheticBzImage.formats, [false, true])
    func recoveryStopsAfterTheTablesAndIgnoresDecoyAnchors(format: PayloadCompression, decoy: Bool) throws {
        let (path, payloadSize) = try writeImage(format, decoy: decoy)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let recovered = try KernelImage.recoverSymbols(path: path)
        #expect(recovered.symbols.symbols.map(\.name) == Self.symbols.map(\.name))
        #expect(recovered.symbols.symbols.map(\.address) == Self.symbols.map(\.address))
        #expect(recovered.decodedBytes < payloadSize, "decoded \(recovered.decodedBytes) of \(payloadSize)")
    }

    @Test func anImageWithoutTablesIsDecodedToTheEndAndExplained() throws {
        let filler = SyntheticBzImage.vmlinuxLike(size: 5 << 20)
        let image = SyntheticBzImage.image(payload: try SyntheticBzImage.compress(filler, .zstd), appendedSize: filler.count)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("warden-none-\(UUID().uuidString)").path
        try Data(image).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let outcome = Result { () throws(KernelImageError) in try KernelImage.recoverSymbols(path: path) }
        guard case .failure(let error) = outcome, case .kallsyms(_, .tokenTableNotFound) = error else {
            Issue.record("expected tokenTableNotFound, got \(outcome)")
            return
        }
        #expect(error.description.contains(path))
    }
}
