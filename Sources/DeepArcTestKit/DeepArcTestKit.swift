// DeepArcTestKit
