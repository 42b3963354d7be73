#!/usr/bin/env python3
"""Time a linear-CKA similarity matrix in NumPy, two ways, for comparison with DeepArc.

    python3 similarity.py [--layers 20] [--samples 2000] [--features 4096] [--threads 2]
                          [--mode both|gram-once|per-pair] [--max-pairs 10] [--seed 1]

Data: `layers` random float32 activation matrices of samples × features (standard normal, seeded);
generating them is not timed.

gram-once  Centre each layer's features, form its Gram Kᵢ = XᵢXᵢᵀ once (NumPy hands X @ X.T to
           BLAS syrk), stack the flattened Grams as the rows of G (layers × samples²) and get every
           HSIC ⟨Kᵢ, Kⱼ⟩ from the single product G Gᵀ; CKAᵢⱼ = ⟨Kᵢ,Kⱼ⟩ / √(⟨Kᵢ,Kᵢ⟩⟨Kⱼ,Kⱼ⟩).
           This is what `deeparc benchmark similarity --metric cka.linear` does.
per-pair   What most CKA libraries do: a function cka(X, Y) that forms both Grams from the raw
           activations, double-centres them (H K H) and returns ⟨Kc, Lc⟩ / (‖Kc‖ ‖Lc‖), called once
           per pair i < j (the diagonal is 1). With --max-pairs k (> 0) only the first k pairs are
           timed and the time is extrapolated linearly to all layers·(layers−1)/2 pairs; the JSON
           says so ("extrapolated": true). A library that loops over the full n × n matrix pays
           about twice as much again.

Prints one JSON object: seconds (the whole matrix), gramSeconds (gram-once: the Grams alone),
gflops (Gram work counted as 2·samples²·features per Gram, the gemm-equivalent), NumPy's BLAS
and the kernel its OpenBLAS chose (via threadpoolctl if installed, else by asking the loaded
OpenBLAS library directly, else "unknown"). Exits 0 with {"skipped": "..."} when NumPy is missing.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

from arguments import non_negative, positive


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layers", type=positive, default=20)
    parser.add_argument("--samples", type=positive, default=2000)
    parser.add_argument("--features", type=positive, default=4096)
    parser.add_argument("--threads", type=positive, default=2)
    parser.add_argument("--mode", choices=["both", "gram-once", "per-pair"], default="both")
    parser.add_argument("--max-pairs", type=non_negative, default=10,
                        help="per-pair: time only this many pairs and extrapolate (0 = time all pairs)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.layers < 2 and args.mode != "gram-once":
        parser.error("--layers must be at least 2 for per-pair timing")
    return args


# MARK: - Which BLAS kernel

def _corename_from_loaded_library() -> dict | None:
    """Ask each loaded OpenBLAS library (found in /proc/self/maps) for its core name."""
    import ctypes
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line})
    except OSError:
        return None
    for path in paths:
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in ("openblas_get_corename", "scipy_openblas_get_corename64_", "scipy_openblas_get_corename",
                       "openblas_get_corename64_"):
            function = getattr(library, symbol, None)
            if function is None:
                continue
            function.restype = ctypes.c_char_p
            name = function()
            if name:
                return {"library": path, "kernel": name.decode(errors="replace")}
    return None


def blas_kernel(threads: int) -> dict:
    """NumPy's BLAS library and the kernel (core type) OpenBLAS chose, as far as can be told."""
    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None
    if threadpoolctl is not None:
        for entry in threadpoolctl.threadpool_info():
            if entry.get("user_api") == "blas":
                return {"via": "threadpoolctl", "library": entry.get("filepath"), "api": entry.get("internal_api"),
                        "version": entry.get("version"), "kernel": entry.get("architecture") or "unknown",
                        "threads": entry.get("num_threads")}
    found = None
    try:
        found = _corename_from_loaded_library()
    except Exception:  # best effort only
        found = None
    if found:
        return {"via": "ctypes", "api": "openblas", **found}
    return {"via": "none", "kernel": "unknown",
            "note": "pip install threadpoolctl to report the BLAS kernel"}


# MARK: - CKA, two ways

def gram_once(np, layers):
    """(cka matrix, seconds, gram seconds)."""
    n, m = len(layers), layers[0].shape[0]
    start = time.perf_counter()
    grams = np.empty((n, m, m), dtype=np.float32)
    for i, x in enumerate(layers):
        centred = x - x.mean(axis=0, dtype=np.float32)
        np.matmul(centred, centred.T, out=grams[i])
    gram_seconds = time.perf_counter() - start
    stacked = grams.reshape(n, m * m)
    hsic = stacked @ stacked.T
    norms = np.sqrt(np.diag(hsic).astype(np.float64))
    cka = hsic.astype(np.float64) / np.outer(norms, norms)
    seconds = time.perf_counter() - start
    return cka, seconds, gram_seconds


def _gram_linear(np, x):
    return x @ x.T


def _center_gram(np, gram):
    """H K H for symmetric K: subtract row and column means, add back the grand mean."""
    means = gram.mean(axis=0, dtype=np.float64)
    grand = means.mean()
    centred = gram - means[:, None].astype(gram.dtype)
    centred -= means[None, :].astype(gram.dtype)
    centred += gram.dtype.type(grand)
    return centred


def cka_pair(np, x, y) -> float:
    """Linear CKA of one pair, from scratch, the way a typical library's cka(X, Y) does it."""
    k = _center_gram(np, _gram_linear(np, x))
    l = _center_gram(np, _gram_linear(np, y))
    hsic = float(np.dot(k.ravel(), l.ravel()))
    return hsic / (float(np.linalg.norm(k)) * float(np.linalg.norm(l)))


def per_pair(np, layers, max_pairs: int):
    """(values of the timed pairs, seconds for all pairs (maybe extrapolated), pairs timed, pairs total)."""
    n = len(layers)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    timed = pairs if max_pairs == 0 else pairs[:max_pairs]
    values = {}
    start = time.perf_counter()
    for i, j in timed:
        values[(i, j)] = cka_pair(np, layers[i], layers[j])
    elapsed = time.perf_counter() - start
    return values, elapsed * len(pairs) / len(timed), len(timed), len(pairs)


# MARK: - Main

def main(argv=None) -> int:
    args = parse_args(argv)
    # The thread count must be in the environment before NumPy loads OpenBLAS.
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(args.threads)
    try:
        import numpy as np
    except ImportError:
        print(json.dumps({"skipped": "NumPy is not installed (pip install numpy)"}))
        return 0
    try:
        from threadpoolctl import threadpool_limits
        limits = threadpool_limits(limits=args.threads, user_api="blas")
    except ImportError:
        limits = None

    n, m, d = args.layers, args.samples, args.features
    rng = np.random.default_rng(args.seed)
    layers = [rng.standard_normal((m, d), dtype=np.float32) for _ in range(n)]
    gram_flops = 2.0 * m * m * d
    # Warm up: OpenBLAS starts its threads and picks its buffers on the first call.
    warm = layers[0][: min(m, 256)]
    warm @ warm.T

    result = {
        "side": "numpy",
        "metric": "cka.linear",
        "layers": n, "samples": m, "features": d, "threads": args.threads,
        "numpy": np.__version__,
        "openblasEnvironment": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ},
    }
    cka = None
    if args.mode in ("both", "gram-once"):
        cka, seconds, gram_seconds = gram_once(np, layers)
        flops = n * gram_flops + 2.0 * n * n * m * m
        result["gramOnce"] = {"seconds": seconds, "gramSeconds": gram_seconds, "gflops": flops / seconds / 1e9}
    if args.mode in ("both", "per-pair"):
        values, seconds, timed, total = per_pair(np, layers, args.max_pairs)
        result["perPair"] = {"seconds": seconds, "pairsTimed": timed, "pairsTotal": total,
                             "extrapolated": timed < total,
                             "gflops": total * 2 * gram_flops / seconds / 1e9}
        if cka is not None:
            # The two ways must agree; a large difference means one of them is wrong.
            result["maxDifference"] = max(abs(v - cka[i, j]) for (i, j), v in values.items())
    # The headline number, as `deeparc benchmark similarity` reports it: the Gram-once matrix.
    headline = result.get("gramOnce") or result["perPair"]
    result["seconds"] = headline["seconds"]
    result["gflops"] = headline["gflops"]
    if "gramOnce" in result:
        result["gramSeconds"] = result["gramOnce"]["gramSeconds"]
    kernel = blas_kernel(args.threads)
    result["blas"] = kernel
    result["blasCore"] = kernel.get("kernel", "unknown")
    if limits is not None:
        limits.restore_original_limits()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
