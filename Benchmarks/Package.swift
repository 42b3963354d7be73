// swift-tools-version:6.1
import PackageDescription

// Benchmarks live in their own package so the library never depends on package-benchmark.
// Run: cd Benchmarks && swift package benchmark
let package = Package(
    name: "DeepArcBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "DeepArc", path: "../"),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.29.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "TensorBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "DeepArc", package: "DeepArc"),
            ],
            path: "Benchmarks/Tensor",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "TrainingBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "DeepArc", package: "DeepArc"),
            ],
            path: "Benchmarks/Training",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "SimilarityBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "DeepArc", package: "DeepArc"),
            ],
            path: "Benchmarks/Similarity",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
