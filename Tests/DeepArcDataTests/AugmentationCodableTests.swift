import DeepArcData
import Foundation
import Testing

@Suite("Augmentation configuration")
struct AugmentationCodableTests {
    func decode(_ json: String) throws -> Augmentation {
        try JSONDecoder().decode(Augmentation.self, from: Data(json.utf8))
    }

    @Test func partialDescriptionsTakeDefaults() throws {
        #expect(try decode(#"{"padding": 2}"#) == Augmentation(padding: 2, horizontalFlip: false))
        #expect(try decode(#"{"horizontalFlip": true}"#) == Augmentation(padding: 0, horizontalFlip: true))
        #expect(try decode("{}").isIdentity)
    }

    @Test func unknownKeysAndNegativePaddingAreErrors() throws {
        #expect(throws: DataError.invalidArgument(operation: "augmentation", reason: "unknown key 'flip'; valid keys: padding, horizontalFlip")) {
            try decode(#"{"flip": true}"#)
        }
        #expect(throws: DataError.self) { try decode(#"{"padding": -1}"#) }
    }
}
