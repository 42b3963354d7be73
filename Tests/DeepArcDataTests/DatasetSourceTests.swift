import DeepArcData
import DeepArcTensor
import Foundation
import Testing

@Suite("Dataset names and synthetic data")
struct DatasetSourceTests {
    @Test func resolvesNames() throws {
        #expect(
            try DatasetSource(parsing: "fashion-mnist") == .fashionMNIST(directory: "/usr/share/datasets/fashion-mnist")
        )
        #expect(try DatasetSource(parsing: "fashion-mnist", dataDirectory: "/d") == .fashionMNIST(directory: "/d"))
        #expect(try DatasetSource(parsing: "mnist", dataDirectory: "/m") == .mnist(directory: "/m"))
        #expect(try DatasetSource(parsing: "cifar10", dataDirectory: "/c") == .cifar10(directory: "/c"))
        #expect(try DatasetSource(parsing: "npz:/tmp/a b.npz") == .npz(path: "/tmp/a b.npz"))
        #expect(
            try DatasetSource(parsing: "synthetic:blobs").description.hasPrefix("synthetic:blobs,classes=4,samples=512")
        )
        #expect(errorKind { try DatasetSource(parsing: "mnist") } == "invalidDataset")
        #expect(errorKind { try DatasetSource(parsing: "cifar10") } == "invalidDataset")
        #expect(errorKind { try DatasetSource(parsing: "npz:") } == "invalidDataset")
    }

    @Test(arguments: ["imagenet", "", "csv:/tmp/x.csv", "fashion"])
    func unknownNamesListTheValidForms(name: String) {
        let error = thrownError { try DatasetSource(parsing: name) }
        #expect(error == .unknownDataset(name: name, validForms: DatasetSource.validForms))
        let message = error?.description ?? ""
        #expect(
            message.contains("fashion-mnist") && message.contains("npz:PATH") && message.contains("synthetic:blobs"))
    }

    @Test(arguments: [
        "synthetic:", "synthetic:spiral", "synthetic:blobs,classes=0", "synthetic:blobs,colour=3",
        "synthetic:blobs,samples",
        "synthetic:blobs,samples=-4", "synthetic:blobs,seed=x", "synthetic:images,size=0", "synthetic:blobs,noise=nan",
        "synthetic:blobs,seed=1,seed=2", "synthetic:images,samples=100000000,size=1024",
    ])
    func badSyntheticSpecsAreRejected(name: String) {
        #expect(errorKind { try DatasetSource(parsing: name) } == "invalidDataset", "\(name)")
    }

    @Test(arguments: [
        "synthetic:blobs,classes=4,samples=64,features=16,seed=1",
        "synthetic:images,classes=10,samples=40,channels=3,size=8,seed=1",
    ])
    func syntheticDataIsDeterministicPerSeed(name: String) throws {
        let source = try DatasetSource(parsing: name)
        let first = try source.load(split: .train)
        let second = try source.load(split: .train)
        #expect(first.images == second.images)
        #expect(first.labels == second.labels)
        let reseeded = try DatasetSource(parsing: name.replacingOccurrences(of: "seed=1", with: "seed=2")).load(
            split: .train)
        #expect(reseeded.images != first.images)
        let test = try source.load(split: .test)
        #expect(test.images != (try first.images.slice(batch: 0..<test.count)))
        let limited = try source.load(split: .train, limit: 7)
        #expect(limited.labels == Array(first.labels.prefix(7)))
        #expect(limited.images == (try first.images.slice(batch: 0..<7)))
        // Balanced labels.
        let counts = first.classCounts()
        #expect((counts.max() ?? 0) - (counts.min() ?? 0) <= 1)
    }

    @Test func syntheticShapesAndRanges() throws {
        let blobs = try DatasetSource(parsing: "synthetic:blobs,classes=3,samples=30,features=5,test-samples=12").load(
            split: .test)
        #expect(blobs.images.shape == [12, 5])
        #expect(blobs.classCount == 3)
        let images = try DatasetSource(parsing: "synthetic:images,classes=4,samples=8,channels=2,size=6").load(
            split: .train)
        #expect(images.images.shape == [8, 2, 6, 6])
        #expect(images.images.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    /// Blobs are separable: a nearest-class-mean classifier fitted on train classifies test well.
    @Test func blobsAreLearnable() throws {
        let source = try DatasetSource(parsing: "synthetic:blobs,classes=4,samples=400,features=16,seed=3")
        let train = try source.load(split: .train)
        let test = try source.load(split: .test)
        let width = 16
        var means = [[Double]](repeating: [Double](repeating: 0, count: width), count: 4)
        let trainValues = train.images.scalars
        for (item, label) in train.labels.enumerated() {
            for f in 0..<width { means[label][f] += Double(trainValues[item * width + f]) / 100 }
        }
        let testValues = test.images.scalars
        var correct = 0
        for (item, label) in test.labels.enumerated() {
            let distances = means.map { mean in
                (0..<width).reduce(0.0) { $0 + pow(Double(testValues[item * width + $1]) - mean[$1], 2) }
            }
            if let best = distances.min(), distances.firstIndex(of: best) == label { correct += 1 }
        }
        #expect(Double(correct) / Double(test.count) > 0.9)
    }

    /// Image classes differ in their pattern, not in average brightness: class-mean images differ
    /// far more than their mean intensities do.
    @Test func imageClassesDifferInPattern() throws {
        let data = try DatasetSource(parsing: "synthetic:images,classes=2,samples=2,size=16,noise=0,seed=4").load(
            split: .train)
        let a = Array(data.images.scalars[0..<256]), b = Array(data.images.scalars[256..<512])
        #expect(data.labels.sorted() == [0, 1])
        // Class 0 (orientation 0°) is constant along each column; class 1 (90°) along each row.
        let vertical = data.labels[0] == 0 ? a : b
        let horizontal = data.labels[0] == 0 ? b : a
        for y in 1..<16 { for x in 0..<16 { #expect(abs(vertical[y * 16 + x] - vertical[x]) < 1e-5) } }
        for y in 0..<16 { for x in 1..<16 { #expect(abs(horizontal[y * 16 + x] - horizontal[y * 16]) < 1e-5) } }
        #expect(Set(vertical.prefix(16).map { Int($0 * 100) }).count > 3)
    }

    @Test func loadsNPZDatasets() throws {
        let directory = try TemporaryDirectory()
        // uint8 x [3, 2, 2] → [3, 1, 2, 2] / 255; int64 labels.
        let x = try NPYArray(dataType: .uint8, shape: [3, 2, 2], data: Data((0..<12).map { UInt8($0 * 20) }))
        let archive = try NPZArchive(entries: [
            .init(name: "x", array: x), .init(name: "y", array: try NPYArray(integers: [2, 0, 1])),
        ])
        try archive.write(to: directory.file("d.npz"))
        let data = try DatasetSource(parsing: "npz:" + directory.file("d.npz")).load(split: .test, limit: 2)
        #expect(data.images.shape == [2, 1, 2, 2])
        #expect(data.images.scalars == (0..<8).map { Float($0 * 20) / 255 })
        #expect(data.labels == [2, 0])
        #expect(data.classCount == 3)

        // Split-specific arrays win over x/y; float features stay as they are.
        let features = try Tensor(shape: [2, 3], scalars: [0.5, -1, 2, 3, 4, 5])
        let split = try NPZArchive(entries: [
            .init(name: "x", array: x), .init(name: "y", array: try NPYArray(integers: [2, 0, 1])),
            .init(name: "x_train", array: NPYArray(tensor: features)),
            .init(name: "y_train", array: try NPYArray(integers: [1, 0])),
        ])
        try split.write(to: directory.file("s.npz"))
        let train = try DatasetSource(parsing: "npz:" + directory.file("s.npz")).load(split: .train)
        #expect(train.images == features)
        #expect(train.labels == [1, 0])
    }

    @Test func badNPZDatasetsAreRejected() throws {
        let directory = try TemporaryDirectory()
        func load(_ entries: [NPZArchive.Entry]) throws -> Dataset {
            try NPZArchive(entries: entries).write(to: directory.file("b.npz"))
            return try DatasetSource(parsing: "npz:" + directory.file("b.npz")).load(split: .train)
        }
        let x = NPYArray(tensor: try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]))
        #expect(errorKind { try load([.init(name: "x", array: x)]) } == "missingArray")
        #expect(
            errorKind {
                try load([.init(name: "x", array: x), .init(name: "y", array: try NPYArray(integers: [1, 2, 3]))])
            } == "invalidContents")
        #expect(
            errorKind {
                try load([.init(name: "x", array: x), .init(name: "y", array: try NPYArray(integers: [1, -2]))])
            } == "invalidContents")
        let nan = NPYArray(tensor: try Tensor(shape: [2, 2], scalars: [1, .nan, 3, 4]))
        #expect(
            errorKind {
                try load([.init(name: "x", array: nan), .init(name: "y", array: try NPYArray(integers: [1, 0]))])
            } == "invalidContents")
        let flat = NPYArray(tensor: try Tensor(shape: [2], scalars: [1, 2]))
        #expect(
            errorKind {
                try load([.init(name: "x", array: flat), .init(name: "y", array: try NPYArray(integers: [1, 0]))])
            } == "invalidContents")
        #expect(errorKind { try DatasetSource(parsing: "npz:/nonexistent/d.npz").load(split: .train) } == "fileAccess")
        #expect(
            errorKind { try DatasetSource(parsing: "synthetic:blobs").load(split: .train, limit: -1) }
                == "invalidArgument")
    }
}

@Suite("Synthetic spec strings")
struct SyntheticSpecTests {
    @Test(arguments: [
        "blobs", "images,classes=3,size=9,channels=2,noise=0.5,seed=77", "blobs,separation=2.5,test-samples=9",
    ])
    func canonicalDescriptionParsesBack(spec: String) throws {
        let parsed = try SyntheticDataset(parsing: spec)
        #expect(try SyntheticDataset(parsing: parsed.description) == parsed)
    }

    @Test func defaultsFollowTheDocumentation() throws {
        let blobs = try SyntheticDataset(parsing: "blobs")
        #expect(blobs.classes == 4 && blobs.samples == 512 && blobs.testSamples == 128 && blobs.features == 16)
        #expect(blobs.seed == 1 && blobs.noise == 1)
        let images = try SyntheticDataset(parsing: "images,samples=20")
        #expect(images.classes == 10 && images.testSamples == 10 && images.size == 28 && images.channels == 1)
        #expect(images.sampleShape == [1, 28, 28])
    }
}
