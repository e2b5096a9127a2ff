import ArgumentParser
import GuestSources
import WardenCore
import XenInterop

/// The one guest a command reads: an ELF core, a live QEMU guest, or a live Xen domain.
struct GuestSourceOptions: ParsableArguments {
    @Option(name: .customLong("memory"), help: "An ELF core of the guest (QEMU dump-guest-memory, or Xen xl dump-core of an HVM/PVH guest).")
    var core: String?

    @Option(name: .customLong("qemu-ram"), help: "A live QEMU guest's shared RAM file (memory-backend-file, share=on).")
    var qemuRAM: String?

    @Option(name: .customLong("qmp"), help: "The QMP socket of that QEMU guest.")
    var qmpSocket: String?

    @Option(name: .customLong("domain"), help: "A live Xen domain, by name or id (needs root in dom0).")
    var domain: String?

    var isGiven: Bool { core != nil || qemuRAM != nil || qmpSocket != nil || domain != nil }

    func validate() throws {
        let chosen = [core != nil, qemuRAM != nil || qmpSocket != nil, domain != nil].filter { $0 }.count
        guard chosen <= 1 else {
            throw ValidationError("give one guest: --memory CORE, --qemu-ram FILE --qmp SOCK, or --domain D")
        }
        if (qemuRAM == nil) != (qmpSocket == nil) {
            throw ValidationError("--qemu-ram and --qmp go together: the RAM file and the QMP socket of one QEMU guest")
        }
    }

    /// Opens the guest named on the command line.
    func open() throws -> any GuestSource {
        if let core { return try GuestCore.open(path: core) }
        if let qemuRAM, let qmpSocket { return try QemuLiveGuest(ramFile: qemuRAM, qmpSocket: qmpSocket) }
        if let domain { return try XenDomain.open(domain) }
        throw ValidationError("name a guest: --memory CORE, --qemu-ram FILE --qmp SOCK, or --domain D")
    }
}
