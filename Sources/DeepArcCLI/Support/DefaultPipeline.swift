/// The pipeline `deeparc run` runs without a configuration file (also `Examples/configs/default.yaml`).
enum DefaultPipeline {
    static let yaml = """
        # DeepArc's default pipeline: train (or reuse) a ResNet on Fashion-MNIST, modularize it with
        # linear CKA on 1000 test samples, and show the paper's Finding 1.
        model: {arch: resnet32}
        data: {dataset: fashion-mnist, samples: 1000, evaluationSamples: 2000}
        training: {epochs: 4, samples: 30000, batchSize: 128, learningRate: 0.1, schedule: cosine}
        similarity: {name: cka.linear}
        partitioner: {name: greedy, options: {threshold: 0.99, criterion: link}}
        tasks: [modularize, layer-removal]
        output: runs/deeparc
        """
}
