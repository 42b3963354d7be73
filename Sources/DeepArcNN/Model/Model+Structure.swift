import DeepArcTensor

// MARK: - Copies and structural changes (remove, duplicate, insert units)

extension Model {
    /// Assembles a model from a validated description and layers that already match it.
    private convenience init(validatedSpec spec: ModelSpec, layers: [any Layer]) throws(NNError) {
        // Build throwaway layers for the spec, then swap in the given ones: keeps one designated init.
        try self.init(spec: spec, seed: 0)
        try replaceUnits(with: layers)
    }

    /// A deep copy: same description, parameter values, masks and trainability; no shared state.
    public func copy() throws(NNError) -> Model {
        try Model(validatedSpec: spec, layers: units.map { layer throws(NNError) in try Model.copyLayer(layer) })
    }

    /// A copy without the units at `indices`.
    ///
    /// Removing a unit is only possible when the units around it still chain: the output shape of
    /// the unit before must be the input shape the unit after expects. Where it is not, a sewing
    /// adapter must be inserted (see ``insertingUnit(_:at:generatorSeed:)``).
    /// - Throws: ``NNError/invalidUnit(_:)`` for an index outside the model, removing every unit,
    ///   or a removal after which the shapes no longer chain (the message names the units).
    public func removingUnits(_ indices: Set<Int>) throws(NNError) -> Model {
        if let bad = indices.first(where: { $0 < 0 || $0 >= unitCount }) {
            throw .invalidUnit("cannot remove unit \(bad): the model has units 0...\(unitCount - 1)")
        }
        guard indices.count < unitCount else { throw .invalidUnit("cannot remove every unit of the model") }
        var newSpec = spec
        newSpec.units = spec.units.enumerated().filter { !indices.contains($0.offset) }.map(\.element)
        do {
            try newSpec.validate()
        } catch {
            let names = indices.sorted().map { "\($0) (\(spec.units[$0].name))" }.joined(separator: ", ")
            throw .invalidUnit("removing units \(names) breaks the model: \(error)")
        }
        var layers: [any Layer] = []
        for (index, layer) in units.enumerated() where !indices.contains(index) {
            layers.append(try Model.copyLayer(layer))
        }
        return try Model(validatedSpec: newSpec, layers: layers)
    }

    /// A copy in which unit `index` is repeated `count` more times right after itself, each copy
    /// with the same weights. Only a unit whose output shape equals its input shape can repeat.
    /// - Throws: ``NNError/invalidUnit(_:)`` for an index outside the model or a shape-changing unit.
    public func duplicatingUnit(_ index: Int, count: Int = 1) throws(NNError) -> Model {
        guard index >= 0, index < unitCount else {
            throw .invalidUnit("cannot duplicate unit \(index): the model has units 0...\(unitCount - 1)")
        }
        guard count >= 0 else { throw .invalidUnit("cannot duplicate a unit \(count) times") }
        var newSpec = spec
        var layers: [any Layer] = []
        var names = Set(spec.units.map(\.name))
        newSpec.units = []
        for (position, unit) in spec.units.enumerated() {
            newSpec.units.append(unit)
            layers.append(try Model.copyLayer(units[position]))
            guard position == index else { continue }
            for copyNumber in 1...max(count, 1) where count > 0 {
                var name = "\(unit.name).copy\(copyNumber)"
                while names.contains(name) { name += "'" }
                names.insert(name)
                newSpec.units.append(ModelSpec.Unit(name: name, layer: unit.layer))
                layers.append(try Model.copyLayer(units[position]))
            }
        }
        do {
            try newSpec.validate()
        } catch {
            throw .invalidUnit("unit \(index) (\(spec.units[index].name)) cannot be repeated: \(error)")
        }
        return try Model(validatedSpec: newSpec, layers: layers)
    }

    /// A copy with a new unit inserted before position `index` (`unitCount` appends). The new unit
    /// is freshly initialised from `generatorSeed`, or takes `layer`'s state when one is given.
    /// - Throws: ``NNError/invalidUnit(_:)`` when the shapes no longer chain.
    public func insertingUnit(
        _ unit: ModelSpec.Unit, at index: Int, layer: (any Layer)? = nil, generatorSeed: UInt64 = 0
    ) throws(NNError) -> Model {
        guard index >= 0, index <= unitCount else {
            throw .invalidUnit("cannot insert at position \(index) of a model with \(unitCount) units")
        }
        var newSpec = spec
        newSpec.units.insert(unit, at: index)
        do {
            try newSpec.validate()
        } catch {
            throw .invalidUnit("inserting unit '\(unit.name)' at \(index) breaks the model: \(error)")
        }
        var layers: [any Layer] = []
        for existing in units { layers.append(try Model.copyLayer(existing)) }
        var generator = SeededGenerator(seed: generatorSeed)
        let newLayer = try unit.layer.makeLayer(generator: &generator)
        if let layer { try Model.copyState(from: layer, to: newLayer) }
        layers.insert(newLayer, at: index)
        return try Model(validatedSpec: newSpec, layers: layers)
    }

    /// A copy whose description carries a different architecture label (e.g. after restructuring).
    public func relabelled(_ architecture: String) throws(NNError) -> Model {
        let copy = try self.copy()
        copy.spec.architecture = architecture
        return copy
    }

    /// Sets the input normalisation stored with the model.
    /// - Throws: ``NNError/invalidUnit(_:)`` when it does not fit the input channels.
    public func setNormalization(_ normalization: ModelSpec.Normalization?) throws(NNError) {
        var newSpec = spec
        newSpec.normalization = normalization
        try newSpec.validate()
        spec = newSpec
    }

    // MARK: - State copying

    /// Replaces every unit's layer with the given ones, which must match the description's layers
    /// in kind and parameter shapes.
    func replaceUnits(with layers: [any Layer]) throws(NNError) {
        guard layers.count == units.count else {
            throw .invalidUnit("\(layers.count) layers for \(units.count) units")
        }
        for (index, layer) in layers.enumerated() {
            guard layer.spec == spec.units[index].layer else {
                throw .invalidUnit("unit \(index) (\(spec.units[index].name)): layer does not match its description")
            }
        }
        units = layers
    }

    /// A new layer with the same description and state (values, masks, trainability) as `layer`.
    static func copyLayer(_ layer: any Layer) throws(NNError) -> any Layer {
        var generator = SeededGenerator(seed: 0)
        let copy = try layer.spec.makeLayer(generator: &generator)
        try copyState(from: layer, to: copy)
        return copy
    }

    /// Copies parameter values, running statistics, masks and trainability between two layers of
    /// identical structure (same parameter names and shapes, in the same order).
    /// - Throws: ``NNError/invalidUnit(_:)`` naming the first parameter that does not match.
    public static func copyState(from source: any Layer, to target: any Layer) throws(NNError) {
        let sourceParameters = source.namedParameters
        let targetParameters = target.namedParameters
        guard sourceParameters.count == targetParameters.count else {
            throw .invalidUnit("cannot copy state: \(sourceParameters.count) parameters vs \(targetParameters.count)")
        }
        for (from, to) in zip(sourceParameters, targetParameters) {
            guard from.name == to.name, from.parameter.value.shape == to.parameter.value.shape else {
                throw .invalidUnit(
                    "cannot copy parameter \(from.name) \(from.parameter.value.shape) into \(to.name) "
                        + "\(to.parameter.value.shape)")
            }
            to.parameter.value = from.parameter.value
            to.parameter.isTrainable = from.parameter.isTrainable
            try to.parameter.setMask(from.parameter.mask)
        }
    }
}
