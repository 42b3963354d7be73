// swift-tools-version:6.1
import PackageDescription

// DeepArc for Swift. Dependency direction (one way):
// COpenBLAS, CDeepArcKernels ← DeepArcTensor ← DeepArcNN ← DeepArcData / DeepArcCore ← strategy targets (Plugins/)
//   ← DeepArc (umbrella) ← DeepArcCLI ← deeparc
let package = Package(
    name: "DeepArc",
    products: [
        .library(name: "DeepArcTensor", targets: ["DeepArcTensor"]),
        .library(name: "DeepArcNN", targets: ["DeepArcNN"]),
        .library(name: "DeepArcData", targets: ["DeepArcData"]),
        .library(name: "DeepArcCore", targets: ["DeepArcCore"]),
        .library(name: "DeepArcCKA", targets: ["DeepArcCKA"]),
        .library(name: "DeepArcGreedy", targets: ["DeepArcGreedy"]),
        .library(name: "DeepArcDP", targets: ["DeepArcDP"]),
        .library(name: "DeepArcPruning", targets: ["DeepArcPruning"]),
        .library(name: "DeepArcDeviation", targets: ["DeepArcDeviation"]),
        .library(name: "DeepArcAttacks", targets: ["DeepArcAttacks"]),
        .library(name: "DeepArc", targets: ["DeepArc"]),
        .library(name: "DeepArcTestKit", targets: ["DeepArcTestKit"]),
        .library(name: "DeepArcCLI", targets: ["DeepArcCLI"]),
        .executable(name: "deeparc", targets: ["deeparc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // MARK: - System libraries
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),

        // MARK: - Engine
        .target(name: "CDeepArcKernels", linkerSettings: [.linkedLibrary("m"), .linkedLibrary("pthread")]),
        .target(name: "DeepArcTensor", dependencies: ["COpenBLAS", "CDeepArcKernels"]),
        .target(name: "DeepArcNN", dependencies: ["DeepArcTensor"]),
        .target(name: "DeepArcData", dependencies: ["DeepArcTensor", "CZlib"]),

        // MARK: - DeepArc core, strategies, umbrella
        .target(name: "DeepArcCore", dependencies: ["DeepArcTensor", "DeepArcNN", "DeepArcData"]),
        .target(name: "DeepArcCKA", dependencies: ["DeepArcCore", "DeepArcTensor"], path: "Plugins/DeepArcCKA"),
        .target(name: "DeepArcGreedy", dependencies: ["DeepArcCore"], path: "Plugins/DeepArcGreedy"),
        .target(name: "DeepArcDP", dependencies: ["DeepArcCore"], path: "Plugins/DeepArcDP"),
        .target(name: "DeepArcPruning", dependencies: ["DeepArcCore", "DeepArcTensor"], path: "Plugins/DeepArcPruning"),
        .target(
            name: "DeepArcAttacks", dependencies: ["DeepArcCore", "DeepArcNN", "DeepArcTensor"],
            path: "Plugins/DeepArcAttacks"),
        .target(
            name: "DeepArcDeviation", dependencies: ["DeepArcCore", "DeepArcTensor"], path: "Plugins/DeepArcDeviation"),
        .target(
            name: "DeepArc",
            dependencies: [
                "DeepArcCore", "DeepArcTensor", "DeepArcNN", "DeepArcData",
                "DeepArcCKA", "DeepArcGreedy", "DeepArcDP", "DeepArcPruning", "DeepArcDeviation", "DeepArcAttacks",
            ]
        ),
        .target(name: "DeepArcTestKit", dependencies: ["DeepArcCore", "DeepArcTensor", "DeepArcNN"]),

        // MARK: - Command line
        .target(
            name: "DeepArcCLI",
            dependencies: [
                "DeepArc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(name: "deeparc", dependencies: ["DeepArcCLI"]),

        // MARK: - Examples (built by `swift build`, so they cannot go stale)
        .executableTarget(name: "ComposePipeline", dependencies: ["DeepArc"], path: "Examples/ComposePipeline"),
        .executableTarget(
            name: "CustomStrategy", dependencies: ["DeepArcCore", "DeepArcTensor", "DeepArc", "DeepArcCLI"],
            path: "Examples/CustomStrategy"),

        // MARK: - Tests
        .testTarget(
            name: "DeepArcTensorTests", dependencies: ["DeepArcTensor", "DeepArcTestKit"], exclude: ["Fixtures"]),
        .testTarget(name: "DeepArcNNTests", dependencies: ["DeepArcNN", "DeepArcTensor", "DeepArcTestKit"]),
        .testTarget(
            name: "DeepArcDataTests", dependencies: ["DeepArcData", "DeepArcTensor", "DeepArcTestKit"], exclude: ["Fixtures"]),
        .testTarget(name: "DeepArcCoreTests", dependencies: ["DeepArcCore", "DeepArcNN", "DeepArcTensor", "DeepArcTestKit"]),
        .testTarget(name: "DeepArcCKATests", dependencies: ["DeepArcCKA", "DeepArcCore", "DeepArcTestKit"]),
        .testTarget(name: "DeepArcPartitionerTests", dependencies: ["DeepArcGreedy", "DeepArcDP", "DeepArcCore", "DeepArcTestKit"]),
        .testTarget(
            name: "DeepArcAttacksTests",
            dependencies: ["DeepArcAttacks", "DeepArcCore", "DeepArcNN", "DeepArcTensor", "DeepArcTestKit"]),
        .testTarget(
            name: "DeepArcReadaptionTests",
            dependencies: ["DeepArcCore", "DeepArcNN", "DeepArcTensor", "DeepArcData", "DeepArcDeviation"]),
        .testTarget(
            name: "DeepArcRestructureTests",
            dependencies: ["DeepArcCore", "DeepArcNN", "DeepArcTensor", "DeepArcData", "DeepArcPruning"]),
        .testTarget(name: "DeepArcPruningTests", dependencies: ["DeepArcPruning", "DeepArcCore", "DeepArcTestKit"]),
        .testTarget(
            name: "DeepArcDeviationTests", dependencies: ["DeepArcDeviation", "DeepArcCore", "DeepArcTensor", "DeepArcTestKit"]),
        .testTarget(
            name: "DeepArcCLITests",
            dependencies: [
                "DeepArcCLI", "deeparc", "DeepArc", "DeepArcTestKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ]
)

// Strict settings for every target (as swift-log does): explicit existentials, imports that say
// what they expose, Swift 6 language mode.
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
package.swiftLanguageModes = [.v6]
