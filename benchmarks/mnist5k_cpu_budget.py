"""Wall-clock of the GLF comparison on mnist5k at its `cpu` budget, on this machine, one torch
thread per run: the measurement the budget was sized by (docs/datasets.md: 5 seeds of glf,
rae_gmm, vae, vae_flow_prior, wae_mmd and two_stage_vae in about an hour on 2 cores).

    python benchmarks/mnist5k_cpu_budget.py [--models glf,vae] [--budget cpu] [--metrics fid,kid]

Per model, a real `lpbench run` at the budget with its epochs (and aux epochs) cut to 1: its
wall-clock holds every fixed cost (data, evaluation with every default metric, figures, the GMM
fit of rae_gmm) and its record's train_s one epoch of training. Projected run time = wall-clock +
train_s × (epochs − 1); projected grid = 5 seeds × Σ runs / 2 workers. The machine's load average
is recorded: other work on the 2 cores inflates every figure.
Writes benchmarks/results/mnist5k_cpu_budget.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODELS = ["glf", "rae_gmm", "vae", "vae_flow_prior", "wae_mmd", "two_stage_vae"]
LPBENCH = str(Path(sys.executable).with_name("lpbench"))


def timed_run(model: str, budget: str, runs: Path, metrics: str | None) -> tuple[float, dict]:
    """(wall-clock seconds, the model run's timings) of a 1-epoch run."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cmd = [
        LPBENCH,
        "run",
        "--models",
        model,
        "--dataset",
        "mnist5k",
        "--budget",
        budget,
        "--runs-dir",
        str(runs),
        "-q",
        "--set",
        "budget.epochs=1",
        "--set",
        "budget.aux_epochs=1",
        *(["--metrics", metrics] if metrics else []),
    ]
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    base = model.split("_gmm")[0]  # rae_gmm trains rae
    rec = json.loads((runs / "mnist5k" / budget / base / "seed0" / "run.json").read_text())
    return wall, rec["timings"]


def main():
    from lpbench.registry import Registry

    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--budget", default="cpu")
    ap.add_argument("--metrics", default=None, help="default: the dataset's (pag included)")
    args = ap.parse_args()
    budget = Registry.load().budget("mnist5k", args.budget)
    suffix = "" if args.metrics is None else "_" + args.metrics.replace(",", "-")
    out = Path(__file__).with_name("results") / f"mnist5k_cpu_budget{suffix}.json"
    result = {
        "budget": args.budget,
        "epochs": budget.epochs,
        "aux_epochs": budget.aux_epochs,
        "metrics": args.metrics or "the dataset's defaults",
        "threads_per_run": 1,
        "load_average_start": os.getloadavg(),
        "models": {},
    }
    for m in args.models.split(","):
        with tempfile.TemporaryDirectory() as d:
            wall, timings = timed_run(m, args.budget, Path(d), args.metrics)
        train = timings.get("train_s", 0.0)
        result["models"][m] = {
            "wall_1_epoch_s": wall,
            "timings_1_epoch": timings,
            "projected_run_s": wall + train * (budget.epochs - 1),
        }
        print(
            f"{m:16s} 1 epoch: {wall:7.1f} s wall ({train:.1f} s training) → "
            f"{result['models'][m]['projected_run_s']:7.1f} s at {budget.epochs:g} epochs",
            flush=True,
        )
        out.write_text(json.dumps(result, indent=2) + "\n")  # a stopped run keeps what it measured
    total = sum(r["projected_run_s"] for r in result["models"].values())
    result["projected_grid_5_seeds_2_workers_min"] = 5 * total / 2 / 60
    result["load_average_end"] = os.getloadavg()
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"5 seeds on 2 workers: {result['projected_grid_5_seeds_2_workers_min']:.0f} min")


if __name__ == "__main__":
    main()
