// DeepArcDP
