"""Wall-clock of the GLF comparison on mnist5k at its `cpu` budget, on this machine, one torch
thread per run: the measurement the budget was sized by (README "Datasets": 5 seeds of glf,
rae_gmm, vae, vae_flow_prior, wae_mmd and two_stage_vae in about an hour on 2 cores).

    python benchmarks/mnist5k_cpu_budget.py [--models glf,vae] [--budget cpu]

Per model, a real `lpbench run` at the budget with its epochs (and aux epochs) cut to 1 gives the
time of one epoch including every fixed cost; a second run at 2 epochs gives the per-epoch time as
the difference, so fixed costs (evaluation, figures, the GMM fit) cancel. Projected run time =
fixed + per-epoch × the budget's epochs; projected grid = 5 seeds × Σ runs / 2 workers.
The machine's load average is recorded: other work on the 2 cores inflates every figure.
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


def timed_run(model: str, budget: str, epochs: float, runs: Path) -> float:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cmd = [LPBENCH, "run", "--models", model, "--dataset", "mnist5k", "--budget", budget, "--runs-dir", str(runs),
           "-q", "--set", f"budget.epochs={epochs}", "--set", f"budget.aux_epochs={epochs}"]
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def main():
    from lpbench.registry import Registry

    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--budget", default="cpu")
    args = ap.parse_args()
    budget = Registry.load().budget("mnist5k", args.budget)
    out = Path(__file__).with_name("results") / "mnist5k_cpu_budget.json"
    result = {"budget": args.budget, "epochs": budget.epochs, "aux_epochs": budget.aux_epochs,
              "threads_per_run": 1, "load_average_start": os.getloadavg(), "models": {}}
    for m in args.models.split(","):
        with tempfile.TemporaryDirectory() as d:
            t1 = timed_run(m, args.budget, 1, Path(d) / "a")
            t2 = timed_run(m, args.budget, 2, Path(d) / "b")
        per_epoch = max(0.0, t2 - t1)
        fixed = max(0.0, t1 - per_epoch)
        result["models"][m] = {"run_1_epoch_s": t1, "run_2_epochs_s": t2, "per_epoch_s": per_epoch,
                               "fixed_s": fixed, "projected_run_s": fixed + per_epoch * budget.epochs}
        print(f"{m:16s} 1 epoch {t1:7.1f} s, 2 epochs {t2:7.1f} s → {result['models'][m]['projected_run_s']:7.1f} s "
              f"at {budget.epochs:g} epochs", flush=True)
    total = sum(r["projected_run_s"] for r in result["models"].values())
    result["projected_grid_5_seeds_2_workers_min"] = 5 * total / 2 / 60
    result["load_average_end"] = os.getloadavg()
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"5 seeds on 2 workers: {result['projected_grid_5_seeds_2_workers_min']:.0f} min")


if __name__ == "__main__":
    main()
