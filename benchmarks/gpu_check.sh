#!/usr/bin/env bash
# GPU check (issue 19): one prepared script that a machine with a CUDA GPU runs from a checkout
# in under 10 minutes. Where lpbench is not installed and no package index is reachable (the
# device machines), it installs what it needs from the wheels it carries: run
# benchmarks/device_wheels.sh here first, carry .device-wheels, and it installs them (without
# their dependencies: the image's torch stays) and lpbench itself (editable, no index). Then:
#   1. the test suite's CUDA-marked tests (pytest -m cuda);
#   2. a smoke run of every model with --device cuda and bf16 (budget.precision=bf16);
#   3. step times of glf / rae / vae / gan at the digits paper budget on the GPU against the CPU;
# written to benchmarks/results/gpu.json (GPU_CHECK_OUT=FILE to write elsewhere).
#
#   benchmarks/gpu_check.sh                 # on the GPU machine
#   benchmarks/gpu_check.sh --cpu-dry-run   # anywhere: checks this script and its JSON on the CPU
#
# Exit codes: 0 all passed; 1 a CUDA test or a smoke run failed (the JSON says which);
# 3 no CUDA device (nothing measured); 124 a part ran past its time limit.
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"  # the device image's python3 holds its torch
OUT="${GPU_CHECK_OUT:-benchmarks/results/gpu.json}"
DRY=0
case "${1:-}" in
  --cpu-dry-run) DRY=1 ;;
  "") ;;
  *) echo "usage: benchmarks/gpu_check.sh [--cpu-dry-run]" >&2; exit 2 ;;
esac
export OMP_NUM_THREADS=1 MPLBACKEND=Agg
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if [ -d .device-wheels ] && ! "$PY" -c 'import lpbench' 2>/dev/null; then
  echo "gpu_check: installing the carried wheels (.device-wheels) and lpbench, no index" >&2
  "$PY" -m pip install -q --no-index --no-deps .device-wheels/*.whl \
    && "$PY" -m pip install -q --no-index --no-deps --no-build-isolation -e . \
    || { echo "gpu_check: installing from .device-wheels failed (see above)" >&2; exit 2; }
fi

if [ "$DRY" = 0 ]; then
  if ! "$PY" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>"$WORK/probe.err"; then
    echo "gpu_check: no CUDA device: torch.cuda.is_available() is False here (torch $("$PY" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)' 2>/dev/null || echo 'not importable'))." >&2
    echo "gpu_check: nothing was measured and $OUT was not written. Run it on a machine with a CUDA GPU," >&2
    echo "gpu_check: or use 'benchmarks/gpu_check.sh --cpu-dry-run' to check the script itself on the CPU." >&2
    cat "$WORK/probe.err" >&2
    exit 3
  fi
  DEVICE=cuda
  echo "gpu_check: 1/3 CUDA-marked tests" >&2
  timeout 180 "$PY" -m pytest -q -p no:cacheprovider -m cuda tests/ >"$WORK/tests.log" 2>&1
  TESTS_RC=$?
  [ "$TESTS_RC" = 5 ] && TESTS_RC=0  # pytest: no test selected is not a failure of the GPU
  tail -3 "$WORK/tests.log" >&2
  echo "gpu_check: 2-3/3 bf16 smoke runs of every model, then step times (GPU vs CPU)" >&2
  timeout 420 "$PY" benchmarks/gpu_bench.py --device cuda --steps 30 --tests-rc "$TESTS_RC" \
    --tests-log "$WORK/tests.log" --out "$OUT"
  RC=$?
else
  DEVICE=cpu
  echo "gpu_check: CPU dry run (no GPU measured; the JSON says dry_run: true)" >&2
  timeout 300 "$PY" benchmarks/gpu_bench.py --device cpu --dry-run --steps 4 --smoke-models "${GPU_CHECK_SMOKE_MODELS:-vae}" \
    --step-models "${GPU_CHECK_STEP_MODELS:-vae}" --out "$OUT"
  RC=$?
  TESTS_RC=0
fi
if [ "$RC" = 124 ]; then echo "gpu_check: the measurements ran past their time limit; $OUT holds what finished" >&2; exit 124; fi
echo "gpu_check: wrote $OUT (device $DEVICE)" >&2
[ "$RC" = 0 ] && [ "$TESTS_RC" = 0 ] && exit 0
exit 1
