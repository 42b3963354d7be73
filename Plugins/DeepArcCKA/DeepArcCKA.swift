// DeepArcCKA
