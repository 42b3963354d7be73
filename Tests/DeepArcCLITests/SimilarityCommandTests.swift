import DeepArcTestKit
import DeepArc
import Foundation
import Testing

/// `deeparc similarity` end to end on the built executable.
///
/// The tests that compute a matrix need the default metric `cka.linear` (the DeepArcCKA pack); they
/// are enabled when the executable's registry lists it.
@Suite("deeparc similarity")
struct SimilarityCommandTests {
    static let samples = 6
    /// A [6, 2, 3] layer with distinct values.
    static let conv: [Float] = (0..<36).map { Float(sin(Double($0) * 1.7) + 0.1 * Double($0 % 5)) }
    /// Two one-feature layers: linear CKA of one-feature layers is the squared Pearson correlation.
    static let x: [Float] = [0.5, -1.25, 2, 0.75, 3.5, -0.5]
    static let y: [Float] = [1, 0.25, 1.5, -2, 2.5, 0.5]

    /// r² of `x` and `y`, computed in Double from the definition.
    static var pearsonSquared: Double {
        let a = x.map(Double.init)
        let b = y.map(Double.init)
        let meanA = a.reduce(0, +) / Double(a.count)
        let meanB = b.reduce(0, +) / Double(b.count)
        let covariance = zip(a, b).reduce(0) { $0 + ($1.0 - meanA) * ($1.1 - meanB) }
        let varianceA = a.reduce(0) { $0 + ($1 - meanA) * ($1 - meanA) }
        let varianceB = b.reduce(0) { $0 + ($1 - meanB) * ($1 - meanB) }
        return covariance * covariance / (varianceA * varianceB)
    }

    static let hasLinearCKA = CLI.hasSimilarityMetric("cka.linear")

    static func tensor(_ shape: [Int], _ values: [Float]) throws -> Tensor {
        try Tensor(shape: shape, scalars: values)
    }

    /// Writes an .npz with the given arrays, in this order.
    static func writeNPZ(_ arrays: [(String, Tensor)], to path: String) throws {
        try NPZArchive(entries: arrays.map { NPZArchive.Entry(name: $0.0, array: NPYArray(tensor: $0.1)) }).write(
            to: path)
    }

    @Test(
        "npz: identical layers → 1, a constant layer → a null row and degenerate, 1-feature layers → r²",
        .enabled(if: hasLinearCKA, "needs cka.linear (DeepArcCKA)"))
    func npz() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("acts.npz")
        try Self.writeNPZ(
            [
                ("z_first", try Self.tensor([6, 2, 3], Self.conv)),
                ("a_copy", try Self.tensor([6, 2, 3], Self.conv)),
                ("m_const", Tensor(repeating: 3, shape: [6, 4])),
                ("b_x", try Self.tensor([6], Self.x)),
                ("c_y", try Self.tensor([6, 1], Self.y)),
            ], to: path)
        let result = try CLI.run(["similarity", "--activations", path, "--format", "json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try result.jsonObject()
        #expect(Set(object.keys) == ["metric", "layers", "matrix", "degenerate"])
        #expect(object["metric"] as? String == "cka.linear")
        #expect(object["layers"] as? [String] == ["z_first", "a_copy", "m_const", "b_x", "c_y"])
        #expect(object["degenerate"] as? [Bool] == [false, false, true, false, false])
        let rows = try #require(object["matrix"] as? [[Any]])
        #expect(rows.count == 5 && rows.allSatisfy { $0.count == 5 })
        func value(_ i: Int, _ j: Int) -> Double? { rows[i][j] as? Double }
        for i in [0, 1, 3, 4] { #expect(abs((value(i, i) ?? 0) - 1) < 1e-5) }
        #expect(abs((value(0, 1) ?? 0) - 1) < 1e-5)
        #expect(abs((value(3, 4) ?? 0) - Self.pearsonSquared) < 1e-5)
        for k in 0..<5 {
            #expect(rows[2][k] is NSNull, "row of the constant layer: \(rows[2][k])")
            #expect(rows[k][2] is NSNull, "column of the constant layer: \(rows[k][2])")
        }
        for i in 0..<5 where i != 2 {
            for j in 0..<5 where j != 2 { #expect(value(i, j) == value(j, i)) }
        }
    }

    @Test("safetensors: layer order is the data order", .enabled(if: hasLinearCKA, "needs cka.linear (DeepArcCKA)"))
    func safetensors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("acts.safetensors")
        var archive = SafeTensorsArchive()
        try archive.append(try Self.tensor([6, 1], Self.x), named: "zeta")
        try archive.append(try Self.tensor([6, 1], Self.y), named: "alpha")
        try archive.write(to: path)
        let result = try CLI.run(["similarity", "--activations", path, "--format", "json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try result.jsonObject()
        #expect(object["layers"] as? [String] == ["zeta", "alpha"])
        let rows = try #require(object["matrix"] as? [[Double]])
        #expect(abs(rows[0][1] - Self.pearsonSquared) < 1e-5)
    }

    @Test("text output: a table with the layer names", .enabled(if: hasLinearCKA, "needs cka.linear (DeepArcCKA)"))
    func text() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("acts.npz")
        try Self.writeNPZ(
            [("first", try Self.tensor([6], Self.x)), ("second", try Self.tensor([6], Self.y))], to: path)
        let result = try CLI.run(["similarity", "--activations", path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("first") && result.stdout.contains("second"))
        #expect(result.stdout.contains("1.00"))
    }

    // MARK: - Errors

    @Test("unknown metric: the error lists the available ones")
    func unknownMetric() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("acts.npz")
        try Self.writeNPZ([("a", try Self.tensor([6], Self.x))], to: path)
        let result = try CLI.run(["similarity", "--activations", path, "--metric", "nope"])
        CLI.expectFailure(result, mentioning: ["unknown similarity metric 'nope'", "available:"])
    }

    @Test("missing file")
    func missingFile() throws {
        let result = try CLI.run(["similarity", "--activations", "/nonexistent/acts.npz"])
        CLI.expectFailure(result, mentioning: ["/nonexistent/acts.npz", "no such file"])
    }

    @Test("bad activations name the file and layer", .enabled(if: hasLinearCKA, "needs cka.linear (DeepArcCKA)"))
    func badActivations() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var withNaN = Self.x
        withNaN[4] = .nan
        let cases: [(String, [(String, Tensor)], [String])] = [
            (
                "counts.npz", [("a", try Self.tensor([6], Self.x)), ("b", try Self.tensor([3, 2], Self.x))],
                ["counts.npz", "'b'", "3 samples", "6"]
            ),
            (
                "nan.npz", [("a", try Self.tensor([6], Self.x)), ("b", try Self.tensor([6], withNaN))],
                ["nan.npz", "'b'", "NaN", "sample 4"]
            ),
            ("empty.npz", [], ["empty.npz", "no arrays"]),
        ]
        for (name, arrays, fragments) in cases {
            try Self.writeNPZ(arrays, to: directory.path(name))
            let result = try CLI.run(["similarity", "--activations", directory.path(name)])
            CLI.expectFailure(result, mentioning: fragments)
        }
    }

    @Test("misspelt metric option", .enabled(if: hasLinearCKA, "needs cka.linear (DeepArcCKA)"))
    func misspeltOption() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("acts.npz")
        try Self.writeNPZ([("a", try Self.tensor([6], Self.x))], to: path)
        let result = try CLI.run(["similarity", "--activations", path, "--option", "memoryBudgettt=1"])
        CLI.expectFailure(result, mentioning: ["cka.linear", "memoryBudgettt", "unknown option"])
    }
}
