// The umbrella module: one import for the engine, the data sets, the core and the built-in strategies.
@_exported public import DeepArcAttacks
@_exported public import DeepArcCKA
@_exported public import DeepArcCore
@_exported public import DeepArcDP
@_exported public import DeepArcDeviation
@_exported public import DeepArcData
@_exported public import DeepArcGreedy
@_exported public import DeepArcPruning
@_exported public import DeepArcNN
@_exported public import DeepArcTensor
