/// Which part of a dataset to load.
public enum DatasetSplit: String, Sendable, CaseIterable, Codable {
    /// The training items.
    case train
    /// The held-out test items.
    case test
}
