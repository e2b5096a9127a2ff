// swift-tools-version: 6.2
import PackageDescription

// Nested package, as Benchmarks is: the main build never compiles the fuzzers (the suite runs them
// through `scripts/fuzz`, FuzzCorpusTests). Built by `scripts/fuzz`, whose sanitizer flags instrument
// every module, Warden's too, for coverage and AddressSanitizer, and link libFuzzer, whose `main`
// drives each target's `LLVMFuzzerTestOneInput`. `warden` is a committed symlink to the repository root.
let targets = [
    "fuzz-kallsyms", "fuzz-page-walk", "fuzz-guest-kernel", "fuzz-elf-core", "fuzz-kernel-image", "fuzz-policy",
    "fuzz-vm-event", "fuzz-qmp", "fuzz-hmp-text", "fuzz-symbol-file",
]

let package = Package(
    name: "WardenFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "warden")],
    targets: [
        // What the fuzz targets share: reading an input as fields, guest memory over bytes, seeds.
        .target(name: "FuzzSupport", dependencies: [.product(name: "WardenKit", package: "warden")]),
    ]
        + targets.map { name in
            .executableTarget(
                name: name, dependencies: ["FuzzSupport", .product(name: "WardenKit", package: "warden")])
        }
)
