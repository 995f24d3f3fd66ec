"""The measuring half of benchmarks/gpu_check.sh (issue 19): a smoke run of every model on the
device with bf16, and step times of glf / rae / vae / gan at the digits paper budget on the device
against the CPU. Writes one JSON document (benchmarks/results/gpu.json by default).

    python benchmarks/gpu_bench.py --device cuda [--steps 30] [--out FILE]
    python benchmarks/gpu_bench.py --device cpu --dry-run      # the script itself, on a CPU machine

--dry-run measures on the CPU only, with few steps and the smoke runs of --smoke-models only, and
marks the document "dry_run": true: it checks the script and its JSON, not a GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
import traceback
from pathlib import Path

STEP_MODELS = ["glf", "rae", "vae", "gan"]


def smoke_runs(models, device, runs) -> dict:
    from lpbench.plugins import get_plugins
    from lpbench.registry import Registry
    from lpbench.runner import RunOptions, RunSpec, run_one

    registry, plugins, out = Registry.load(), get_plugins(), {}
    for m in models:
        opts = RunOptions(runs_dir=Path(runs), device=device, overrides={"budget": {"precision": "bf16"}}, threads=1)
        t0 = time.perf_counter()
        try:
            rec = run_one(RunSpec(m, "digits", "smoke", 0), opts, registry, plugins)
            out[m] = {
                "status": rec["status"],
                "error": rec.get("error"),
                "wall_s": time.perf_counter() - t0,
                "precision": rec["config"]["budget"]["precision"],
                "device": rec["environment"]["device"],
                "timings": rec.get("timings"),
                "fid": rec.get("metrics", {}).get("fid"),
                "pag_normalized": rec.get("metrics", {}).get("pag_normalized"),
            }
        except Exception as e:  # one model's failure is recorded, never the end of the check
            out[m] = {
                "status": "failed",
                "error": f"{type(e).__name__}: {e}",
                "traceback": traceback.format_exc()[-2000:],
                "wall_s": time.perf_counter() - t0,
            }
        print(f"smoke {m} on {device} (bf16): {out[m]['status']} in {out[m]['wall_s']:.1f}s", flush=True)
    return out


def step_times(model_name, device, precision, steps) -> dict:
    """Median seconds per training step of ``model_name`` at the digits paper budget (its batch
    size and networks) on ``device``: ``steps`` steps of its own fit, the first (set-up) dropped."""
    import torch

    from lpbench import RunContext
    from lpbench.context import autocast
    from lpbench.plugins import get_plugins
    from lpbench.registry import Registry
    from lpbench.runner import load_split

    registry, plugins = Registry.load(), get_plugins()
    resolved = registry.resolve(model_name, "digits", "paper", plugins)
    torch.manual_seed(0)
    model = plugins.get("model", model_name)(resolved.model_config)
    model.name = model_name
    data = load_split(plugins, resolved, "train", 0, None).to(device)
    budget = model.train_budget(resolved.budget)
    stamps = []
    with tempfile.TemporaryDirectory() as d:
        ctx = RunContext(
            device=device,
            seed=0,
            run_dir=Path(d),
            total_steps=steps,
            log_every=budget.log_every,
            checkpoint_every=10**9,
        )
        orig = ctx.end_step

        def timed(step, **values):
            orig(step, **values)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            stamps.append(time.perf_counter())

        ctx.end_step = timed
        model.after_training = lambda *a, **k: None  # the ex-post stages (rae's GMM) are not steps
        with autocast(device, precision):
            model.fit(data, budget, ctx)
    per = [b - a for a, b in zip(stamps[:-1], stamps[1:])]
    return {
        "device": device,
        "precision": precision,
        "batch_size": budget.batch_size,
        "steps_timed": len(per),
        "median_step_s": statistics.median(per) if per else None,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--smoke-models", default=None, help="comma-separated; default: every registered model")
    ap.add_argument("--step-models", default=",".join(STEP_MODELS))
    ap.add_argument("--tests-rc", type=int, default=None, help="exit code of the CUDA-marked tests (gpu_check.sh)")
    ap.add_argument("--tests-log", default=None)
    ap.add_argument("--out", default=str(Path(__file__).with_name("results") / "gpu.json"))
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    from lpbench.plugins import get_plugins

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("gpu_bench: --device cuda but torch sees no CUDA device")
    doc = {
        "benchmark": "GPU check (issue 19): CUDA tests, a bf16 smoke run of every model, step times at the digits "
        "paper budget on the device vs the CPU",
        "dry_run": args.dry_run,
        "device": args.device,
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpu_threads": 1,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if args.tests_rc is not None:
        log = Path(args.tests_log).read_text()[-3000:] if args.tests_log and Path(args.tests_log).exists() else ""
        summary = [
            line
            for line in log.splitlines()
            if " passed" in line or " failed" in line or " skipped" in line or "no tests ran" in line
        ]
        doc["cuda_tests"] = {
            "exit_code": args.tests_rc,
            "passed": args.tests_rc == 0,
            "summary": summary[-1] if summary else None,
            "log_tail": log[-1500:],
        }

    def save():
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(doc, indent=2, default=str) + "\n")

    smoke = args.smoke_models.split(",") if args.smoke_models else sorted(get_plugins().all("model"))
    with tempfile.TemporaryDirectory() as runs:
        doc["smoke_bf16"] = smoke_runs(smoke, args.device, runs)
    save()
    doc["step_times"] = {}
    for m in args.step_models.split(","):
        row = {}
        sides = [("cpu_fp32", "cpu", "fp32")]
        if args.device != "cpu":
            sides = [(f"{args.device}_fp32", args.device, "fp32"), (f"{args.device}_bf16", args.device, "bf16"), *sides]
        for key, device, precision in sides:
            try:
                row[key] = step_times(m, device, precision, args.steps)
            except Exception as e:
                row[key] = {"error": f"{type(e).__name__}: {e}"}
        dev = row.get(f"{args.device}_fp32", {}).get("median_step_s")
        cpu = row["cpu_fp32"].get("median_step_s")
        if dev and cpu and args.device != "cpu":
            row["speedup_fp32_vs_cpu"] = cpu / dev
        doc["step_times"][m] = row
        print(
            f"steps {m}: " + ", ".join(f"{k} {v.get('median_step_s')}" for k, v in row.items() if isinstance(v, dict)),
            flush=True,
        )
        save()
    doc["smoke_failed"] = sorted(m for m, r in doc["smoke_bf16"].items() if r["status"] != "completed")
    doc["ok"] = not doc["smoke_failed"] and doc.get("cuda_tests", {}).get("passed", True)
    doc["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    save()
    print(json.dumps({k: doc[k] for k in ("ok", "smoke_failed", "dry_run")}))
    return 0 if doc["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
