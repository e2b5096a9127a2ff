import Foundation

/// The Debian kernel lines the tests boot. Which exact build is whatever scripts/setup fetched last.
enum KernelSeries: String, Sendable, CustomStringConvertible {
    case linux6_1 = "6.1"
    case linux6_12 = "6.12"
    /// The cloud flavour of 6.1: its bzImage payload is lz4 (CONFIG_KERNEL_LZ4), and it has no minix module.
    case linux6_1Cloud = "6.1 cloud"

    /// Matches the unpacked package directories under .cache/kernels/.
    var packagePattern: String {
        switch self {
        case .linux6_1: #"^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$"#
        case .linux6_12: #"^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$"#
        case .linux6_1Cloud: #"^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$"#
        }
    }

    /// Whether the guest loads fs/minix for module symbols (the cloud flavour does not build it).
    var loadsMinixModule: Bool { self != .linux6_1Cloud }

    var description: String { "Debian \(rawValue)" }
}

/// One unpacked Debian kernel package: the bootable image and a module to load in the guest.
struct DebianKernel: Sendable {
    let package: String
    let vmlinuz: URL
    /// fs/minix has no dependencies, so busybox insmod can load it alone; it gives kallsyms `[minix]`
    /// lines. Nil for a series that does not load it.
    let minixModule: URL?

    /// The highest-versioned package of `series` under .cache/kernels/.
    static func newest(_ series: KernelSeries) throws -> DebianKernel {
        let fileManager = FileManager.default
        let directory = IntegrationEnvironment.kernelsDirectory
        let names = (try? fileManager.contentsOfDirectory(atPath: directory.path)) ?? []
        let candidates = names.filter { $0.range(of: series.packagePattern, options: .regularExpression) != nil }
            .sorted { $0.compare($1, options: .numeric) == .orderedDescending }
        for package in candidates {
            let root = directory.appending(path: package)
            guard
                let image = try? fileManager.contentsOfDirectory(atPath: root.appending(path: "boot").path)
                    .first(where: { $0.hasPrefix("vmlinuz-") }),
                let release = try? fileManager.contentsOfDirectory(atPath: root.appending(path: "lib/modules").path).first
            else { continue }
            let moduleBase = root.appending(path: "lib/modules/\(release)/kernel/fs/minix/minix.ko")
            let module = [moduleBase, moduleBase.appendingPathExtension("xz")]
                .first { fileManager.fileExists(atPath: $0.path) }
            guard module != nil || !series.loadsMinixModule else { continue }
            return DebianKernel(package: package, vmlinuz: root.appending(path: "boot/\(image)"), minixModule: module)
        }
        throw HarnessError.file("no unpacked \(series) kernel package in \(directory.path)")
    }
}

/// How one guest is booted. Each configuration stresses a different part of Warden's address
/// translation and kernel location.
struct GuestConfiguration: Sendable, CustomStringConvertible {
    let name: String
    let kernelSeries: KernelSeries
    let memoryMiB: Int
    /// The QEMU CPU model decides the paging depth (`max` has LA57 under TCG) and, through the
    /// vendor, whether the kernel turns on page-table isolation (Intel: yes, AMD: no).
    let cpuModel: String
    let expectsFiveLevelPaging: Bool

    var description: String { "\(name) (\(kernelSeries), \(memoryMiB) MiB, -cpu \(cpuModel))" }

    /// (a) The common case: KASLR, 4-level paging, small guest; the Intel vendor turns on PTI, so
    /// the guest runs with the split user/kernel page tables that Xen guests on Intel have.
    static let kaslrFourLevel = GuestConfiguration(
        name: "kaslr-4level", kernelSeries: .linux6_1, memoryMiB: 512,
        cpuModel: "qemu64,vendor=GenuineIntel", expectsFiveLevelPaging: false)

    /// (b) 5-level paging: Debian kernels enable it at boot when the CPU has LA57.
    static let fiveLevel = GuestConfiguration(
        name: "5level", kernelSeries: .linux6_1, memoryMiB: 1024, cpuModel: "max", expectsFiveLevelPaging: true)

    /// (c) 6 GiB: the pc machine puts RAM past 3 GiB at 4 GiB and up, while the RAM file stays
    /// contiguous, so physical address and file offset part ways; KASLR may load the kernel up there.
    static let largeMemory = GuestConfiguration(
        name: "6gib", kernelSeries: .linux6_1, memoryMiB: 6144,
        cpuModel: "qemu64,vendor=GenuineIntel", expectsFiveLevelPaging: false)

    /// (d) The 6.12 kernel (newer kallsyms and page-table code), with 5-level paging.
    static let kernel612 = GuestConfiguration(
        name: "6.12-5level", kernelSeries: .linux6_12, memoryMiB: 1024, cpuModel: "max", expectsFiveLevelPaging: true)

    /// (e) Debian's cloud kernel, whose image Warden unpacks with liblz4 (kallsyms-finder cannot).
    static let cloudKernel = GuestConfiguration(
        name: "6.1-cloud", kernelSeries: .linux6_1Cloud, memoryMiB: 512,
        cpuModel: "qemu64,vendor=GenuineIntel", expectsFiveLevelPaging: false)
}
