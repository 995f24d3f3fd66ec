"""Why masked_gan's critic died on the `ns` arm (seed 0): replay the first generator steps of a
committed run with the critic's hidden layers measured, and with the masking split between the two
places it acts — the critic's fake batches and the generator's batches.

masked_gan `ns` seed 0 ended with a constant critic (s = 0.4985 on every point; its second and
third tanh layers saturated), gan's did not. The replay rebuilds a run from its run.json (same
seed, settings, data and batches: the replayed d_loss is compared with the record's curves.json
step by step) and trains it for --steps generator steps in five variants:

  gan               — the plain prior for both networks (gan's run);
  masked            — masked_gan as it ran: the top `rate` of the pre-sample by D(G(z)) for both;
  masked_critic     — the masked batches only in the critic's steps, the generator's plain;
  masked_generator  — the masked batches only in the generator's step, the critic's plain;
  masked_released   — masked_gan as it ran until step --release (300: its critic constant by then),
                      the critic's fakes plain from there: whether the dead critic revives.

Every --every steps, on a fixed probe (1 000 test points and 1 000 fakes of fixed plain-prior
codes): per tanh layer of D the fraction of activations beyond |0.99| and the units' mean spread
(standard deviation across the probe); D's output spread; D's mean probability on real and fake
probe points; the norm of the critic's loss gradient against a masked and against a plain batch of
probe fakes (critic_gradients), with D's mean probability on each of those fake batches and the
cosine between the gradient of D's output layer and that layer's weights (positive: a descent step
shrinks the layer, flattening D's output); the output layer's weight norm; and how far the
generator moved the probe's fakes since the previous row (mean distance), and, where the run's
weights are here, how far the rest of the run moved them from the replay's last step. Writes
critic_saturation.json beside this file.

    python studies/masked_weighted_emd/critic_saturation.py [--steps 1500] [--every 50]

One torch thread; ≈ 2–3 min per variant at 1 500 steps on this machine. A diagnostic of one
seed, not a verdict.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = HERE / "ns" / "runs" / "eight_gaussians" / "paper"
RELEASE = 300  # --release's default: masked_gan's critic is constant by then (logit spread 0.017 on the probe)
# variant: (the run it replays, mask the critic's fakes, mask the generator's codes, the critic's
# fakes plain again from generator step --release on)
VARIANTS = {
    "gan": ("gan", False, False, False),
    "masked": ("masked_gan", True, True, False),
    "masked_critic": ("masked_gan", True, False, False),
    "masked_generator": ("masked_gan", False, True, False),
    "masked_released": ("masked_gan", True, True, True),
}


def probe_stats(model, probe_real, probe_z) -> dict:
    """The critic on a fixed probe: saturation and spread of each tanh layer, output spread, and
    D's mean probability on the real and the fake half."""
    import torch

    acts = []
    hooks = [
        m.register_forward_hook(lambda _m, _i, out: acts.append(out)) for m in model.D if isinstance(m, torch.nn.Tanh)
    ]
    try:
        with torch.no_grad():
            x = torch.cat([probe_real, model.G(probe_z)])
            out = model.D(x).flatten()
    finally:
        for h in hooks:
            h.remove()
    n = len(probe_real)
    return {
        "out_weight_norm": round(float(_output_layer(model).weight.detach().norm()), 6),
        "saturated": [round(float((a.abs() > 0.99).float().mean()), 4) for a in acts],
        "spread": [round(float(a.std(dim=0).mean()), 5) for a in acts],
        "out_spread": round(float(out.std()), 6),
        "p_real": round(float(out[:n].sigmoid().mean()), 5),
        "p_fake": round(float(out[n:].sigmoid().mean()), 5),
    }


def _output_layer(model):
    import torch

    return [m for m in model.D.modules() if isinstance(m, torch.nn.Linear)][-1]


def critic_gradients(model, probe_real, probe_z, rate: float = 0.5) -> dict:
    """The critic's loss gradient (over D's parameters) on 500 real probe points against 500 fakes
    of probe codes: the top `rate` of the 1 000 probe codes by D(G(z)) — the masked batch the critic
    trains on — or the first 500 (a plain batch). Per batch: the gradient's norm, D's mean
    probability on its fakes, and the cosine between the output layer's weight gradient and its
    weights. For D = w·h + b near a constant, that gradient is ≈ ½(E_fakes h − E_real h), so
    w·grad ≈ ½(E_fakes D − E_real D): positive exactly when the fakes score above the real points,
    and then a descent step shrinks w. Nothing is updated."""
    import torch

    n = len(probe_real) // 2
    s = model.scores(probe_z)
    top = probe_z[torch.argsort(s, descending=True)[: int(rate * len(probe_z))]][:n]
    params = [q for q in model.D.parameters() if q.requires_grad]
    w = _output_layer(model).weight
    at = next(i for i, q in enumerate(params) if q is w)
    out = {}
    for name, z in (("masked", top), ("plain", probe_z[:n])):
        fakes = model.G(z).detach()
        with torch.enable_grad():
            loss = model.d_loss(probe_real[:n], fakes)
            grads = torch.autograd.grad(loss, params)
        out[f"critic_grad_{name}"] = round(float(torch.sqrt(sum((g * g).sum() for g in grads))), 8)
        with torch.no_grad():
            out[f"p_fake_{name}"] = round(float(model.D(fakes).sigmoid().mean()), 5)
            cos = torch.nn.functional.cosine_similarity(grads[at].flatten(), w.flatten(), dim=0)
        out[f"out_align_{name}"] = round(float(cos), 5)
    return out


def replay(variant: str, steps: int, every: int, seed: int = 0, runs: Path = RUNS, release_at: int = RELEASE) -> dict:
    import torch

    from lpbench.context import RunContext
    from lpbench.runner import untrained_run

    run, mask_critic, mask_generator, release = VARIANTS[variant]
    model, train, test, budget, rec = untrained_run(runs / run / f"seed{seed}")
    probe_g = torch.Generator().manual_seed(12345)  # the probe draws its own codes: it leaves training's RNG alone
    probe_real = test.x[torch.randperm(len(test), generator=probe_g)[:1000]]
    probe_z = model.base_prior(1000, probe_g)

    k = model.hp["critic_steps"]
    masked = model.train_latents  # the class's resampling (masked_gan: masked)
    calls = {"n": 0, "steps": 0}  # train_latents calls, generator steps done

    def split_latents(m: int):
        critic_call = calls["n"] % (k + 1) < k  # gan_step: k critic batches, then one generator batch
        calls["n"] += 1
        released = release and calls["steps"] >= release_at
        use_mask = (mask_critic and not released) if critic_call else mask_generator
        return masked(m) if use_mask else model.noise(m)

    if model.train_resampling != "prior":
        model.train_latents = split_latents

    rows = []
    step_fn = model.gan_step
    last_fakes = {}

    def gan_step(*a, **kw):
        out = step_fn(*a, **kw)
        calls["steps"] += 1
        done = calls["steps"]
        if done % every == 0 or done == 1:
            model.D.eval(), model.G.eval()
            with torch.no_grad():
                fakes = model.G(probe_z)
            # how far the generator moved the probe's fakes since the last row: a constant critic
            # passes it no gradient, but Adam rescales whatever gradient is left
            moved = float((fakes - last_fakes["x"]).norm(dim=1).mean()) if last_fakes else None
            last_fakes["x"] = fakes
            rows.append(
                {
                    "step": done - 1,
                    "d_loss": float(out[0].detach()),
                    **probe_stats(model, probe_real, probe_z),
                    **critic_gradients(model, probe_real, probe_z, model.hp["rate"]),
                    "fakes_moved": None if moved is None else round(moved, 6),
                }
            )
            model.D.train(), model.G.train()
        return out

    model.gan_step = gan_step
    ctx = RunContext(device="cpu", seed=rec["seed"], run_dir=None, total_steps=steps, log_every=10)
    model.fit(train, budget, ctx)
    recorded = {
        row["step"]: row["d_loss"] for row in json.loads((runs / run / f"seed{seed}" / "curves.json").read_text())
    }
    replayed = {row["step"]: row["d_loss"] for row in ctx.curves}
    common = sorted(set(recorded) & set(replayed))
    faithful = variant in ("gan", "masked")  # the others are not the recorded run
    to_final = None
    if faithful and (runs / run / f"seed{seed}" / "model.pt").exists():
        # how far the rest of the run (to its last step) moved the probe's fakes from the replay's
        from lpbench.runner import load_model

        final, _ = load_model(runs / run / f"seed{seed}")
        final.G.eval(), model.G.eval()
        with torch.no_grad():
            to_final = round(float((final.G(probe_z) - model.G(probe_z)).norm(dim=1).mean()), 6)
    return {
        "replays": f"{run} seed {seed}",
        "mask_critic_fakes": mask_critic,
        "mask_generator_codes": mask_generator,
        "max_abs_d_loss_diff_vs_record": (
            max(abs(recorded[s] - replayed[s]) for s in common) if faithful and common else None
        ),
        "last_d_loss_change_step": _last_change(ctx.curves),
        "fakes_moved_after_replay": to_final,
        "recorded_steps": rec.get("steps"),
        "probe": rows,
    }


def _last_change(curves) -> int | None:
    """The last logged step at which d_loss differs from the previous logged value."""
    last = None
    for a, b in zip(curves, curves[1:]):
        if a["d_loss"] != b["d_loss"]:
            last = b["step"]
    return last


def main(argv=None) -> int:
    import torch

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--every", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--release", type=int, default=RELEASE, help="masked_released: the step its critic's fakes turn plain"
    )
    ap.add_argument(
        "--runs", default=str(RUNS), help="the table folder holding gan/ and masked_gan/ (default: the ns arm's)"
    )
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--out", default=str(HERE / "critic_saturation.json"))
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    unknown = sorted(set(args.variants.split(",")) - set(VARIANTS))
    if unknown:
        print(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}", file=sys.stderr)
        return 2
    out = {"steps": args.steps, "every": args.every, "seed": args.seed, "release": args.release, "variants": {}}
    for v in args.variants.split(","):
        out["variants"][v] = replay(v, args.steps, args.every, args.seed, Path(args.runs), args.release)
        print(v, out["variants"][v]["probe"][-1], file=sys.stderr)
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
