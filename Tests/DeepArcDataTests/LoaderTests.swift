import DeepArcData
import DeepArcTensor
import Foundation
import Testing

@Suite("Dataset loaders")
struct LoaderTests {
    static let fashionDirectory = IDXImageDataset.defaultFashionMNISTDirectory
    static let fashionInstalled = FileManager.default.fileExists(
        atPath: (fashionDirectory as NSString).appendingPathComponent("t10k-labels-idx1-ubyte.gz"))

    @Test(
        .enabled(
            if: fashionInstalled,
            "Fashion-MNIST is not installed at /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)"
        ),
        arguments: [(DatasetSplit.train, 60_000), (.test, 10_000)])
    func loadsTheRealFashionMNIST(split: DatasetSplit, count: Int) throws {
        let data = try DatasetSource(parsing: "fashion-mnist").load(split: split)
        #expect(data.count == count)
        #expect(data.images.shape == [count, 1, 28, 28])
        #expect(data.classCount == 10)
        #expect(data.labels.allSatisfy { (0..<10).contains($0) })
        // Fashion-MNIST is balanced: 6 000 (train) or 1 000 (test) items per class.
        #expect(data.classCounts() == [Int](repeating: count / 10, count: 10))
        let extremes = data.images.withUnsafeBufferPointer { ($0.min() ?? -1, $0.max() ?? -1) }
        #expect(extremes.0 == 0 && extremes.1 == 1)
    }

    @Test(.enabled(if: fashionInstalled, "Fashion-MNIST is not installed at /usr/share/datasets/fashion-mnist"))
    func limitKeepsTheFirstItems() throws {
        let source = try DatasetSource(parsing: "fashion-mnist")
        let few = try source.load(split: .test, limit: 5)
        let labels = try IDXArray.read(from: LoaderTests.fashionDirectory + "/t10k-labels-idx1-ubyte.gz").integers()
        #expect(few.count == 5)
        #expect(few.labels == Array(labels.prefix(5)))
    }

    @Test(arguments: [false, true])
    func loadsMNISTStyleIDXFilesFromADirectory(compressed: Bool) throws {
        let directory = try TemporaryDirectory()
        let pixels = Data((0..<(3 * 2 * 2)).map { UInt8($0 * 17) })  // 3 images of 2 × 2
        var images = makeIDX(type: 0x08, dimensions: [3, 2, 2], payload: pixels)
        var labels = makeIDX(type: 0x08, dimensions: [3], payload: Data([4, 0, 9]))
        var suffix = ""
        if compressed {
            images = try Gzip.compress(images)
            labels = try Gzip.compress(labels)
            suffix = ".gz"
        }
        try directory.write(images, to: "t10k-images-idx3-ubyte" + suffix)
        try directory.write(labels, to: "t10k-labels-idx1-ubyte" + suffix)
        let data = try DatasetSource(parsing: "mnist", dataDirectory: directory.path).load(split: .test)
        #expect(data.images.shape == [3, 1, 2, 2])
        #expect(data.labels == [4, 0, 9])
        #expect(data.images.scalars == (0..<12).map { Float($0 * 17) / 255 })
        #expect(data.name == "mnist/test")
        // The train files are missing.
        #expect(
            errorKind { try IDXImageDataset.load(directory: directory.path, split: .train, name: "mnist") }
                == "invalidDataset")
    }

    @Test func inconsistentIDXFilesAreRejected() throws {
        let directory = try TemporaryDirectory()
        try directory.write(
            makeIDX(type: 0x08, dimensions: [2, 1, 1], payload: Data([1, 2])), to: "train-images-idx3-ubyte")
        try directory.write(
            makeIDX(type: 0x08, dimensions: [3], payload: Data([1, 2, 3])), to: "train-labels-idx1-ubyte")
        #expect(
            errorKind { try IDXImageDataset.load(directory: directory.path, split: .train, name: "mnist") }
                == "invalidContents")
        try directory.write(
            makeIDX(type: 0x08, dimensions: [2], payload: Data([1, 10])), to: "train-labels-idx1-ubyte")
        #expect(
            errorKind { try IDXImageDataset.load(directory: directory.path, split: .train, name: "mnist") }
                == "invalidContents")
        try directory.write(
            makeIDX(type: 0x08, dimensions: [2, 1], payload: Data([1, 2])), to: "train-images-idx3-ubyte")
        #expect(
            errorKind { try IDXImageDataset.load(directory: directory.path, split: .train, name: "mnist") }
                == "invalidContents")
    }

    /// A CIFAR-10 record: label, then 3 planes of 1024 bytes where plane c, pixel p holds (label + c + p) % 256.
    static func record(label: UInt8) -> Data {
        var data = Data([label])
        for channel in 0..<3 { data.append(contentsOf: (0..<1024).map { UInt8((Int(label) + channel + $0) % 256) }) }
        return data
    }

    @Test func loadsCIFAR10BinaryBatches() throws {
        let directory = try TemporaryDirectory()
        for batch in 1...5 {
            try directory.write(
                LoaderTests.record(label: UInt8(batch)) + LoaderTests.record(label: 0), to: "data_batch_\(batch).bin")
        }
        try directory.write(
            LoaderTests.record(label: 9) + LoaderTests.record(label: 3) + LoaderTests.record(label: 7),
            to: "test_batch.bin")
        let source = try DatasetSource(parsing: "cifar10", dataDirectory: directory.path)
        let train = try source.load(split: .train)
        #expect(train.images.shape == [10, 3, 32, 32])
        #expect(train.labels == [1, 0, 2, 0, 3, 0, 4, 0, 5, 0])
        let test = try source.load(split: .test)
        #expect(test.labels == [9, 3, 7])
        // Item 1 (label 3), channel 2, row 1, column 5 → pixel index 37: (3 + 2 + 37) % 256 = 42.
        #expect(test.images.scalars[1 * 3072 + 2 * 1024 + 1 * 32 + 5] == Float(42) / 255)
        let limited = try source.load(split: .train, limit: 3)
        #expect(limited.labels == [1, 0, 2])
    }

    @Test func damagedCIFARFilesAreRejected() throws {
        let directory = try TemporaryDirectory()
        try directory.write(LoaderTests.record(label: 1).prefix(3000), to: "test_batch.bin")
        #expect(errorKind { try CIFAR10.load(directory: directory.path, split: .test) } == "invalidContents")
        try directory.write(LoaderTests.record(label: 10), to: "test_batch.bin")
        #expect(errorKind { try CIFAR10.load(directory: directory.path, split: .test) } == "invalidContents")
        #expect(errorKind { try CIFAR10.load(directory: directory.path, split: .train) } == "invalidDataset")
        #expect(errorKind { try CIFAR10.load(directory: directory.file("missing"), split: .test) } == "invalidDataset")
    }
}
