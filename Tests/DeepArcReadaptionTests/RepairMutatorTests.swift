import DeepArcCore
import DeepArcData
import DeepArcNN
import DeepArcTensor
import Testing

@Suite("Repair mutants")
struct RepairMutatorTests {
    @Test("the mutant's training accuracy drops by the target ± 2 points", arguments: [0.1, 0.3, 0.5])
    func reachesTarget(drop: Double) throws {
        let (model, trainSet, _) = try trainedMLP()
        let before = snapshot(model)
        let original = try accuracy(of: model, on: trainSet)
        let mutant = try RepairMutator(options: .init(targetDrop: drop, seed: 7)).mutate(model, evaluatingOn: trainSet)
        let measured = try accuracy(of: mutant.model, on: trainSet)
        #expect(abs(measured - original * (1 - drop)) <= 0.02, "accuracy \(original) → \(measured)")
        #expect(abs(mutant.accuracy - measured) <= 1e-12)
        #expect(abs(mutant.originalAccuracy - original) <= 1e-12)
        #expect(snapshot(model) == before, "the trained model is left unchanged")

        // Only weight matrices changed, in about `replacedWeights` entries.
        let after = snapshot(mutant.model)
        var changed = 0
        for (name, parameter) in model.namedParameters {
            let old = parameter.value.scalars
            let new = try #require(after[name]).scalars
            let differing = zip(old, new).filter { $0 != $1 }.count
            if parameter.kind == .weight { changed += differing } else { #expect(differing == 0, "\(name)") }
        }
        let total = model.prunableParameters.reduce(0) { $0 + $1.parameter.value.count }
        #expect(mutant.weightCount == total)
        #expect(changed <= mutant.replacedWeights)
        #expect(changed >= mutant.replacedWeights * 9 / 10)
        #expect(abs(mutant.fraction - Double(mutant.replacedWeights) / Double(total)) <= 1e-12)
    }

    @Test("fresh values follow the initialiser's scale: dense weights within ±1/√fan-in")
    func freshValueScale() throws {
        let (model, trainSet, _) = try trainedMLP()
        let mutant = try RepairMutator(options: .init(targetDrop: 0.5, seed: 3)).mutate(model, evaluatingOn: trainSet)
        let after = snapshot(mutant.model)
        for (name, parameter) in model.prunableParameters {
            let fanIn = parameter.value.shape[1]
            let bound = 1 / Float(fanIn).squareRoot()
            let new = try #require(after[name]).scalars
            for (old, value) in zip(parameter.value.scalars, new) where old != value {
                #expect(abs(value) <= bound, "\(name): \(value) outside ±\(bound)")
            }
        }
    }

    @Test("the same seed gives the same mutant; another seed another one")
    func seeded() throws {
        let (model, trainSet, _) = try trainedMLP()
        let a = try RepairMutator(options: .init(targetDrop: 0.3, seed: 11)).mutate(model, evaluatingOn: trainSet)
        let b = try RepairMutator(options: .init(targetDrop: 0.3, seed: 11)).mutate(model, evaluatingOn: trainSet)
        let c = try RepairMutator(options: .init(targetDrop: 0.3, seed: 12)).mutate(model, evaluatingOn: trainSet)
        #expect(snapshot(a.model) == snapshot(b.model))
        #expect(a.summary == b.summary)
        #expect(snapshot(a.model) != snapshot(c.model))
    }

    @Test("an unreachable target gives up with a clear error")
    func unreachable() throws {
        let (model, trainSet, _) = try trainedMLP()
        var options = RepairMutator.Options(targetDrop: 0.5, tolerance: 0.0001, seed: 1)
        options.maximumEvaluations = 3
        #expect { try RepairMutator(options: options).mutate(model, evaluatingOn: trainSet) } throws: { error in
            describes(error, "could not reach", "3 evaluations")
        }
        #expect(throws: DeepArcError.self) { try RepairMutator(options: .init(targetDrop: 1.5)) }
    }
}
