package import DeepArc
import Foundation

/// A layer-similarity matrix read from a file, with what the file says about it.
package struct LoadedMatrix: Sendable {
    /// The matrix (NaN where the file has NaN or `null`).
    package var matrix: SimilarityMatrix
    /// The layer names, when the file carries them (the JSON of `deeparc similarity`).
    package var layers: [String]?
    /// The metric that produced the matrix, when the file says.
    package var metric: String?
}

/// Reads the similarity matrix that `deeparc partition` splits: a `.npy` n × n float32/float64
/// array, or the JSON that `deeparc similarity` writes (`null` entries are NaN).
package enum MatrixLoader {
    /// The JSON of `deeparc similarity`; only `matrix` is required.
    private struct SimilarityJSON: Decodable {
        var metric: String?
        var layers: [String]?
        var matrix: [[Double?]]
        var degenerate: [Bool]?
    }

    /// Reads and checks the matrix in `path`.
    /// - Throws: a `FileError`/`DataError` naming the file when it cannot be read or decoded, or a
    ///   one-line error naming the file when the array is not a 2-D float matrix, the JSON has the
    ///   wrong shape, or the matrix is not square, not symmetric, empty or has an infinite entry.
    package static func load(_ path: String) throws -> LoadedMatrix {
        let bytes = try FileIO.read(path)
        if isNPY(path: path, bytes: bytes) {
            return try loadNPY(bytes, path: path)
        }
        return try loadJSON(bytes, path: path)
    }

    /// Whether `path` is a `.npy` file: by extension, else by its magic `\x93NUMPY`.
    private static func isNPY(path: String, bytes: Data) -> Bool {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "npy": return true
        case "json": return false
        default: return bytes.first == 0x93
        }
    }

    // MARK: - NPY

    private static func loadNPY(_ bytes: Data, path: String) throws -> LoadedMatrix {
        let array = try NPYArray(decoding: bytes, source: path)
        guard array.dataType == .float32 || array.dataType == .float64 else {
            throw CLIError("\(path): expected a float32 or float64 matrix, got elements of type \(array.dataType)")
        }
        guard array.shape.count == 2 else {
            throw CLIError("\(path): expected a 2-D n × n matrix, got shape \(array.shape)")
        }
        let n = array.shape[0]
        guard n == array.shape[1] else {
            throw CLIError("\(path): the matrix is not square (\(array.shape[0]) × \(array.shape[1]))")
        }
        let values: [Double] = array.data.withUnsafeBytes { raw in
            if array.dataType == .float64 {
                return (0..<(n * n)).map {
                    Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))
                }
            }
            return (0..<(n * n)).map {
                Double(
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))))
            }
        }
        return LoadedMatrix(matrix: try matrix(count: n, values: values, degenerate: nil, path: path))
    }

    // MARK: - JSON

    private static func loadJSON(_ bytes: Data, path: String) throws -> LoadedMatrix {
        let decoded: SimilarityJSON
        do {
            if let rows = try? JSONDecoder().decode([[Double?]].self, from: bytes) {
                decoded = SimilarityJSON(matrix: rows)
            } else {
                decoded = try JSONDecoder().decode(SimilarityJSON.self, from: bytes)
            }
        } catch {
            throw CLIError(
                "\(path): not a .npy matrix nor the JSON of `deeparc similarity` "
                    + "({\"matrix\": [[…], …]} with numbers or null): \(describe(error))")
        }
        let n = decoded.matrix.count
        for (index, row) in decoded.matrix.enumerated() where row.count != n {
            throw CLIError(
                "\(path): the matrix is not square: row \(index) has \(row.count) entries, there are \(n) rows")
        }
        if let layers = decoded.layers, layers.count != n {
            throw CLIError("\(path): \(layers.count) layer names for a \(n) × \(n) matrix")
        }
        if let degenerate = decoded.degenerate, degenerate.count != n {
            throw CLIError("\(path): \(degenerate.count) degenerate flags for a \(n) × \(n) matrix")
        }
        let values = decoded.matrix.flatMap { $0.map { $0 ?? .nan } }
        return LoadedMatrix(
            matrix: try matrix(count: n, values: values, degenerate: decoded.degenerate, path: path),
            layers: decoded.layers, metric: decoded.metric)
    }

    /// A short description of a JSON decoding error: what and where.
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let place = path(context.codingPath)
            return place.isEmpty ? context.debugDescription : "at \(place): \(context.debugDescription)"
        case .keyNotFound(let key, _):
            return "missing key '\(key.stringValue)'"
        @unknown default:
            return "\(error)"
        }
    }

    // MARK: - Checking

    private static func matrix(count: Int, values: [Double], degenerate: [Bool]?, path: String) throws
        -> SimilarityMatrix
    {
        guard count > 0 else { throw CLIError("\(path): the matrix is empty") }
        do {
            return try SimilarityMatrix(count: count, values: values, degenerate: degenerate)
        } catch {
            throw CLIError("\(path): \(error)")
        }
    }
}
