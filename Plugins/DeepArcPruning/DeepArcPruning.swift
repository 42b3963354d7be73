// DeepArcPruning
