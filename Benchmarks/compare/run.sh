#!/usr/bin/env bash
# Side-by-side benchmarks: DeepArc vs PyTorch CPU and NumPy. All options go to compare.py
# (run with --help to list them); e.g.  Benchmarks/compare/run.sh --threads 2 --json compare.json
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
    echo "skip: $python not found; the comparison needs Python 3 with torch and numpy (see Benchmarks/README.md)" >&2
    exit 0
fi
exec "$python" "$here/compare.py" "$@"
