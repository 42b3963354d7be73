import DeepArcNN

/// Checks and reads a list of modules given as model units.
enum ModuleLayout {
    /// Checks that there is at least one module, that every module holds at least one unit inside
    /// the model, and that units ascend within and across modules.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` naming the module.
    static func validate(_ moduleUnits: [[Int]], unitCount: Int) throws(DeepArcError) {
        guard !moduleUnits.isEmpty else {
            throw .invalidConfiguration(reason: "re-adaption: the semantic architecture has no modules")
        }
        var previous = -1
        for (index, units) in moduleUnits.enumerated() {
            guard !units.isEmpty else {
                throw .invalidConfiguration(reason: "re-adaption: module \(index) has no units")
            }
            for unit in units {
                guard unit >= 0, unit < unitCount else {
                    throw .invalidConfiguration(
                        reason:
                            "re-adaption: module \(index) names unit \(unit), outside the model's units 0..<\(unitCount)"
                    )
                }
                guard unit > previous else {
                    throw .invalidConfiguration(
                        reason: "re-adaption: module \(index) names unit \(unit) out of order (units must ascend)")
                }
                previous = unit
            }
        }
    }

    /// The unit span of a module: its first through its last unit.
    static func span(_ units: [Int]) -> ClosedRange<Int> {
        (units.first ?? 0)...(units.last ?? 0)
    }

    /// A readable description of a module for messages: `module 2 (units 3…5)`.
    static func describe(module: Int, units: [Int]) -> String {
        let span = span(units)
        let range = span.count == 1 ? "unit \(span.lowerBound)" : "units \(span.lowerBound)…\(span.upperBound)"
        return "module \(module) (\(range))"
    }

    /// Wraps an error of a deviation measure with the module it concerns, keeping the measure's
    /// own reason.
    static func wrap(_ error: any Error, module: Int, units: [Int], outputUnit: Int, doing what: String)
        -> DeepArcError
    {
        let reason: String
        if case .invalidActivations(_, let inner)? = error as? DeepArcError {
            reason = inner
        } else {
            reason = "\(error)"
        }
        return .invalidActivations(
            layer: outputUnit, reason: "\(describe(module: module, units: units)), \(what): \(reason)")
    }
}

extension ModuleLayout {
    /// The reason of an error without the `activations:` prefix of ``DeepArcError/invalidActivations(layer:reason:)``.
    static func reason(of error: any Error) -> String {
        if case .invalidActivations(_, let inner)? = error as? DeepArcError { return inner }
        return "\(error)"
    }
}
