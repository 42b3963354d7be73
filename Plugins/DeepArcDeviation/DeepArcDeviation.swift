// DeepArcDeviation
