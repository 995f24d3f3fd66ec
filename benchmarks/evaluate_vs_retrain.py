"""Adding a metric to a completed run: `lpbench evaluate` (score from the saved model) against
retraining it (`lpbench run --force`, the only way before issue 16), measured side by side in one
process through the CLI, alternating (retrain, evaluate, evaluate, retrain, …) and taking medians (the
machine is shared). Both score the same metrics on the same run folder; the checkpoint's bytes are
checked unchanged across the evaluations.

    python benchmarks/evaluate_vs_retrain.py [--model vae] [--dataset digits] [--budget cpu]
        [--metrics fid,kid] [--repeats 2] [--out benchmarks/results/evaluate_vs_retrain.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="vae")
    ap.add_argument("--dataset", default="digits")
    ap.add_argument("--budget", default="cpu")
    ap.add_argument("--metrics", default="fid,kid")
    ap.add_argument("--repeats", type=int, default=2, help="pairs of each (A-B-B-A order)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "evaluate_vs_retrain.json"))
    args = ap.parse_args(argv)

    import torch
    from click.testing import CliRunner

    from lpbench.cli import main as cli

    torch.set_num_threads(1)
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LPBENCH_CACHE"] = str(Path(tmp) / "cache")
        runs = Path(tmp) / "runs"
        folder = runs / args.dataset / args.budget / args.model / "seed0"
        retrain = [
            "run",
            "--models",
            args.model,
            "--dataset",
            args.dataset,
            "--budget",
            args.budget,
            "--metrics",
            args.metrics,
            "--runs-dir",
            str(runs),
            "--device",
            "cpu",
            "--force",
            "-q",
        ]
        evaluate = ["evaluate", str(folder), "--metrics", args.metrics, "--device", "cpu"]

        def timed(cmd):
            t0 = time.perf_counter()
            res = runner.invoke(cli, cmd, catch_exceptions=False)
            if res.exit_code:
                raise SystemExit(f"lpbench {' '.join(cmd)} exited {res.exit_code}:\n{res.output}")
            return time.perf_counter() - t0

        times = {"retrain": [], "evaluate": []}
        weights_unchanged = True
        for _ in range(args.repeats):
            times["retrain"].append(timed(retrain))
            weights = hashlib.sha256((folder / "model.pt").read_bytes()).hexdigest()
            train_s = json.loads((folder / "run.json").read_text())["timings"]["train_s"]
            times["evaluate"].append(timed(evaluate))
            times["evaluate"].append(timed(evaluate))
            rec = json.loads((folder / "run.json").read_text())
            weights_unchanged &= (
                hashlib.sha256((folder / "model.pt").read_bytes()).hexdigest() == weights
                and rec["timings"]["train_s"] == train_s
            )
        # close the alternation: each pair of evaluations sits between two retrainings
        times["retrain"].append(timed(retrain))
        samples_match = rec["evaluations"][-1]["samples_match"]

    med = {k: statistics.median(v) for k, v in times.items()}
    out = {
        "what": "lpbench evaluate (score a completed run from its saved model) vs lpbench run --force "
        "(retrain, then score), same metrics, same run folder, one process, CLI end to end",
        "model": args.model,
        "dataset": args.dataset,
        "budget": args.budget,
        "metrics": args.metrics.split(","),
        "seconds": {k: [round(x, 3) for x in v] for k, v in times.items()},
        "median_s": {k: round(v, 3) for k, v in med.items()},
        "ratio_evaluate_over_retrain": round(med["evaluate"] / med["retrain"], 4),
        "speedup": round(med["retrain"] / med["evaluate"], 1),
        "checkpoint_and_train_s_unchanged_by_evaluate": weights_unchanged,
        "evaluate_scored_the_same_samples": samples_match,
        "machine": {
            "platform": platform.platform(),
            "cores": os.cpu_count(),
            "torch_threads": 1,
            "note": "2 CPU cores shared with another developer's experiments",
        },
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
