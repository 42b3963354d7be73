import DeepArcCore
import DeepArcData
import DeepArcDeviation
import DeepArcNN
import DeepArcTensor
import Foundation
import Testing

@Suite("Re-adaption pipeline")
struct ReadapterTests {
    @Test("enhancement: locate, retrain modular and full, report Table III's columns")
    func enhancement() throws {
        let (model, train, test) = try trainedMLP()
        let data = try pairedData(train.prefix(128), noise: 1.5)
        let readapter = try Readapter(
            measure: ExplicitDeviation(options: .init()), options: quickOptions(epochs: 3, batchSize: 32))
        let result = try readapter.run(
            .enhancement, model: model, moduleUnits: [[0], [1], [2]], data: data, test: test)
        let report = result.report
        let ranking = try #require(report.ranking)
        #expect(report.scope.modules == ranking.critical)
        #expect(report.accuracyBefore.new == (try accuracy(of: model, on: data.new)))
        #expect(report.accuracyBefore.test == (try accuracy(of: model, on: test)))
        #expect(report.accuracyBeforeTable == report.accuracyBefore.new)
        #expect(report.modular.accuracyAfter.new == (try accuracy(of: result.modularModel, on: data.new)))
        let full = try #require(report.full)
        let fullModel = try #require(result.fullModel)
        #expect(full.accuracyAfter.test == (try accuracy(of: fullModel, on: test)))
        #expect(report.modular.trainedParameterCount == 72)
        #expect(full.trainedParameterCount == model.parameterCount)
        #expect(report.modular.seconds > 0 && full.seconds > 0)
        #expect(report.sampleCounts == ["original": 128, "new": 128, "test": test.count])

        let json = try JSONEncoder().encode(report)
        #expect(try JSONDecoder().decode(ReadaptionReport.self, from: json) == report)
    }

    @Test("repair: D′ is what the mutant gets wrong; Table III's before is on D")
    func repair() throws {
        let (model, train, test) = try trainedMLP()
        // A 10% drop keeps at least two correctly predicted samples in every class (the Gaussians need them).
        let mutant = try RepairMutator(options: .init(targetDrop: 0.1, seed: 2)).mutate(model, evaluatingOn: train)
        let predictions = try mutant.model(train.images).argmaxRows()
        let wrong = (0..<train.count).filter { predictions[$0] != train.labels[$0] }
        let data = try ReadaptionData(original: train, new: train.subset(wrong))
        // The default recipe (β = 0.05 for the Gaussian measure).
        let readapter = try Readapter(
            measure: GaussianDeviation(options: .init()), options: quickOptions(epochs: 5, batchSize: 32))
        let result = try readapter.run(
            .repair, model: mutant.model, moduleUnits: [[0], [1], [2]], data: data, test: test)
        let report = result.report
        #expect(report.accuracyBefore.new == 0)
        #expect(report.accuracyBeforeTable == report.accuracyBefore.original)
        #expect(report.modular.accuracyAfter.new > 0)
        #expect(report.modular.accuracyAfter.original > report.accuracyBefore.original)
        #expect(report.modular.run.beta == ModularRetrainer.Options.labelConditionedBeta)
    }
}
