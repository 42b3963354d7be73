import DeepArcCore
import Foundation
import Testing

@Suite("Partition")
struct PartitionTests {
    @Test func validPartitionsAgreeAcrossInitialisers() throws {
        let byRanges = try Partition(modules: [0...0, 1...3, 4...4])
        let byLayers = try Partition(layers: [[0], [1, 2, 3], [4]])
        let byStarts = try Partition(moduleStarts: [0, 1, 4], layerCount: 5)
        #expect(byRanges == byLayers)
        #expect(byRanges == byStarts)
        #expect(byRanges.layerCount == 5)
        #expect(byRanges.moduleCount == 3)
        #expect(byRanges.moduleStarts == [0, 1, 4])
        #expect(byRanges.layerLists == [[0], [1, 2, 3], [4]])
        #expect(byRanges.description == "[[0], [1…3], [4]]")
        #expect(Partition.singletons(layerCount: 3) == (try Partition(layers: [[0], [1], [2]])))
        #expect(Partition.whole(layerCount: 3) == (try Partition(layers: [[0, 1, 2]])))
    }

    @Test func moduleLookup() throws {
        let p = try Partition(layers: [[0], [1, 2, 3], [4, 5]])
        #expect((0..<6).map { p.module(containing: $0) } == [0, 1, 1, 1, 2, 2])
        #expect(p.module(containing: -1) == nil)
        #expect(p.module(containing: 6) == nil)
        #expect(p.sameModule(1, 3))
        #expect(!p.sameModule(3, 4))
    }

    @Test(arguments: [
        [ClosedRange<Int>](),
        [1...2],
        [0...1, 3...4],
        [0...2, 2...3],
    ])
    func invalidRangesAreRejected(modules: [ClosedRange<Int>]) {
        #expect(throws: DeepArcError.self) { try Partition(modules: modules) }
    }

    @Test func invalidLayerListsNameTheProblem() {
        #expect(throws: DeepArcError.invalidPartition(reason: "module 1 is empty")) {
            try Partition(layers: [[0], []])
        }
        #expect(
            throws: DeepArcError.invalidPartition(
                reason: "module 0 [0, 2] is not a run of consecutive increasing layers")
        ) {
            try Partition(layers: [[0, 2]])
        }
        #expect(
            throws: DeepArcError.invalidPartition(
                reason: "module 1 starts at layer 3; it must start at layer 2, right after module 0")
        ) {
            try Partition(layers: [[0, 1], [3]])
        }
        #expect(throws: DeepArcError.self) { try Partition(layers: [[1, 0]]) }
        #expect(throws: DeepArcError.self) { try Partition(moduleStarts: [0, 2, 2], layerCount: 4) }
        #expect(throws: DeepArcError.self) { try Partition(moduleStarts: [0, 4], layerCount: 4) }
        #expect(throws: DeepArcError.self) { try Partition(moduleStarts: [1], layerCount: 4) }
        #expect(throws: DeepArcError.self) { try Partition(moduleStarts: [0], layerCount: 0) }
    }

    @Test func jsonFormIsListOfLayerLists() throws {
        let p = try Partition(layers: [[0], [1, 2, 3], [4]])
        let json = String(decoding: try JSONEncoder().encode(p), as: UTF8.self)
        #expect(json == "[[0],[1,2,3],[4]]")
        #expect(try JSONDecoder().decode(Partition.self, from: Data(json.utf8)) == p)
    }

    @Test func invalidJSONIsADeepArcError() {
        #expect(throws: DeepArcError.self) { try JSONDecoder().decode(Partition.self, from: Data("[[0],[2]]".utf8)) }
        #expect(throws: DeepArcError.self) { try JSONDecoder().decode(Partition.self, from: Data("[]".utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Partition.self, from: Data("[[0.5]]".utf8)) }
    }
}
