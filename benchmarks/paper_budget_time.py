"""Expected training time of every model at the `paper` budget of the GPU-scale datasets (GLF paper
App. B settings), from measured step times. Writes benchmarks/results/paper_budget_time[_<device>].json.

    python benchmarks/paper_budget_time.py [--device cpu|cuda] [--datasets mnist,cifar10] [--models glf,vae]

No dataset files are needed: a training step costs the same on random images of the dataset's
shape. Each model is trained for K1 and K2 main-network steps on the same data and the step time
is (t(K2) − t(K1)) / (K2 − K1), so fixed costs (building the optimizer, an ex-post stage on the
same data) cancel; auxiliary stages (a second VAE, PGAN's secondary GAN, a fitted prior) are
switched off and not counted — they train small MLPs on codes. Expected time = step time ×
the model's steps at the paper budget (epochs × ⌊n_train / batch⌋, with the batch size and epoch
scale its paper gives it: Model.train_budget). Measured with one torch thread on CPU.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import replace
from pathlib import Path

import torch

N_TRAIN = {"mnist": 60000, "fashion_mnist": 60000, "cifar10": 50000, "celeba": 162770}  # train split sizes
# Things that would dominate a few-step measurement and do not depend on the step count.
TIMING_OVERRIDES = {"pgan": {"reversal_steps": 1}}


def step_seconds(model_name, dataset, registry, plugins, device, k1, k2) -> float:
    from lpbench import DataSplit, RunContext
    from lpbench.registry import parse_overrides

    overrides = parse_overrides(
        [f"{model_name}.{k}={v}" for k, v in TIMING_OVERRIDES.get(model_name, {}).items()], [model_name]
    )
    resolved = registry.resolve(model_name, dataset, "paper", plugins, overrides)
    # the model's own batch size and epochs where its paper gives them (Model.train_budget)
    shaped = plugins.get("model", model_name)(resolved.model_config).train_budget(resolved.budget)
    budget = replace(shaped, aux_epochs=0.0)
    ds_cls = plugins.get("dataset", dataset)
    n = budget.batch_size * 2  # enough for any step; batches cycle through epochs
    x = torch.randint(0, 256, (n, *ds_cls.shape), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    y = torch.randint(0, ds_cls.num_classes or 1, (n,)) if ds_cls.num_classes else None
    data = DataSplit(x, y, "image", dataset, "train").to(device)
    times = {}
    for k in (1, k1, k2):  # the first fit warms up (kernel choice, allocator) and is not used
        torch.manual_seed(0)
        model = plugins.get("model", model_name)(resolved.model_config)
        ctx = RunContext(device=device, seed=0, total_steps=k, log_every=10**9)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        model.fit(data, budget, ctx)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        times[k] = time.perf_counter() - t0
    return max(0.0, (times[k2] - times[k1]) / (k2 - k1)), shaped.steps(N_TRAIN[dataset])


def main():
    from lpbench.plugins import get_plugins
    from lpbench.registry import Registry

    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--datasets", default="mnist,cifar10,celeba")
    ap.add_argument("--models", default=None, help="default: every registered model")
    ap.add_argument("--k1", type=int, default=2)
    ap.add_argument("--k2", type=int, default=4)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    if args.device == "cpu":
        torch.set_num_threads(1)
    registry, plugins = Registry.load(), get_plugins()
    models = args.models.split(",") if args.models else sorted(plugins.all("model"))
    results = {}
    out = Path(args.out or Path(__file__).with_name("results") / f"paper_budget_time_{args.device.split(':')[0]}.json")
    info = {
        "device": args.device,
        "cpu": platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "k1": args.k1,
        "k2": args.k2,
        "datasets": results,
    }
    if args.device.startswith("cuda"):
        info["gpu"] = torch.cuda.get_device_name()
    for ds in args.datasets.split(","):
        budget = registry.budget(ds, "paper")
        results[ds] = {
            "paper_budget": {
                "epochs": budget.epochs,
                "batch_size": budget.batch_size,
                "steps": budget.steps(N_TRAIN[ds]),
            },
            "models": {},
        }
        for m in models:
            s, steps = step_seconds(m, ds, registry, plugins, args.device, args.k1, args.k2)
            results[ds]["models"][m] = {"step_s": s, "steps": steps, "expected_train_h": s * steps / 3600}
            print(f"{ds:14s} {m:18s} {s:8.3f} s/step  → {s * steps / 3600:8.1f} h for {steps} steps", flush=True)
            if ds == "mnist":  # Fashion-MNIST: the same shape, size and budget, so the same time
                results["fashion_mnist"] = {**results["mnist"], "same_as": "mnist"}
            out.write_text(json.dumps(info, indent=2) + "\n")  # after each model: a stopped run keeps what it measured


if __name__ == "__main__":
    main()
