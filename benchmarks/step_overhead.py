"""Per-step cost of training inside lpbench vs a bare PyTorch loop, for every autoencoder model.

Both sides run the same model object's networks, optimizers and ``train_step`` (the step's math)
on the same dataset, batch size and device; what differs is everything lpbench puts around a step:
``model.fit``'s loop, ``data.batches`` (seeded shuffles, device-side indexing), ``ctx.end_step``
(curve logging every log_every steps, progress, NaN/wall-clock checks, checkpoint scheduling).
The bare loop indexes a pre-converted float tensor with a torch.randperm and calls train_step.

Each model is timed in A-B-B-A blocks in one process and the per-step median is taken (the machine
is shared; medians resist load spikes). A checkpoint's cost is measured separately and amortized
over the budget's checkpoint_every. Because a whole step's time on a shared CPU varies by several
percent from block to block, the loop machinery is also timed alone (train_step stubbed to return
fixed curve values, many steps) and reported as a fraction of a bare step. Ex-post stages (rae_gmm's GMM fit, two_stage_vae's second
stage) are not steps of the main network and are left out.

    python benchmarks/step_overhead.py [--dataset digits] [--budget cpu] [--steps 25] [--out FILE]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch

MODELS = ["vae", "rae_gmm", "wae_gan", "wae_mmd", "two_stage_vae", "glf", "glf_regularized", "vae_flow_prior"]


def build(name, resolved):
    from lpbench.plugins import get_plugins

    torch.manual_seed(0)
    return get_plugins().get("model", name)(resolved.model_config)


def lpbench_steps(model, data, budget, steps, run_dir):
    """Per-step wall times of model.fit (time between consecutive end_step calls)."""
    from lpbench import RunContext

    ctx = RunContext(
        seed=0, run_dir=run_dir, total_steps=steps, log_every=budget.log_every, checkpoint_every=10**9
    )  # checkpoints are costed separately below
    times = []
    orig = ctx.end_step

    def timed(step, **values):
        orig(step, **values)
        times.append(time.perf_counter())

    ctx.end_step = timed
    model.after_training = lambda *a, **k: None
    t0 = time.perf_counter()
    model.fit(data, budget, ctx)
    stamps = [t0, *times]
    return [b - a for a, b in zip(stamps[:-1], stamps[1:])][1:]  # drop the first (setup) step


def bare_steps(model, x, batch_size, steps, opts):
    g = torch.Generator().manual_seed(0)
    model.train(True)
    times = []
    n = len(x)
    perm = torch.randperm(n, generator=g)
    pos = 0
    for _ in range(steps):
        t0 = time.perf_counter()
        if pos + batch_size > n:
            perm, pos = torch.randperm(n, generator=g), 0
        model.train_step(x[perm[pos : pos + batch_size]], opts)
        pos += batch_size
        times.append(time.perf_counter() - t0)
    return times[1:]


def stubbed(model, values):
    """The same model with its step's math replaced by returning fixed values: what remains is
    the loop around the step, measured with far less noise than a whole step on a shared CPU."""
    model.train_step = lambda x, opts: values
    return model


def checkpoint_seconds(model, data, budget, run_dir):
    from lpbench import RunContext

    ctx = RunContext(seed=0, run_dir=run_dir, total_steps=1)
    opts = model.make_optimizers()
    ctx.track(**model.networks(), **{f"opt_{k}": o for k, o in opts.items()})
    t0 = time.perf_counter()
    for _ in range(3):
        ctx.checkpoint(1)
    return (time.perf_counter() - t0) / 3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", default="digits")
    ap.add_argument("--budget", default="cpu")
    ap.add_argument("--steps", type=int, default=25, help="steps per timed block (4 blocks per model)")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "step_overhead.json"))
    args = ap.parse_args()
    torch.set_num_threads(1)

    from lpbench.plugins import get_plugins
    from lpbench.registry import Registry
    from lpbench.runner import load_split

    registry, plugins = Registry.load(), get_plugins()
    rows = {}
    for name in args.models.split(","):
        resolved = registry.resolve(name, args.dataset, args.budget, plugins)
        # Main-network steps only: no auxiliary stage (two_stage_vae's second VAE).
        budget = dataclasses.replace(resolved.budget, aux_epochs=0)
        data = load_split(plugins, resolved, "train", 0, None)
        x = data.as_float(data.x)
        lp, bare = [], []
        with tempfile.TemporaryDirectory() as tmp:
            for block in ("A", "B", "B", "A"):
                model = build(name, resolved)
                if block == "A":
                    lp += lpbench_steps(model, data, budget, args.steps, Path(tmp) / f"r{len(lp)}")
                else:
                    bare += bare_steps(model, x, min(budget.batch_size, len(data)), args.steps, model.make_optimizers())
            ckpt = checkpoint_seconds(build(name, resolved), data, budget, Path(tmp) / "ckpt")
            # The machinery alone, many steps: the step returns the curve values of a real step.
            probe = build(name, resolved)
            probe.train(True)
            values = {
                k: v.detach() for k, v in probe.train_step(x[: budget.batch_size], probe.make_optimizers()).items()
            }
            n_stub = 20 * args.steps
            lp_stub = lpbench_steps(stubbed(build(name, resolved), values), data, budget, n_stub, Path(tmp) / "stub")
            bare_stub = bare_steps(
                stubbed(build(name, resolved), values), x, min(budget.batch_size, len(data)), n_stub, {}
            )
        m_lp, m_bare = statistics.median(lp), statistics.median(bare)
        amortized = ckpt / budget.checkpoint_every
        rows[name] = {
            "bare_step_s": m_bare,
            "lpbench_step_s": m_lp,
            "ratio": m_lp / m_bare,
            "checkpoint_s": ckpt,
            "checkpoint_every": budget.checkpoint_every,
            "ratio_with_checkpoints": (m_lp + amortized) / m_bare,
            "timed_steps_each": len(lp),
            "machinery_lpbench_s": statistics.mean(lp_stub),
            "machinery_bare_s": statistics.mean(bare_stub),
            "machinery_overhead_fraction": (statistics.mean(lp_stub) - statistics.mean(bare_stub) + amortized) / m_bare,
        }
        print(
            f"{name:16s} bare {m_bare * 1e3:7.1f} ms  lpbench {m_lp * 1e3:7.1f} ms  ratio {m_lp / m_bare:.3f}"
            f"  (+checkpoints {rows[name]['ratio_with_checkpoints']:.3f})"
            f"  machinery alone: {rows[name]['machinery_overhead_fraction'] * 100:+.3f}% of a bare step",
            flush=True,
        )
    out = {
        "what": "median per-step wall time, lpbench model.fit vs a bare loop calling the same train_step "
        "(ratio); and the loop machinery alone (train_step stubbed), mean per step, with amortized "
        "checkpoints, as a fraction of a bare step (machinery_overhead_fraction)",
        "dataset": args.dataset,
        "budget": args.budget,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "platform": platform.platform(),
        "models": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
