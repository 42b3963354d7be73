#!/usr/bin/env python3
"""Side-by-side: DeepArc (`deeparc benchmark …`) against PyTorch CPU and NumPy on this machine.

    python3 compare.py [--binary PATH] [--threads 2] [--json out.json] [--only train,capture,similarity]
                       [--envs both|as-is|unset] [--batch-size 128] [--steps 10] [--warmup 2]
                       [--layers 20 --samples 2000 --features 4096 --max-pairs 10] [--no-build]

Benchmarks: a training step of resnet20, vgg11 and mlp (1×28×28 inputs, 10 classes), a capturing
forward pass of resnet20, and a 20-layer linear-CKA similarity matrix (against NumPy computing it
Gram-once and per-pair). Each runs twice: with the environment as it is, and with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed (for both sides), so a machine-specific override
cannot flatter or hide either side. Both sides get the same thread count.

The table's ratio is a speed ratio, ours over theirs: > 1 means DeepArc is faster.
A side that is unavailable (torch or numpy not installed, the binary missing or without the
`benchmark` command, a run that fails) is skipped with a message; the other rows still run.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time

from arguments import non_negative, positive

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
TRAIN_ARCHS = ("resnet20", "vgg11", "mlp")
CAPTURE_ARCHS = ("resnet20",)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(REPO, ".build", "release", "deeparc"),
                        help="the deeparc executable (default: .build/release/deeparc in the repository)")
    parser.add_argument("--no-build", action="store_true",
                        help="do not run `swift build -c release --product deeparc` when the binary is missing")
    parser.add_argument("--threads", type=positive, default=2)
    parser.add_argument("--batch-size", type=positive, default=128)
    parser.add_argument("--steps", type=positive, default=10)
    parser.add_argument("--warmup", type=non_negative, default=2)
    parser.add_argument("--layers", type=positive, default=20)
    parser.add_argument("--samples", type=positive, default=2000)
    parser.add_argument("--features", type=positive, default=4096)
    parser.add_argument("--max-pairs", type=non_negative, default=10,
                        help="NumPy per-pair CKA: pairs timed before extrapolating (0 = all)")
    parser.add_argument("--only", default="train,capture,similarity",
                        help="comma-separated subset of train, capture, similarity")
    parser.add_argument("--archs", default=",".join(TRAIN_ARCHS), help="architectures for the train comparison")
    parser.add_argument("--envs", choices=["both", "as-is", "unset"], default="both")
    parser.add_argument("--repeat", type=positive, default=1,
                        help="run every comparison this many times (all of them, then again) and report the median "
                             "speeds and ratio with the range of the ratios")
    parser.add_argument("--timeout", type=positive, default=3600, help="seconds allowed for one run")
    parser.add_argument("--json", dest="json_path", help="also write the table and raw results as JSON here")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the PyTorch/NumPy scripts")
    args = parser.parse_args(argv)
    args.only = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = [part for part in args.only if part not in ("train", "capture", "similarity")]
    if unknown:
        parser.error(f"--only: unknown benchmark(s) {', '.join(unknown)}; choose from train, capture, similarity")
    args.archs = [part.strip() for part in args.archs.split(",") if part.strip()]
    return args


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# MARK: - Environments

def environments(which: str, threads: int):
    """[(label, environment)] — as-is and with the OpenBLAS overrides removed."""
    base = dict(os.environ)
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        base[variable] = str(threads)
    present = {k: base[k] for k in OVERRIDES if k in base}
    unset = {k: v for k, v in base.items() if k not in OVERRIDES}
    result = []
    if which in ("both", "as-is"):
        label = "as-is" if present else "as-is (no overrides set)"
        if present:
            label = "as-is: " + " ".join(f"{k.replace('OPENBLAS_', '')}={v}" for k, v in present.items())
        result.append((label, base))
    if which in ("both", "unset"):
        if which == "both" and not present:
            say("note: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are not set here, so 'unset' would repeat 'as-is'; skipped")
        else:
            result.append(("unset", unset))
    return result


# MARK: - Running one side

def run_json(command, environment, timeout):
    """(parsed JSON object or None, error message or None, seconds)."""
    start = time.perf_counter()
    try:
        completed = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError as error:
        return None, f"cannot run {command[0]}: {error}", 0.0
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout} s", float(timeout)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        detail = (completed.stderr.strip() or completed.stdout.strip()).splitlines()
        return None, f"exit status {completed.returncode}: {detail[-1] if detail else 'no output'}", elapsed
    for candidate in [completed.stdout] + completed.stdout.splitlines()[::-1]:
        candidate = candidate.strip()
        if candidate.startswith("{"):
            try:
                value = json.loads(candidate)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value, None, elapsed
    return None, f"no JSON object in the output: {completed.stdout.strip()[:200]!r}", elapsed


def require_keys(value, keys, who):
    if value is None:
        return None
    missing = [k for k in keys if not isinstance(value.get(k), (int, float))]
    return f"{who} JSON lacks numeric {', '.join(missing)}" if missing else None


def ensure_binary(args):
    """None when the binary has the benchmark command, else why our side is skipped."""
    if not os.path.exists(args.binary):
        default = os.path.join(REPO, ".build", "release", "deeparc")
        if args.no_build or os.path.abspath(args.binary) != default:
            return f"{args.binary} does not exist (build it: swift build -c release --product deeparc)"
        say("building deeparc: swift build -c release --product deeparc (a few minutes the first time)")
        try:
            built = subprocess.run(["swift", "build", "-c", "release", "--product", "deeparc"], cwd=REPO)
        except FileNotFoundError:
            return "swift is not installed, and there is no deeparc binary to run"
        if built.returncode != 0 or not os.path.exists(args.binary):
            return f"swift build -c release --product deeparc failed (exit status {built.returncode})"
    try:
        help_run = subprocess.run([args.binary, "benchmark", "--help"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"cannot run {args.binary}: {error}"
    text = (help_run.stdout + help_run.stderr).lower()
    if help_run.returncode != 0 or not all(word in text for word in ("train", "similarity")):
        return (f"{args.binary} has no `benchmark` command (`deeparc benchmark --help` exited "
                f"{help_run.returncode} without listing train/capture/similarity); rebuild it from a newer tree")
    return None


# MARK: - Table

def fmt_rate(value):
    return f"{value:,.1f} samples/s" if value is not None else "—"


def fmt_seconds(value):
    return f"{value:.4g} s" if value is not None else "—"


def main(argv=None) -> int:
    args = parse_args(argv)
    have_torch = importlib.util.find_spec("torch") is not None
    have_numpy = importlib.util.find_spec("numpy") is not None
    if args.python != sys.executable:
        have_torch = have_numpy = True  # the scripts report a missing package themselves
    ours_problem = ensure_binary(args)
    if ours_problem:
        say(f"skip (DeepArc side): {ours_problem}")
        ours_problem = "deeparc unavailable (see above)"
    if not have_torch and any(b in args.only for b in ("train", "capture")):
        say("skip (PyTorch side): PyTorch is not installed — pip install torch (see Benchmarks/README.md)")
    if not have_numpy and "similarity" in args.only:
        say("skip (NumPy side): NumPy is not installed — pip install numpy (see Benchmarks/README.md)")

    common_torch = ["--batch-size", str(args.batch_size), "--steps", str(args.steps), "--warmup", str(args.warmup),
                    "--threads", str(args.threads)]
    jobs = []  # (benchmark name, kind, arch)
    if "train" in args.only:
        jobs += [(f"train {arch} b{args.batch_size}", "train", arch) for arch in args.archs]
    if "capture" in args.only:
        jobs += [(f"capture {arch} b{args.batch_size}", "capture", arch) for arch in CAPTURE_ARCHS]
    if "similarity" in args.only:
        jobs.append((f"cka.linear {args.layers}×{args.samples}×{args.features}", "similarity", None))

    rows, raw = [], []
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    for repetition, env_label, environment in (
            (repetition, env_label, environment) for repetition in range(args.repeat)
            for env_label, environment in environments(args.envs, args.threads)):
        for name, kind, arch in jobs:
            say(f"running {name} [{env_label}]" + (f" ({repetition + 1}/{args.repeat})" if args.repeat > 1 else "")
                + " …")
            first_row = len(rows)
            ours = theirs = None
            ours_error = ours_problem
            theirs_error = None
            if kind in ("train", "capture"):
                if not ours_problem:
                    command = [args.binary, "benchmark", kind, "--arch", arch] + common_torch + ["--format", "json"]
                    ours, ours_error, _ = run_json(command, environment, args.timeout)
                    ours_error = ours_error or require_keys(ours, ["samplesPerSecond", "secondsPerStep"], "deeparc")
                if have_torch:
                    command = [args.python, os.path.join(HERE, "train_step.py"), "--mode", kind, "--arch", arch] + common_torch
                    theirs, theirs_error, _ = run_json(command, environment, args.timeout)
                    if theirs and "skipped" in theirs:
                        theirs, theirs_error = None, theirs["skipped"]
                    theirs_error = theirs_error or require_keys(theirs, ["samplesPerSecond"], "train_step.py")
                else:
                    theirs_error = "PyTorch not installed (pip install torch)"
                ok_ours = ours if not ours_error else None
                ok_theirs = theirs if not theirs_error else None
                ours_rate = ok_ours["samplesPerSecond"] if ok_ours else None
                theirs_rate = ok_theirs["samplesPerSecond"] if ok_theirs else None
                rows.append({
                    "benchmark": name, "env": env_label, "peer": "pytorch",
                    "ours": fmt_rate(ours_rate) if ok_ours else f"skipped: {ours_error}",
                    "theirs": fmt_rate(theirs_rate) if ok_theirs else f"skipped: {theirs_error}",
                    "oursValue": ours_rate, "theirsValue": theirs_rate, "unit": "samples/s",
                    "ratio": ours_rate / theirs_rate if ours_rate and theirs_rate else None,
                    "kernels": f"ours {ok_ours.get('gemmKernel', ok_ours.get('blasCore', '?')) if ok_ours else '—'} | "
                               f"torch {ok_theirs.get('kernel', '?') if ok_theirs else '—'}",
                })
            else:
                if not ours_problem:
                    command = [args.binary, "benchmark", "similarity", "--metric", "cka.linear",
                               "--layers", str(args.layers), "--samples", str(args.samples),
                               "--features", str(args.features), "--threads", str(args.threads), "--format", "json"]
                    ours, ours_error, _ = run_json(command, environment, args.timeout)
                    ours_error = ours_error or require_keys(ours, ["seconds"], "deeparc")
                if have_numpy:
                    command = [args.python, os.path.join(HERE, "similarity.py"), "--layers", str(args.layers),
                               "--samples", str(args.samples), "--features", str(args.features),
                               "--threads", str(args.threads), "--max-pairs", str(args.max_pairs)]
                    theirs, theirs_error, _ = run_json(command, environment, args.timeout)
                    if theirs and "skipped" in theirs:
                        theirs, theirs_error = None, theirs["skipped"]
                    theirs_error = theirs_error or require_keys(theirs, ["seconds"], "similarity.py")
                else:
                    theirs_error = "NumPy not installed (pip install numpy)"
                ok_ours = ours if not ours_error else None
                ok_theirs = theirs if not theirs_error else None
                ours_seconds = ok_ours["seconds"] if ok_ours else None
                for label, key in (("numpy gram-once", "gramOnce"), ("numpy per-pair", "perPair")):
                    part = ok_theirs.get(key) if ok_theirs else None
                    theirs_seconds = part["seconds"] if part else None
                    note = ""
                    if part and part.get("extrapolated"):
                        note = f" (extrapolated from {part['pairsTimed']}/{part['pairsTotal']} pairs)"
                    rows.append({
                        "benchmark": f"{name} vs {label}", "env": env_label, "peer": label,
                        "ours": fmt_seconds(ours_seconds) if ok_ours else f"skipped: {ours_error}",
                        "theirs": (fmt_seconds(theirs_seconds) + note) if part else
                                  f"skipped: {theirs_error or 'not measured'}",
                        "oursValue": ours_seconds, "theirsValue": theirs_seconds, "unit": "s",
                        "ratio": theirs_seconds / ours_seconds if ours_seconds and theirs_seconds else None,
                        "kernels": f"ours {ok_ours.get('gemmKernel', ok_ours.get('blasCore', '?')) if ok_ours else '—'} | "
                                   f"numpy {ok_theirs.get('blasCore', '?') if ok_theirs else '—'}",
                    })
            for row in rows[first_row:]:
                row["repetition"] = repetition
            raw.append({"benchmark": name, "env": env_label, "repetition": repetition, "ours": ours,
                        "oursError": ours_error, "theirs": theirs, "theirsError": theirs_error})

    runs = rows
    rows = summarize(runs, args.repeat)

    load_after = os.getloadavg() if hasattr(os, "getloadavg") else None
    print_table(rows)
    print(f"\nthreads {args.threads} on {os.cpu_count()} CPUs; load average before {fmt_load(load_before)}, "
          f"after {fmt_load(load_after)}; ratio = our speed / theirs (> 1: DeepArc faster)")
    if load_after and load_after[0] > (os.cpu_count() or 1) * 0.5:
        print("warning: the machine was busy during the run; numbers are noisy (other processes share the CPUs;"
              " PyTorch's spinning OpenMP threads suffer most — OMP_WAIT_POLICY=PASSIVE helps)")
    if args.json_path:
        document = {
            "machine": {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count(),
                        "python": platform.python_version(), "loadBefore": load_before, "loadAfter": load_after},
            "settings": {k: v for k, v in vars(args).items() if k != "json_path"},
            "rows": rows, "runs": runs, "raw": raw,
        }
        with open(args.json_path, "w") as handle:
            json.dump(document, handle, indent=2)
        print(f"wrote {args.json_path}")
    return 0


def summarize(runs, repeat):
    """One row per benchmark and environment: with several repetitions, the median of each side's value
    and of the ratios, and the range of the ratios (`ratioRange`); a single run's rows unchanged."""
    if repeat == 1:
        return runs
    groups = {}
    for row in runs:
        groups.setdefault((row["benchmark"], row["env"]), []).append(row)
    summary = []
    for (benchmark, env), group in groups.items():
        first = group[0]
        fmt = fmt_rate if first["unit"] == "samples/s" else fmt_seconds
        def median_of(key):
            values = [r[key] for r in group if r[key] is not None]
            return statistics.median(values) if values else None
        ours, theirs = median_of("oursValue"), median_of("theirsValue")
        ratios = [r["ratio"] for r in group if r["ratio"] is not None]
        summary.append({
            "benchmark": benchmark, "env": env, "peer": first["peer"],
            "ours": fmt(ours) if ours is not None else first["ours"],
            "theirs": fmt(theirs) if theirs is not None else first["theirs"],
            "oursValue": ours, "theirsValue": theirs, "unit": first["unit"],
            "ratio": statistics.median(ratios) if ratios else None,
            "ratioRange": [min(ratios), max(ratios)] if ratios else None,
            "repetitions": len(group), "kernels": first["kernels"],
        })
    return summary


def fmt_load(load):
    return "unknown" if load is None else "/".join(f"{x:.2f}" for x in load)


def print_table(rows):
    ranged = any(r.get("ratioRange") for r in rows)
    headers = ["benchmark", "env", "ours", "theirs", "ratio"] + (["range"] if ranged else []) + ["kernels"]
    def ratio_range(r):
        low_high = r.get("ratioRange")
        return [f"{low_high[0]:.2f}–{low_high[1]:.2f}×" if low_high else "—"] if ranged else []
    cells = [[r["benchmark"], r["env"], r["ours"], r["theirs"],
              f"{r['ratio']:.2f}×" if r["ratio"] is not None else "—"] + ratio_range(r) + [r["kernels"]]
             for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    print(line)
    print("-" * len(line))
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths)))


if __name__ == "__main__":
    sys.exit(main())
