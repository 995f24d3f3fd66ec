"""Evaluation cost against training cost, per model (issue 19). Writes
benchmarks/results/eval_cost.json.

    python benchmarks/eval_cost.py [--models glf,gan,...] [--compare glf,gan] [--skip-cpu] [--skip-smoke]

1. digits `cpu` budget, one thread: each model's run (lpbench.runner.run_one, as `lpbench run`);
   its record's train_s, eval_s (all metrics), seconds per metric and figures_s. Goal:
   eval_s ≤ 0.5 × train_s. Training and evaluation are timed in the same run, back to back, so
   the machine's load hits both.
2. digits `smoke` budget: each model's whole run, wall-clock and this process's CPU seconds (one
   thread: CPU seconds ≈ the wall-clock time on one idle core), plus one `lpbench run` subprocess
   with its interpreter start and imports (CPU seconds of the child). Goal: ≤ 30 s per model.
3. For the models in --compare, on their trained cpu-budget model: pag with the cpu budget's
   settings against the settings every budget had before issue 19 (n_points 1024 → all 360 test
   digits, 1000 steps), alternating, with both values: the cost saved and the bias of a truncated
   reversal (the converged fraction says how far each got).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(model, budget, runs, registry, plugins):
    from lpbench.runner import RunOptions, RunSpec, run_one

    c0, t0 = time.process_time(), time.perf_counter()
    rec = run_one(
        RunSpec(model, "digits", budget, 0), RunOptions(runs_dir=Path(runs), device="cpu", threads=1), registry, plugins
    )
    return rec, time.perf_counter() - t0, time.process_time() - c0


def cpu_budget(models, runs, registry, plugins, out):
    for m in models:
        rec, wall, cpu = _run(m, "cpu", runs, registry, plugins)
        t = rec.get("timings", {})
        row = {
            "status": rec["status"],
            "error": rec.get("error"),
            "train_s": t.get("train_s"),
            "eval_s": t.get("eval_s"),
            "metric_s": t.get("metric_s"),
            "figures_s": t.get("figures_s"),
            "run_wall_s": wall,
            "run_cpu_s": cpu,
            "load": os.getloadavg(),
            "pag": {k: v for k, v in rec.get("metrics", {}).items() if k.startswith("pag")},
        }
        if row["train_s"] and row["eval_s"] is not None:
            row["eval_over_train"] = row["eval_s"] / row["train_s"]
            row["goal_met"] = row["eval_over_train"] <= 0.5
        out[m] = row
        print(
            f"cpu {m}: train {row['train_s']:.1f}s eval {row['eval_s']:.1f}s ratio {row.get('eval_over_train', 0):.2f} "
            f"(pag {(t.get('metric_s') or {}).get('pag', 0):.1f}s, figures {row['figures_s'] or 0:.1f}s)",
            flush=True,
        )


def smoke_budget(models, runs, registry, plugins, out):
    for m in models:
        rec, wall, cpu = _run(m, "smoke", runs, registry, plugins)
        out[m] = {
            "status": rec["status"],
            "error": rec.get("error"),
            "wall_s": wall,
            "cpu_s": cpu,
            "timings": rec.get("timings"),
            "load": os.getloadavg(),
            "goal_met": cpu <= 30.0,
        }
        print(f"smoke {m}: wall {wall:.1f}s cpu {cpu:.1f}s", flush=True)


def smoke_subprocess(model, runs) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    # the console script's own entry point (lpbench.cli has no __main__ guard: `-m` would import and exit)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from lpbench.cli import main; main()",
            "run",
            "--models",
            model,
            "--dataset",
            "digits",
            "--budget",
            "smoke",
            "--runs-dir",
            str(runs),
            "-q",
            "--threads",
            "1",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    record = Path(runs) / "digits" / "smoke" / model / "seed0" / "run.json"
    completed = record.exists() and json.loads(record.read_text()).get("status") == "completed"
    return {
        "model": model,
        "exit_code": proc.returncode,
        "completed": completed,
        "wall_s": time.perf_counter() - t0,
        "cpu_s": cpu,
        "goal_met": completed and cpu <= 30.0,
        "stderr_tail": proc.stderr[-500:],
    }


def compare_pag(models, runs, registry, plugins, out):

    from lpbench.evaluation import evaluate
    from lpbench.runner import load_model

    for m in models:
        folder = Path(runs) / "digits" / "cpu" / m / "seed0"
        model, rec = load_model(folder, registry, plugins)
        model.name = m
        ds = plugins.get("dataset", "digits")(rec["config"]["data"])
        from lpbench.evaluation import reference_subset

        test = ds.load("test", seed=0)
        ref = reference_subset(test, len(test))
        cls = plugins.get("metric", "pag")
        now = registry.metric_settings(plugins, "cpu")["pag"]
        before = registry.metric_settings(plugins, "paper")["pag"]  # what every budget used before issue 19
        res = {}
        for name, settings in (("cpu_budget", now), ("before", before), ("cpu_budget_2", now)):
            t0 = time.perf_counter()
            vals, _, _ = evaluate(
                {"pag": cls(settings)},
                dataset="digits",
                kind="image",
                samples=ref,
                reference=ref,
                model=model,
                seed=0,
                use_cache=False,
            )
            res[name] = {
                "seconds": time.perf_counter() - t0,
                "settings": {k: settings[k] for k in ("n_points", "steps")},
                **{
                    k: vals[k]
                    for k in (
                        "pag",
                        "pag_normalized",
                        "pag_n",
                        "pag_reversal_converged",
                        "pag_reversal_steps",
                        "pag_reversal_mse",
                    )
                },
            }
            print(
                f"pag {m} {name}: {res[name]['seconds']:.1f}s pag_normalized {vals['pag_normalized']:.3f}", flush=True
            )
        res["cost_ratio_before_over_now"] = res["before"]["seconds"] / min(
            res["cpu_budget"]["seconds"], res["cpu_budget_2"]["seconds"]
        )
        out[m] = res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=None, help="comma-separated; default: every registered model")
    ap.add_argument("--compare", default="glf,gan")
    ap.add_argument("--skip-cpu", action="store_true")
    ap.add_argument("--skip-smoke", action="store_true")
    ap.add_argument("--out", default=str(Path(__file__).with_name("results") / "eval_cost.json"))
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    from lpbench.plugins import get_plugins
    from lpbench.registry import Registry

    registry, plugins = Registry.load(), get_plugins()
    models = args.models.split(",") if args.models else sorted(plugins.all("model"))
    # Sections not rerun (--skip-*) keep their values from an earlier run of the same file; each
    # model row is replaced only when that model is measured again.
    old = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
    result = {
        **old,
        "benchmark": "evaluation vs training time (digits cpu) and smoke runs (digits smoke), one thread",
        "models": sorted(set(old.get("models", [])) | set(models)),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "load_start": os.getloadavg(),
        "pag_settings": {b: registry.metric_settings(plugins, b)["pag"] for b in ("smoke", "cpu", "paper")},
        "goals": {"eval_over_train_at_digits_cpu": 0.5, "smoke_run_s_one_idle_core": 30},
    }

    def save():
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=2, default=str) + "\n")

    with tempfile.TemporaryDirectory() as runs:
        if not args.skip_smoke:
            result.setdefault("smoke", {})
            smoke_budget(models, runs, registry, plugins, result["smoke"])
            result["smoke_subprocess"] = smoke_subprocess("vae", Path(runs) / "sub")
            save()
        if not args.skip_cpu:
            result.setdefault("cpu", {})
            cpu_budget(models, runs, registry, plugins, result["cpu"])
            save()
            result.setdefault("pag_before_vs_now", {})
            compare_pag(
                [m for m in args.compare.split(",") if m in models],
                runs,
                registry,
                plugins,
                result["pag_before_vs_now"],
            )
    rows = result.get("cpu", {})
    result["summary"] = {
        "cpu_goal_met": sorted(m for m, r in rows.items() if r.get("goal_met")),
        "cpu_goal_missed": sorted(m for m, r in rows.items() if r.get("goal_met") is False),
        "smoke_goal_met_cpu_s": sorted(m for m, r in result.get("smoke", {}).items() if r["goal_met"]),
        "smoke_goal_missed_cpu_s": sorted(m for m, r in result.get("smoke", {}).items() if not r["goal_met"]),
    }
    result["load_end"] = os.getloadavg()
    save()
    print(json.dumps(result["summary"], indent=2))


if __name__ == "__main__":
    main()
