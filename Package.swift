// swift-tools-version: 6.2
import PackageDescription

// Our own targets treat warnings as errors; dependencies are left alone.
let strict: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "warden",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "warden", targets: ["warden"]),
        // For the nested Benchmarks and Fuzz packages.
        .library(
            name: "WardenKit",
            targets: [
                "WardenCore", "KernelImage", "SyntheticGuest", "XenRing", "Enforcement", "Hypervisor", "XenModel", "CAllocator",
                "CXenShims", "RingScript", "ElfReader", "GuestSources", "Alerts",
            ]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
    ],
    targets: [
        // C libraries from Debian packages, imported as system libraries (headers and constants only).
        .systemLibrary(name: "CXen", pkgConfig: "xencontrol", providers: [.apt(["libxen-dev"])]),
        .systemLibrary(name: "CElf", pkgConfig: "libelf", providers: [.apt(["libelf-dev"])]),
        .systemLibrary(
            name: "CCompression", pkgConfig: "liblzma",
            providers: [.apt(["liblzma-dev", "libzstd-dev", "zlib1g-dev", "libbz2-dev", "liblz4-dev", "liblzo2-dev"])]),

        // Pure Swift: policy, symbols, page walk, plan. No C imports.
        .target(name: "WardenCore", dependencies: [.product(name: "Yams", package: "Yams")], swiftSettings: strict),
        // libelf: symbol tables of vmlinux / .ko files and ELF core dumps.
        .target(name: "ElfReader", dependencies: ["CElf", "WardenCore"], swiftSettings: strict),
        // bzImage unpacking with the real decoders of every payload compression (liblzma, libzstd, zlib, libbz2, liblz4, liblzo2).
        .target(name: "KernelImage", dependencies: ["CCompression", "WardenCore"], swiftSettings: strict),
        // Guest memory from an ELF core or a live QEMU guest (shared RAM file + QMP).
        .target(name: "GuestSources", dependencies: ["ElfReader", "WardenCore"], swiftSettings: strict),
        // Guest memory and registers of a live Xen domain (libxenforeignmemory, libxenctrl, libxenstore).
        .target(name: "XenInterop", dependencies: ["CXen", "WardenCore", "Hypervisor"], swiftSettings: strict),
        // malloc.h (malloc_trim, mallopt), which Swift's Glibc module does not export.
        .target(name: "CAllocator"),
        // The vm_event ring macros of xen/io/ring.h, which Swift cannot import, as static-inline C.
        .target(name: "CXenShims", dependencies: ["CXen"]),
        // vm_event requests/responses as Swift values, over the real ring code (back side for Warden,
        // front side for the hypervisor model and tests).
        .target(name: "XenRing", dependencies: ["CXen", "CXenShims"], swiftSettings: strict),
        // The hypervisor boundary: Xen's primitives as one protocol (Xen backend and Xen 4.17 model).
        .target(name: "Hypervisor", dependencies: ["WardenCore"], swiftSettings: strict),
        // A model of Xen 4.17's altp2m + vm_event behaviour over a guest memory image.
        .target(
            name: "XenModel", dependencies: ["CXen", "Hypervisor", "XenRing", "XenInterop", "WardenCore", "SyntheticGuest"],
            swiftSettings: strict),
        // Xen's side of the monitor ring driven by hand (any request, malformed ones too), for the
        // hostile-request tests and the benchmarks; not linked into `warden`.
        .target(name: "RingScript", dependencies: ["CXen", "Hypervisor", "XenRing", "WardenCore"], swiftSettings: strict),
        // The controller: restricted view setup and teardown, the ring loop, decisions by policy.
        .target(name: "Enforcement", dependencies: ["CXen", "WardenCore", "Hypervisor", "XenRing", "Alerts"], swiftSettings: strict),
        // Metrics of a run: Prometheus text exposition on a local listener or as a node_exporter textfile.
        .target(name: "WardenMetrics", dependencies: ["Enforcement", "Alerts", "Hypervisor", "WardenCore"], swiftSettings: strict),
        // Alert model, text / JSON-lines rendering, RFC 5424 syslog, flood control.
        .target(name: "Alerts", dependencies: ["WardenCore"], swiftSettings: strict),
        // A generated guest (page tables + kernel image with real-layout kallsyms) for tests and the demo.
        .target(name: "SyntheticGuest", dependencies: ["WardenCore"], swiftSettings: strict),
        .executableTarget(
            name: "warden",
            dependencies: [
                "WardenCore", "ElfReader", "KernelImage", "GuestSources", "XenInterop", "SyntheticGuest",
                "Hypervisor", "Enforcement", "Alerts", "XenModel", "CAllocator", "WardenMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: strict,
            linkerSettings: [
                // Relative relocations packed (DT_RELR, glibc 2.36: Debian 12), so that the loader
                // does not page in and dirty megabytes of relocation records in the statically linked
                // release build (`--static-swift-stdlib`, README "Building for a dom0").
                .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"], .when(configuration: .release))
            ]),

        // What several test targets share (a seeded random generator, waiting for a condition on a
        // child process, a writer of Xen `xl dump-core` files); not part of any product.
        .target(name: "TestSupport", dependencies: ["CElf", "CXen", "WardenCore"], path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport"], swiftSettings: strict),
        .testTarget(name: "WardenCoreTests", dependencies: ["WardenCore", "SyntheticGuest", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ElfReaderTests", dependencies: ["ElfReader"], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "KernelImageTests", dependencies: ["KernelImage", "WardenCore", "SyntheticGuest"], swiftSettings: strict),
        .testTarget(name: "GuestSourcesTests", dependencies: ["GuestSources", "SyntheticGuest", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "WardenCLITests",
            dependencies: [
                "warden", "Enforcement", "Hypervisor", "SyntheticGuest", "WardenCore", "TestSupport", "XenModel", "Alerts",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        // Real Debian kernels booted under QEMU TCG; skipped with a reason when QEMU or the kernels are missing.
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["WardenCore", "KernelImage", "GuestSources", "warden", "TestSupport", "XenModel", "Hypervisor", "SyntheticGuest"],
            swiftSettings: strict),
        .testTarget(name: "XenRingTests", dependencies: ["XenRing", "CXen", "CXenShims", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "XenModelTests",
            dependencies: ["CXen", "XenModel", "Hypervisor", "XenRing", "XenInterop", "SyntheticGuest", "WardenCore", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "EnforcementTests",
            dependencies: [
                "Enforcement", "XenModel", "XenInterop", "Hypervisor", "XenRing", "Alerts", "SyntheticGuest", "WardenCore", "TestSupport",
                "RingScript",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "WardenMetricsTests",
            dependencies: [
                "WardenMetrics", "Enforcement", "Hypervisor", "RingScript", "XenRing", "Alerts", "SyntheticGuest", "WardenCore",
                "TestSupport",
            ],
            swiftSettings: strict),
        // The Debian package built with dpkg-buildpackage and checked unpacked; skipped with a reason
        // when dpkg-dev or debhelper is missing.
        .testTarget(name: "PackageTests", dependencies: ["TestSupport"], swiftSettings: strict),
        .testTarget(name: "AlertsTests", dependencies: ["Alerts", "WardenCore", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "XenInteropTests", dependencies: ["XenInterop", "WardenCore", "SyntheticGuest"], swiftSettings: strict),
    ]
)
