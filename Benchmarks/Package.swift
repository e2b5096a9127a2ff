// swift-tools-version: 6.2
import PackageDescription

// Nested package, as swift-nio does: the main build and `swift test` never compile the benchmarks.
// `warden` is a committed symlink to the repository root, so the dependency's identity does not
// depend on the name of the directory the repository was cloned into.
let package = Package(
    name: "WardenBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "warden"),
        .package(url: "https://github.com/google/swift-benchmark.git", from: "0.1.2"),
    ],
    targets: [
        // The C loop over the same ring.h macros that the ring benchmark compares with.
        .target(name: "RingBaseline", dependencies: [.product(name: "WardenKit", package: "warden")]),
        // Runs a program and reports its own peak RSS (see main.c for why it is a separate program).
        .executableTarget(name: "peak-rss"),
        .executableTarget(
            name: "WardenBenchmarks",
            dependencies: [
                "RingBaseline", "peak-rss",
                .product(name: "WardenKit", package: "warden"),
                .product(name: "Benchmark", package: "swift-benchmark"),
            ])
    ]
)
