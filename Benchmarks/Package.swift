// swift-tools-version:6.1
import PackageDescription

/// One package-benchmark suite: an executable target `<name>Benchmarks` built from `Benchmarks/<name>`.
func benchmarkSuite(_ name: String) -> Target {
    .executableTarget(
        name: "\(name)Benchmarks",
        dependencies: [
            .product(name: "Benchmark", package: "package-benchmark"),
            .product(name: "DeepArc", package: "DeepArc"),
        ],
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
    )
}

// Benchmarks live in their own package so the library never depends on package-benchmark.
// Run: cd Benchmarks && swift package benchmark
let package = Package(
    name: "DeepArcBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "DeepArc", path: "../"),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.29.0", traits: ["MallocInterposer"]),
    ],
    targets: ["Tensor", "Training", "Similarity"].map(benchmarkSuite)
)
