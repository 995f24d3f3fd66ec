"""Why does two_stage_vae sample eight Gaussians no better than their mean? Its first stage
collapses: in the committed runs (`leaderboard/runs/eight_gaussians/paper`) its KL term falls to
≈ 0 within 50 steps and stays there, its reconstruction error stays at the data's variance, and its
decoder ceiling (≈ 0.80) is the EMD of a point at the origin to a circle of radius 0.8.

The hypothesis measured here: a Gaussian decoder N(x̂, γ²I) gains nothing from a latent direction
while γ² exceeds the data's variance along it (for a linear VAE the collapsed posterior is then a
stable optimum, Lucas et al. 2019, "Don't blame the ELBO"); γ starts at 1 (Dai & Wipf's code) and
Adam at lr 1e-4 moves log γ by at most ≈ 1e-4 per step, so within the budget γ may never fall below
the data's standard deviation per axis (√0.32 ≈ 0.566 at radius 0.8).

For each committed run (per seed), from its records: the first stage's γ at its last logged step,
its largest KL after step 100, its final reconstruction error against the training data's total
variance, the smallest γ Adam's step bound allows under the run's learning-rate schedule, and the
data's largest per-direction variance. Then a controlled replay of the run's first stage (same
initial weights, batches and noise: the replay's learned-γ variant is compared with the record's
curves step by step) for --steps steps in three variants:

  learned — γ learned, as the run trained it;
  below   — log γ frozen at γ = 0.8·σ (σ² the data's largest per-direction variance);
  above   — log γ frozen at γ = 1.2·σ.

The hypothesis predicts KL ≈ 0 for `learned` and `above` and a KL that grows (and a reconstruction
error that falls below the data's variance) for `below`. Writes replay.json beside this file.

    python studies/two_stage_vae_collapse/replay.py [--steps 3000] [--seeds 0,1]

One torch thread; ≈ 1 min per variant at 3 000 steps on this machine. Needs only the committed
run records (no weights).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RUNS = ROOT / "leaderboard" / "runs" / "eight_gaussians" / "paper" / "two_stage_vae"
VARIANTS = {"learned": None, "below": 0.8, "above": 1.2}  # frozen γ as a multiple of σ


def from_records(folder: Path, train) -> dict:
    """What the committed run's curves say about its first stage."""
    import torch

    from lpbench import records
    from lpbench.schedules import Factor, milestones

    rec = records.read_record(folder)
    first = [row for row in json.loads((folder / "curves.json").read_text()) if "gamma" in row]
    hp = rec["config"]["hparams"]
    n1 = rec["steps"]  # the first stage's steps (the second stage's are the budget's aux steps)
    factor = Factor(milestones(hp["lr_schedule"], n1))
    # Adam moves a parameter by at most ≈ lr per step: log γ can fall at most Σ_t lr_t below 0
    min_gamma = math.exp(-hp["lr"] * sum(factor(t) for t in range(n1)))
    var = torch.linalg.eigvalsh(torch.cov(train.x.flatten(1).T.double()))
    return {
        "first_stage_steps": n1,
        "gamma_end": first[-1]["gamma"],
        "min_gamma_adam_bound": min_gamma,
        "max_kl_after_step_100": max((row["kl"] for row in first if row["step"] > 100), default=None),
        "sse_end": first[-1]["sse"],
        "data_total_variance": float(var.sum()),
        "data_max_direction_variance": float(var.max()),
        "sigma": math.sqrt(float(var.max())),
    }


def replay(folder: Path, variant: str, steps: int, every: int) -> dict:
    import torch

    from lpbench.runner import untrained_run
    from lpbench.schedules import scheduler

    model, train, _test, budget, rec = untrained_run(folder)
    sigma = math.sqrt(float(torch.linalg.eigvalsh(torch.cov(train.x.flatten(1).T.double())).max()))
    log_gamma = model.gamma["log_gamma"]
    if VARIANTS[variant] is not None:
        with torch.no_grad():
            log_gamma.fill_(math.log(VARIANTS[variant] * sigma))
        log_gamma.requires_grad_(False)  # Adam skips a parameter without a gradient
    opts = model.make_optimizers()
    schedule = scheduler(opts["first"], model.hp["lr_schedule"], rec["steps"])  # the run's first stage's
    model.train(True)
    batches = train.batches(budget.batch_size, rec["seed"], 0)
    rows = []
    for step in range(steps):
        values = model.train_step(next(batches), opts)
        schedule.step()
        if step % every == 0 or step == steps - 1:
            rows.append({"step": step, **{k: float(torch.as_tensor(v).detach()) for k, v in values.items()}})
    out = {"gamma_frozen_at": None if VARIANTS[variant] is None else VARIANTS[variant] * sigma, "rows": rows}
    if variant == "learned":
        recorded = {r["step"]: r["kl"] for r in json.loads((folder / "curves.json").read_text()) if "kl" in r}
        common = [r for r in rows if r["step"] in recorded]
        out["max_abs_kl_diff_vs_record"] = max(abs(r["kl"] - recorded[r["step"]]) for r in common)
    return out


def main(argv=None) -> int:
    import torch

    from lpbench.runner import untrained_run

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--every", type=int, default=50)
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--runs", default=str(RUNS), help="two_stage_vae's folder of seed<N>/ run folders")
    ap.add_argument("--out", default=str(HERE / "replay.json"))
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    out = {"steps": args.steps, "every": args.every, "seeds": {}}
    for seed in (int(s) for s in args.seeds.split(",")):
        folder = Path(args.runs) / f"seed{seed}"
        if not (folder / "run.json").exists():
            print(f"{folder} holds no run.json", file=sys.stderr)
            return 2
        _model, train, *_ = untrained_run(folder)
        entry = {"records": from_records(folder, train), "replays": {}}
        for variant in VARIANTS:
            entry["replays"][variant] = replay(folder, variant, args.steps, args.every)
            print(seed, variant, entry["replays"][variant]["rows"][-1], file=sys.stderr)
        out["seeds"][str(seed)] = entry
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
