// DeepArcGreedy
