#!/usr/bin/env python3
"""Time a PyTorch CPU training step (or a capturing forward pass) of a DeepArc architecture.

    python3 train_step.py --arch resnet20 [--mode train|capture] [--batch-size 128] [--threads 2]
                          [--warmup 2] [--steps 10] [--input 1,28,28] [--classes 10]

train:   forward, cross-entropy, backward, SGD (lr 0.01, momentum 0.9) step — what
         `deeparc benchmark train` times.
capture: eval-mode forward without autograd, a forward hook on every unit keeping its output —
         what `deeparc benchmark capture` times.
Inputs are uniform in [0, 1) and labels are i mod classes, like the Swift benchmarks.
Prints one JSON object (samplesPerSecond, secondsPerStep, torch version, BLAS/oneDNN summary).
Exits 0 with {"skipped": "..."} when PyTorch is missing.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time

from arguments import non_negative, positive


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", default="resnet20")
    parser.add_argument("--mode", choices=["train", "capture"], default="train")
    parser.add_argument("--batch-size", type=positive, default=128)
    parser.add_argument("--threads", type=positive, default=2)
    parser.add_argument("--warmup", type=non_negative, default=2)
    parser.add_argument("--steps", type=positive, default=10)
    parser.add_argument("--input", default="1,28,28", help="input shape C,H,W (default 1,28,28)")
    parser.add_argument("--classes", type=positive, default=10)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def backend_summary(torch) -> dict:
    """torch's version, BLAS, oneDNN and CPU-capability configuration, from its build summary."""
    config = torch.__config__.show()
    info = {"torch": torch.__version__}
    blas = re.search(r"BLAS_INFO=([^,\s]+)", config)
    info["blas"] = blas.group(1) if blas else "unknown"
    mkl = re.search(r"Math Kernel Library Version ([0-9.]+)", config)
    if mkl:
        info["mkl"] = mkl.group(1)
    onednn = re.search(r"MKL-DNN v([0-9.]+)", config)
    if onednn:
        info["onednn"] = onednn.group(1)
    info["onednnEnabled"] = bool(torch.backends.mkldnn.is_available())
    try:
        info["cpuCapability"] = torch.backends.cpu.get_cpu_capability()
    except AttributeError:
        capability = re.search(r"CPU capability usage: (\S+)", config)
        info["cpuCapability"] = capability.group(1) if capability else "unknown"
    parts = [info["blas"] + (" " + info["mkl"] if "mkl" in info else "")]
    if "onednn" in info and info["onednnEnabled"]:
        parts.append("oneDNN " + info["onednn"])
    info["kernel"] = " + ".join(parts) + f" ({info['cpuCapability']})"
    return info


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        input_shape = tuple(int(s) for s in args.input.split(","))
        if not input_shape or min(input_shape) <= 0:
            raise ValueError
    except ValueError:
        print(f"error: --input must be comma-separated positive integers, got '{args.input}'", file=sys.stderr)
        return 2
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        print(json.dumps({"skipped": "PyTorch is not installed (pip install torch)"}))
        return 0
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch_models

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    try:
        model = torch_models.make(args.arch, input_shape, args.classes)
    except ValueError as error:
        print(f"error: --arch: {error}", file=sys.stderr)
        return 2
    images = torch.rand((args.batch_size,) + input_shape)
    labels = torch.arange(args.batch_size) % args.classes

    if args.mode == "train":
        model.train()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

        def step():
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            return loss
        context = torch.enable_grad
    else:
        model.eval()
        captured = []
        for unit in model.children():
            unit.register_forward_hook(lambda _module, _inputs, output: captured.append(output))

        def step():
            captured.clear()
            output = model(images)
            assert len(captured) == len(model)
            return output
        context = torch.inference_mode

    with context():
        for _ in range(args.warmup):
            step()
        times = []
        start = time.perf_counter()
        for _ in range(args.steps):
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - start

    result = {
        "side": "pytorch",
        "mode": args.mode,
        "architecture": args.arch,
        "inputShape": list(input_shape),
        "batchSize": args.batch_size,
        "warmup": args.warmup,
        "steps": args.steps,
        "threads": torch.get_num_threads(),
        "parameters": torch_models.parameter_count(model),
        "samplesPerSecond": args.batch_size * args.steps / elapsed,
        "secondsPerStep": elapsed / args.steps,
        "secondsPerStepMin": min(times),
        "secondsPerStepMedian": statistics.median(times),
        "openblasEnvironment": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ},
    }
    result.update(backend_summary(torch))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
