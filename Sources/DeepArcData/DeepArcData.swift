// DeepArcData
