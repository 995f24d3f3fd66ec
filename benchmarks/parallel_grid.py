"""Wall-clock time of a grid of 4 `smoke` runs with 2 local workers versus 1, side by side in one
process. Writes benchmarks/results/parallel_grid.json.

    python benchmarks/parallel_grid.py [--repeats 1] [--dataset eight_gaussians] [--model vae]

The ratio is only meaningful on an otherwise idle machine with at least 2 cores; the JSON records
the load average before and after each measurement so a reader can judge.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import torch

torch.set_num_threads(1)  # the sequential baseline gets what each of 2 workers on 2 cores gets


def measure(workers: int, args) -> dict:
    from lpbench.executors import run_grid
    from lpbench.plugins import get_plugins
    from lpbench.registry import Registry
    from lpbench.runner import RunOptions, plan

    registry, plugins = Registry.load(), get_plugins()
    specs = plan(registry, plugins, [args.model], args.dataset, "smoke", list(range(4)))
    with tempfile.TemporaryDirectory() as runs:
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        records = run_grid(specs, RunOptions(runs_dir=Path(runs), device="cpu"), registry, plugins, workers=workers)
        seconds = time.perf_counter() - t0
    assert all(r["status"] == "completed" for r in records), [r.get("error") for r in records]
    return {
        "workers": workers,
        "seconds": seconds,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "metrics": [r["metrics"] for r in records],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--dataset", default="eight_gaussians")
    ap.add_argument("--model", default="vae")
    ap.add_argument("--out", default=str(Path(__file__).with_name("results") / "parallel_grid.json"))
    args = ap.parse_args()
    rounds = []
    for _ in range(args.repeats):  # interleaved, so a change in machine load hits both sides
        rounds.append({"one": measure(1, args), "two": measure(2, args)})
    one = min(r["one"]["seconds"] for r in rounds)
    two = min(r["two"]["seconds"] for r in rounds)
    same = all(r["one"]["metrics"] == r["two"]["metrics"] for r in rounds)
    result = {
        "benchmark": "grid of 4 smoke runs, local executor: 2 workers vs 1",
        "model": args.model,
        "dataset": args.dataset,
        "budget": "smoke",
        "seconds_1_worker": one,
        "seconds_2_workers": two,
        "speedup": one / two,
        "goal": 1.6,
        "identical_metrics": same,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "rounds": rounds,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "rounds"}, indent=2))


if __name__ == "__main__":
    main()
