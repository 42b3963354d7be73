import ArgumentParser
import DeepArc

/// Options every command accepts.
struct CommonOptions: ParsableArguments {
    @Option(help: "Output format on stdout: text for people, json for scripts.")
    var format: OutputFormat = .text

    @Option(help: "Threads for BLAS and parallel kernels (default: all cores).")
    var threads: Int?

    @Option(
        help: ArgumentHelp(
            "Matrix-product kernel: automatic (the engine's AVX-512 GEMM when OpenBLAS's kernel lacks AVX-512), avx512 or openblas.",
            valueName: "kernel"))
    var gemm: String?

    func validate() throws {
        if let threads, threads < 1 {
            throw ValidationError("--threads must be at least 1, got \(threads)")
        }
        if let gemm, GEMMKernel(rawValue: gemm) == nil {
            let choices = GEMMKernel.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--gemm must be one of \(choices), got '\(gemm)'")
        }
    }

    /// Applies the kernel and thread settings.
    func apply() {
        if let gemm, let kernel = GEMMKernel(rawValue: gemm) { GEMMKernel.select(kernel) }
        if let threads { BLAS.setThreadCount(threads) }
    }
}

/// Options of commands that read a dataset.
struct DataOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Dataset: fashion-mnist, mnist, cifar10, npz:PATH, or synthetic:KIND[,key=value…].",
            valueName: "name"))
    var dataset: String

    @Option(help: "Directory holding the dataset's files (default for fashion-mnist: /usr/share/datasets/fashion-mnist).")
    var dataDir: String?

    @Option(help: "Use only the first N samples of each split.")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
    }
}
