import Foundation

/// Where the project's shared test fixtures live: `shared/fixtures/` beside the repository.
///
/// CI clones the repository with `shared/` next to it, so from the package root (the folder holding
/// `Package.swift`) the fixtures are at `../shared/fixtures/`.
public enum SharedFixtures {
    /// The path of `../shared/fixtures/<name>` relative to the package root that contains `filePath`.
    /// - Parameters:
    ///   - name: the fixture's file name, e.g. `resnet110-block-cka.npy`.
    ///   - filePath: a source file of the package; pass `#filePath` from the test.
    /// - Returns: the path (whether or not the file exists), or nil when no enclosing folder holds a
    ///   `Package.swift`.
    public static func path(_ name: String, filePath: String = #filePath) -> String? {
        var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while directory.path != "/" && !directory.path.isEmpty {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory.deletingLastPathComponent()
                    .appendingPathComponent("shared").appendingPathComponent("fixtures").appendingPathComponent(name)
                    .path
            }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }
}
