"""One run at 1 thread vs 2, side by side in one process (alternating, so a change in the
machine's load hits both), for lpbench's default thread count (lpbench.threads, issue 19).
Writes benchmarks/results/threads.json.

    python benchmarks/threads.py [--model vae] [--dataset digits] [--budget cpu] [--repeats 2]

Whole runs (training, evaluation, figures) through lpbench.runner.run_one with
RunOptions(threads=k), the path `lpbench run --threads k` takes. The JSON records the load
average around every run: on a shared machine the ratio says what a user on it gets, not what an
idle machine would give.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path


def one_run(threads: int, args) -> dict:
    from lpbench.plugins import get_plugins
    from lpbench.registry import Registry
    from lpbench.runner import RunOptions, RunSpec, run_one

    with tempfile.TemporaryDirectory() as runs:
        load = os.getloadavg()
        t0, c0 = time.perf_counter(), time.process_time()
        rec = run_one(
            RunSpec(args.model, args.dataset, args.budget, 0),
            RunOptions(runs_dir=Path(runs), device="cpu", threads=threads),
            Registry.load(),
            get_plugins(),
        )
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert rec["status"] == "completed", rec.get("error")
    t = rec["timings"]
    return {
        "threads": threads,
        "recorded_threads": rec["environment"]["threads"],
        "wall_s": wall,
        "cpu_s": cpu,
        "train_s": t["train_s"],
        "eval_s": t["eval_s"],
        "figures_s": t.get("figures_s"),
        "load_before": load,
        "load_after": os.getloadavg(),
        "fid": rec["metrics"].get("fid"),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="vae")
    ap.add_argument("--dataset", default="digits")
    ap.add_argument("--budget", default="cpu")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", default=str(Path(__file__).with_name("results") / "threads.json"))
    args = ap.parse_args()
    import torch

    rounds = []
    for r in range(args.repeats):
        order = (1, 2) if r % 2 == 0 else (2, 1)  # alternate which goes first
        got = {k: one_run(k, args) for k in order}
        rounds.append({"1": got[1], "2": got[2]})
        print(f"round {r}: 1 thread {got[1]['wall_s']:.1f}s, 2 threads {got[2]['wall_s']:.1f}s", flush=True)
    best = {k: min(x[k]["wall_s"] for x in rounds) for k in ("1", "2")}
    train = {k: min(x[k]["train_s"] for x in rounds) for k in ("1", "2")}
    result = {
        "benchmark": "one lpbench run at 1 vs 2 torch threads, side by side in one process",
        "model": args.model,
        "dataset": args.dataset,
        "budget": args.budget,
        "wall_s_1_thread": best["1"],
        "wall_s_2_threads": best["2"],
        "ratio_2_over_1": best["2"] / best["1"],
        "train_ratio_2_over_1": train["2"] / train["1"],
        "faster": "1 thread" if best["1"] <= best["2"] else "2 threads",
        "same_fid_across_thread_counts": len({x[k]["fid"] for x in rounds for k in ("1", "2")}) == 1,
        "rounds": rounds,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "note": "min over rounds; load average (1, 5, 15 min) recorded around each run",
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "rounds"}, indent=2))


if __name__ == "__main__":
    main()
