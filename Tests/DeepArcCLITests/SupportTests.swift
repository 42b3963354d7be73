import DeepArcTestKit
import DeepArc
import DeepArcCLI
import Foundation
import Testing

/// The command-line helpers, in process: option parsing and the file loaders' checks.
@Suite("CLI support")
struct SupportTests {
    // MARK: - --option key=value

    @Test(
        "option values: JSON literals, plain numbers, bare strings",
        arguments: [
            ("threshold=0.95", "threshold", ConfigValue.number(0.95)),
            ("criterion=link", "criterion", .string("link")),
            ("debiased=true", "debiased", .bool(true)),
            ("batchSize=256", "batchSize", .number(256)),
            ("epsilon=1e-9", "epsilon", .number(1e-9)),
            ("fraction=.5", "fraction", .number(0.5)),
            ("name=\"0.5\"", "name", .string("0.5")),
            ("layers=[1, 2]", "layers", .array([.number(1), .number(2)])),
            ("nested={\"a\": null}", "nested", .object(["a": .null])),
            ("path=a=b", "path", .string("a=b")),
        ])
    func optionValue(argument: String, key: String, expected: ConfigValue) throws {
        #expect(try OptionParsing.parse([argument]) == .object([key: expected]))
    }

    @Test("no --option gives nil (the strategy's defaults)")
    func noOptions() throws {
        #expect(try OptionParsing.parse([]) == nil)
    }

    @Test(
        "malformed --option arguments are errors naming them",
        arguments: [
            (["criterion"], "key=value"), (["=1"], "empty"), (["a=1", "a=2"], "more than once"),
            (["x=nan"], "finite"), (["x=[1,"], "JSON"),
        ])
    func badOption(arguments: [String], fragment: String) {
        do {
            _ = try OptionParsing.parse(arguments)
            Issue.record("\(arguments) was accepted")
        } catch {
            #expect(String(describing: error).contains(fragment), "\(error)")
        }
    }

    // MARK: - Activations

    @Test("activations are flattened per sample to [m, d], in the given order")
    func flatten() throws {
        let layers = try ActivationLoader.check(
            [("b", Tensor(zeros: [4, 2, 3])), ("a", Tensor(zeros: [4])), ("c", Tensor(zeros: [4, 5]))], path: "f.npz")
        #expect(layers.map(\.name) == ["b", "a", "c"])
        #expect(layers.map(\.activations.shape) == [[4, 6], [4, 1], [4, 5]])
    }

    @Test(
        "bad activations name the file and layer",
        arguments: [
            ([[4, 3], [5, 3]], nil, ["f.npz", "'l1'", "index 1", "5 samples", "4"]),
            ([[4, 3], [4, 0]], nil, ["f.npz", "'l1'", "no features"]),
            ([[0, 3]], nil, ["f.npz", "'l0'", "no samples"]),
            ([[4, 3], [4, 2]], Float.infinity, ["f.npz", "'l1'", "infinite", "sample 1, feature 1"]),
            ([[4, 3], [4, 2]], Float.nan, ["f.npz", "'l1'", "NaN", "sample 1, feature 1"]),
            ([], nil, ["f.npz", "no arrays"]),
        ] as [([[Int]], Float?, [String])])
    func badActivations(shapes: [[Int]], poison: Float?, fragments: [String]) throws {
        var layers: [(name: String, tensor: Tensor)] = []
        for (index, shape) in shapes.enumerated() {
            var tensor = Tensor(zeros: shape)
            if let poison, index == 1 {
                tensor.withUnsafeMutableBufferPointer { $0[3] = poison }  // flat 3 = sample 1, feature 1 of [4, 2]
            }
            layers.append(("l\(index)", tensor))
        }
        do {
            _ = try ActivationLoader.check(layers, path: "f.npz")
            Issue.record("accepted \(shapes)")
        } catch {
            for fragment in fragments { #expect(String(describing: error).contains(fragment), "\(error)") }
        }
    }

    @Test("a file that is neither npz nor safetensors is an error naming it")
    func garbageActivations() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data("not an archive".utf8).write(to: directory.url.appendingPathComponent("acts.npz"))
        #expect(throws: (any Error).self) { try ActivationLoader.load(directory.path("acts.npz")) }
        do {
            _ = try ActivationLoader.load(directory.path("acts.npz"))
        } catch {
            #expect(String(describing: error).contains("acts.npz"))
        }
    }

    // MARK: - Matrices

    @Test("matrix files: float .npy and JSON with nulls load; other element types and shapes do not")
    func matrices() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let float32 = try NPYArray(tensor: Tensor(shape: [2, 2], scalars: [1, 0.25, 0.25, 1]))
        try float32.write(to: directory.path("m.npy"))
        let loaded = try MatrixLoader.load(directory.path("m.npy"))
        #expect(loaded.matrix.values == [1, 0.25, 0.25, 1])

        try Data(#"[[1, null], [null, 1]]"#.utf8).write(to: directory.url.appendingPathComponent("m.json"))
        let json = try MatrixLoader.load(directory.path("m.json"))
        #expect(json.matrix[0, 1].isNaN && json.matrix[1, 0].isNaN && json.matrix[0, 0] == 1)

        try NPYArray(integers: [1, 0, 0, 1], shape: [2, 2]).write(to: directory.path("int.npy"))
        try NPYArray(tensor: Tensor(zeros: [2, 2, 2])).write(to: directory.path("cube.npy"))
        for (name, fragment) in [("int.npy", "float32 or float64"), ("cube.npy", "2-D")] {
            do {
                _ = try MatrixLoader.load(directory.path(name))
                Issue.record("\(name) was accepted")
            } catch {
                #expect(String(describing: error).contains(fragment), "\(error)")
                #expect(String(describing: error).contains(name), "\(error)")
            }
        }
    }
}
