// DeepArc
