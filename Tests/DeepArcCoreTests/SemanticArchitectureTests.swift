import DeepArcCore
import DeepArcTestKit
import Foundation
import Testing

@Suite("SemanticArchitecture")
struct SemanticArchitectureTests {
    /// Links S[k][k+1] = 0.5, 0.9, 0.8, 0.7, 1.0, 0.6 (n = 7); other entries 0.25.
    static let links = [0.5, 0.9, 0.8, 0.7, 1.0, 0.6]

    static func matrix(links: [Double] = links, filler: Double = 0.25) -> SimilarityMatrix {
        let n = links.count + 1
        var rows = [[Double]](repeating: [Double](repeating: filler, count: n), count: n)
        for i in 0..<n { rows[i][i] = 1 }
        for (k, link) in links.enumerated() {
            rows[k][k + 1] = link
            rows[k + 1][k] = link
        }
        return RandomMatrices.matrix(rows: rows)
    }

    @Test func simmodModularityAndLayersByHand() throws {
        let partition = try Partition(layers: [[0], [1, 2, 3], [4], [5, 6]])
        let a = try SemanticArchitecture(partition: partition, matrix: Self.matrix(), threshold: 0.75)
        // [1…3]: (S12 + S23) / 2 = (0.9 + 0.8) / 2; [5, 6]: S56 = 0.6; single-layer modules: 0.
        #expect(a.modules.map(\.simmod) == [0, (0.9 + 0.8) / 2, 0, 0.6])
        #expect(a.modules.map(\.isMultiLayer) == [false, true, false, true])
        #expect(a.modularity == 5.0 / 7.0)
        #expect(a.moduleCount == 4)
        #expect(a.interfaceLayers == [0, 1, 4, 5])
        #expect(a.intraModuleLayers == [2, 3, 6])
        // Most redundant module first ([1…3], simmod 0.85), each from its last layer to its second.
        #expect(a.removalOrder == [3, 2, 6])
        #expect(a.duplicationOrder == [3, 2, 6])
    }

    @Test func equalSimmodsKeepModuleOrderAndNaNComesLast() throws {
        // Links: 0.9 | 0.2 | 0.9 | NaN-module [4…5] via NaN link | 0.2 | [7, 8] 0.9.
        let m = Self.matrix(links: [0.9, 0.2, 0.9, 0.2, .nan, 0.2, 0.9, 0.95], filler: 0.1)
        let partition = try Partition(layers: [[0, 1], [2, 3], [4, 5], [6, 7, 8]])
        let a = try SemanticArchitecture(partition: partition, matrix: m, threshold: 0.5)
        #expect(a.modules[2].simmod.isNaN)
        #expect(a.modulesByRedundancy.map(\.index) == [3, 0, 1, 2])
        #expect(a.removalOrder == [8, 7, 1, 3, 5])
    }

    @Test func allSingleLayerModulesHaveZeroModularity() throws {
        let a = try SemanticArchitecture(partition: .singletons(layerCount: 7), matrix: Self.matrix(), threshold: 0.99)
        #expect(a.modularity == 0)
        #expect(a.removalOrder.isEmpty)
        #expect(a.interfaceLayers == Array(0..<7))
    }

    @Test func mismatchedSizesAndBadThresholdsThrow() throws {
        #expect(throws: DeepArcError.invalidPartition(reason: "the partition covers 3 layers but the matrix has 7")) {
            try SemanticArchitecture(partition: .whole(layerCount: 3), matrix: Self.matrix(), threshold: 0.9)
        }
        #expect(throws: DeepArcError.self) {
            try SemanticArchitecture(partition: .whole(layerCount: 7), matrix: Self.matrix(), threshold: 0)
        }
    }

    @Test func jsonRoundTripWithNaN() throws {
        let m = Self.matrix(links: [0.9, .nan, 0.95])
        let a = try SemanticArchitecture(
            partition: try Partition(layers: [[0, 1], [2, 3]]), matrix: m, threshold: 0.9)
        let data = try JSONEncoder().encode(a)
        let decoded = try JSONDecoder().decode(SemanticArchitecture.self, from: data)
        #expect(decoded.partition == a.partition)
        #expect(decoded.threshold == 0.9)
        #expect(decoded.matrix.values.map(\.bitPattern) == m.values.map(\.bitPattern))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["moduleCount"] as? Int == 2)
        #expect(object["removalOrder"] as? [Int] == [3, 1])
        let rows = try #require(object["similarity"] as? [[Any]])
        #expect(rows[1][2] is NSNull)
    }
}
