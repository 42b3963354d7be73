#!/usr/bin/env python3
"""PyTorch twins of DeepArc's architecture builders (Sources/DeepArcNN/Model/Architectures.swift).

Every model is an ``nn.Sequential`` whose top-level children are DeepArc's *units*, with the same
names (``stem``, ``stage1.block1`` → ``stage1_block1``, ``conv3``, ``dense1``, ``head``), so a
forward hook on each child captures exactly the activations DeepArc captures.

Names: ``mlp`` / ``mlp-W1-W2-…``, ``vgg11`` / ``vgg16`` / ``vgg19`` (with BN), ``resnetN`` (N = 6n+2,
CIFAR ResNet with 1×1 conv + BN projection shortcuts), ``wrn-D-K`` (D = 6n+4, pre-activation).

Run it to print parameter counts to compare with the Swift side:
    python3 torch_models.py [--input 1,28,28] [--classes 10] [arch ...]
"""
from __future__ import annotations

import argparse
import sys

try:
    import torch
    from torch import nn
except ImportError:  # pragma: no cover - exercised only where torch is missing
    torch = None
    nn = None

KNOWN = ["mlp", "mlp-W1-W2-…", "vgg11", "vgg16", "vgg19", "resnetN (N = 6n+2)", "wrn-D-K (D = 6n+4)"]

VGG_CONFIGURATIONS = {  # channel counts, 0 marks a max-pool (same as the Swift table)
    "vgg11": [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
    "vgg16": [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0],
    "vgg19": [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0],
}


def require_torch() -> None:
    if torch is None:
        raise SystemExit("skip: PyTorch is not installed (pip install torch)")


def _bn(channels: int):
    # DeepArc: momentum 0.1, epsilon 1e-5 — PyTorch's defaults, spelled out.
    return nn.BatchNorm2d(channels, eps=1e-5, momentum=0.1)


def _conv_bn_relu(cin: int, cout: int, stride: int = 1) -> list:
    return [nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), _bn(cout), nn.ReLU()]


def _image_shape(input_shape, name):
    if len(input_shape) != 3 or min(input_shape) <= 0:
        raise ValueError(f"{name} needs an image input [channels, height, width], got {list(input_shape)}")
    return tuple(input_shape)


# MARK: - MLP

def mlp(widths, input_shape, classes) -> "nn.Sequential":
    units = []
    features = 1
    for s in input_shape:
        features *= s
    for index, width in enumerate(widths):
        layers = [nn.Flatten()] if index == 0 and len(input_shape) > 1 else []
        layers += [nn.Linear(features, width, bias=True), nn.ReLU()]
        units.append((f"dense{index + 1}", nn.Sequential(*layers)))
        features = width
    head = [nn.Flatten()] if not widths and len(input_shape) > 1 else []
    head.append(nn.Linear(features, classes, bias=True))
    units.append(("head", nn.Sequential(*head)))
    return _named_sequential(units)


# MARK: - VGG

def vgg(configuration, input_shape, classes) -> "nn.Sequential":
    channels, height, width = _image_shape(input_shape, "vgg")
    units = []  # list of [name, layers]
    conv_index = 0
    for entry in configuration:
        if entry == 0:
            # The pool joins the preceding conv unit, unless the map is already smaller than 2×2.
            if height >= 2 and width >= 2 and units:
                units[-1][1].append(nn.MaxPool2d(2, 2))
                height //= 2
                width //= 2
        else:
            conv_index += 1
            units.append([f"conv{conv_index}", _conv_bn_relu(channels, entry)])
            channels = entry
    named = [(name, nn.Sequential(*layers)) for name, layers in units]
    named.append(("head", nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, classes, bias=True))))
    return _named_sequential(named)


# MARK: - ResNet (CIFAR style)

class BasicBlock(nn.Module if nn else object):
    """conv3×3(stride) + BN + ReLU + conv3×3 + BN, plus identity or 1×1 conv + BN; ReLU after the add."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), _bn(cout), nn.ReLU(),
            nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False), _bn(cout))
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, padding=0, bias=False), _bn(cout))
        else:
            self.shortcut = nn.Identity()
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.body(x) + self.shortcut(x))


def resnet(blocks_per_stage: int, input_shape, classes) -> "nn.Sequential":
    cin, _, _ = _image_shape(input_shape, "resnet")
    units = [("stem", nn.Sequential(*_conv_bn_relu(cin, 16)))]
    channels = 16
    for stage, width in enumerate([16, 32, 64]):
        for block in range(blocks_per_stage):
            stride = 2 if stage > 0 and block == 0 else 1
            units.append((f"stage{stage + 1}_block{block + 1}", BasicBlock(channels, width, stride)))
            channels = width
    units.append(("head", nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, classes, bias=True))))
    return _named_sequential(units)


# MARK: - Wide ResNet (pre-activation)

class PreActBlock(nn.Module if nn else object):
    """BN + ReLU + conv3×3(stride) + BN + ReLU + conv3×3, plus identity or 1×1 conv; no activation after the add."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(
            _bn(cin), nn.ReLU(), nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
            _bn(cout), nn.ReLU(), nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False))
        if stride != 1 or cin != cout:
            self.shortcut = nn.Conv2d(cin, cout, 1, stride=stride, padding=0, bias=False)
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        return self.body(x) + self.shortcut(x)


def wide_resnet(blocks_per_stage: int, widen: int, input_shape, classes) -> "nn.Sequential":
    cin, _, _ = _image_shape(input_shape, "wrn")
    units = [("stem", nn.Sequential(nn.Conv2d(cin, 16, 3, stride=1, padding=1, bias=False)))]
    channels = 16
    for stage, base in enumerate([16, 32, 64]):
        width = base * widen
        for block in range(blocks_per_stage):
            stride = 2 if stage > 0 and block == 0 else 1
            units.append((f"stage{stage + 1}_block{block + 1}", PreActBlock(channels, width, stride)))
            channels = width
    units.append(("head", nn.Sequential(
        _bn(channels), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, classes, bias=True))))
    return _named_sequential(units)


# MARK: - Entry points

def _named_sequential(units) -> "nn.Sequential":
    model = nn.Sequential()
    for name, module in units:
        model.add_module(name, module)
    return model


def make(name: str, input_shape=(1, 28, 28), classes: int = 10) -> "nn.Sequential":
    """The model called ``name`` for inputs of ``input_shape`` ([C, H, W] or [features]) and ``classes`` classes."""
    require_torch()
    lowered = name.lower()
    unknown = ValueError(f"unknown architecture '{name}'; known: {', '.join(KNOWN)}")
    if lowered == "mlp":
        return mlp([256, 128], input_shape, classes)
    if lowered.startswith("mlp-"):
        try:
            widths = [int(w) for w in lowered[4:].split("-")]
        except ValueError:
            raise unknown from None
        if not widths or min(widths) <= 0:
            raise unknown
        return mlp(widths, input_shape, classes)
    if lowered in VGG_CONFIGURATIONS:
        return vgg(VGG_CONFIGURATIONS[lowered], input_shape, classes)
    if lowered.startswith("resnet") and lowered[6:].isdigit():
        depth = int(lowered[6:])
        if depth < 8 or (depth - 2) % 6:
            raise unknown
        return resnet((depth - 2) // 6, input_shape, classes)
    if lowered.startswith("wrn-"):
        parts = lowered[4:].split("-")
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise unknown
        depth, widen = int(parts[0]), int(parts[1])
        if depth < 10 or (depth - 4) % 6 or widen < 1:
            raise unknown
        return wide_resnet((depth - 4) // 6, widen, input_shape, classes)
    raise unknown


def parameter_count(model) -> int:
    """Trainable parameters (weights, biases, BN scale and shift; not BN running statistics)."""
    return sum(p.numel() for p in model.parameters())


def parse_shape(text: str):
    try:
        shape = tuple(int(s) for s in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--input must be comma-separated positive integers, got '{text}'") from None
    if not shape or min(shape) <= 0:
        raise argparse.ArgumentTypeError(f"--input must be comma-separated positive integers, got '{text}'")
    return shape


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archs", nargs="*", default=["resnet20", "resnet56", "vgg11", "vgg16", "vgg19", "mlp"])
    parser.add_argument("--input", type=parse_shape, default=(1, 28, 28), help="input shape C,H,W (default 1,28,28)")
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--units", action="store_true", help="also list each unit's output shape")
    args = parser.parse_args(argv)
    if torch is None:
        print("skip: PyTorch is not installed (pip install torch)")
        return 0
    for name in args.archs:
        try:
            model = make(name, args.input, args.classes)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"{name:12s} input {'x'.join(map(str, args.input))}  classes {args.classes}  "
              f"units {len(model)}  parameters {parameter_count(model):,}")
        if args.units:
            x = torch.zeros((2,) + tuple(args.input))
            model.eval()
            with torch.no_grad():
                for unit_name, unit in model.named_children():
                    x = unit(x)
                    print(f"    {unit_name:16s} -> {list(x.shape[1:])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
