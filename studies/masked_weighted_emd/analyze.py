"""The masked/weighted-prior study (issue 15, experiment i): do masked_gan and weighted_gan lower
EMD below gan on eight Gaussians at the paper's scale (masked/weighted paper §4.1: 0.1328 / 0.0891
/ 0.3195), under the NS path and under the paper's Table 1 critic? Reads the run records under
<arm>/runs/, writes results.json and results.md next to this file and the tables into
docs/models.md between its markers. Every number comes from the records (the grid is filled across
sessions; each row says how many seeds it has).

Tests: the claims' own (leaderboard/claims.py): a paired t-test by seed — eight Gaussians draws its
training and reference points from the seed, so a seed's three runs share them — on the seeds both
models have; weighted < gan and masked < gan Holm-corrected together; two-sided, α = 0.05. The
floor is the real_data reference row (held-out real points against the same reference set), the
pixel_gaussian row a one-Gaussian baseline (a GAN that does not beat it has not learned the modes).
Whether the critic still gives the generator (and the masked/weighted priors, whose weights are
its scores) a signal is read from each saved run: the spread of its score s (the sigmoid's output,
or D's probability on the ns path) over held-out real points and over generated ones, and the last
logged step at which its loss changed by more than 1e-6 since the step logged before it.
The paper's fourth row, gan sampled from the masked prior only at generation, resamples each gan
run's generator (kept in the runs directory for this).

    python studies/masked_weighted_emd/analyze.py [--check]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE.parent), str(ROOT / "leaderboard"), str(ROOT / "benchmarks")]
import claims  # noqa: E402  (leaderboard/claims.py: the tests every published claim uses)
from publish import fmt_summary, fmt_test, publish  # noqa: E402  (studies/publish.py)

MODELS = ("gan", "masked_gan", "weighted_gan")
# arm → (its settings, the models it runs); the two arms the claim reads are described once, in
# claims.EMD_ARMS, with the `--set` patterns that make them here
ARMS = {
    "ns": (f"{claims.EMD_ARMS['ns']} (`'*.loss=ns'`)", MODELS),
    "table1": (
        "the paper's Table 1 critic (`'*.loss=wgan'`, sigmoid output, RMSProp, clip 0.01): w ∝ s. "
        "Stopped after gan seed 0 by the pre-stated (i-b) rule: the clipped critic did not train the "
        "baseline, so masked_gan and weighted_gan are not run at this clip",
        ("gan",),
    ),
    "table1_clip0.1": (
        f"{claims.EMD_ARMS['table1_clip0.1']} (table1's patterns with `'*.clip=0.1'`), the (i-b) rule's rerun",
        MODELS,
    ),
}
TABLE = ("eight_gaussians", "paper")


def analyse_arm(arm: str, models) -> dict:
    from lpbench.stats import summary

    runs_dir = HERE / arm / "runs"
    groups, refs = claims.load(runs_dir).get(TABLE, {}), claims.references(runs_dir).get(TABLE, {})

    def values(recs, metric):
        return [r["metrics"][metric] for r in sorted(recs, key=lambda r: r["seed"]) if metric in r["metrics"]]

    rows = {
        m: {
            "seeds": sorted(r["seed"] for r in groups.get(m, [])),
            "paper_emd": claims.PAPER_EMD[m],
            **{k: summary(values(groups.get(m, []), k)) for k in ("emd", "modes", "hq")},
        }
        for m in models
    }
    references = {name: summary(values(refs.get(name, []), "emd")) for name in ("real_data", "pixel_gaussian")}
    tests = [
        claims.comparison(groups, m, "gan", "emd", TABLE[0]) for m in ("weighted_gan", "masked_gan") if m in models
    ]
    return {
        "rows": rows,
        "references_emd": references,
        "critic": {m: c for m in models if (c := _critic_signal(runs_dir, m))},
        "gan_masked_at_generation": _masked_at_generation(runs_dir, groups.get("gan", [])),
        "tests": tests,
        "verdict": claims.decide(tests) if tests else None,
    }


# a loss this small is the critic's float32 rounding, not a signal
DEAD_LOSS = 1e-6


def _score(model, x):
    """The score s of points x: the Table 1 critic's sigmoid output, or D's probability (ns)."""
    import torch

    model.D.eval()
    with torch.no_grad():
        out = model.critic(x).flatten()
    return out.sigmoid() if model.hp["loss"] == "ns" else out


def _critic_signal(runs_dir: Path, model_name: str) -> dict:
    """{seed: the saved critic's score spread over real and generated points, the last logged step
    at which d_loss changed by more than DEAD_LOSS, and the generated points' distance from the
    centre} for every run of the model with its weights."""
    import torch
    from eight_gaussians_paper import dataset

    from lpbench.evaluation import reference_subset
    from lpbench.runner import load_model

    out = {}
    for folder in sorted((runs_dir / "eight_gaussians/paper" / model_name).glob("seed*")):
        if not (folder / "model.pt").exists():
            continue
        model, rec = load_model(folder)
        n = rec["metric_provenance"]["emd"]["n_generated"]
        real = reference_subset(dataset(rec).load("test", seed=rec["seed"]), n)
        fake = model.sample(n, torch.Generator().manual_seed(rec["seed"] + 10_000))  # the runner's sampling seed
        s_real, s_fake = _score(model, real), _score(model, fake)
        radius = fake.norm(dim=1)
        curves = json.loads((folder / "curves.json").read_text())
        # a constant critic leaves its loss constant: 0 on the WGAN paths, softplus(-c) + softplus(c)
        # (2 ln 2 at c = 0) on the ns path, so "moved" is a change between logged steps
        moved = [b["step"] for a, b in zip(curves, curves[1:]) if abs(b["d_loss"] - a["d_loss"]) > DEAD_LOSS]
        out[str(rec["seed"])] = {
            "n": n,
            "score_real_mean": float(s_real.mean()),
            "score_real_range": float(s_real.max() - s_real.min()),
            "score_fake_mean": float(s_fake.mean()),
            "score_fake_range": float(s_fake.max() - s_fake.min()),
            "loss_last_moved_step": max(moved) if moved else None,
            "steps": curves[-1]["step"] + 1,
            # where the samples lie, for runs that cover no mode: a blob's EMD to the ring of modes is
            # set by its distance from the centre and its offset, which modes and hq do not show
            "sample_radius_mean": float(radius.mean()),
            "sample_radius_std": float(radius.std()),
            "sample_centroid_norm": float(fake.mean(dim=0).norm()),
            "mode_radius": rec["config"]["data"]["radius"],
        }
    return out


def _masked_at_generation(runs_dir: Path, gan_runs) -> dict | None:
    if not gan_runs:
        return None
    from eight_gaussians_paper import PAPER_GAN_MASKED_AT_GENERATION, masked_at_generation

    n = gan_runs[0]["metric_provenance"]["emd"]["n_generated"]
    res = masked_at_generation(runs_dir, n)
    return None if res is None else {**res, "paper_emd": PAPER_GAN_MASKED_AT_GENERATION}


def analyse() -> dict:
    return {
        "dataset": "eight_gaussians at the paper's scale (radius 0.8, tanh output), paper budget, 100 000 steps",
        "test_note": __doc__.split("\n\n")[1].replace("\n", " "),
        "arms": {arm: {"settings": what, **analyse_arm(arm, models)} for arm, (what, models) in ARMS.items()},
    }


def markdown(res: dict) -> str:
    lines = []
    for arm, r in res["arms"].items():
        lines += [
            f"**Arm `{arm}`** — {r['settings']}. Mean ± std [95% t-interval] over the seeds done.",
            "",
            "| model | seeds | EMD | modes (of 8) | hq % | paper's EMD |",
            "|---|---|---|---|---|---|",
        ]
        for m, row in r["rows"].items():
            seeds = ", ".join(map(str, row["seeds"])) or "none yet"
            lines.append(
                f"| {m} | {seeds} | {fmt_summary(row['emd'])} | {fmt_summary(row['modes'], 1)} | {fmt_summary(row['hq'], 1)} | "
                f"{row['paper_emd']} |"
            )
        g = r["gan_masked_at_generation"]
        if g:
            lines.append(
                f"| gan, masked only at generation | {len(g['values'])} | {g['mean']:.3f} | | | {g['paper_emd']} |"
            )
        for name, s in r["references_emd"].items():
            lines.append(f"| *{name}* (reference) | {s['n']} | {fmt_summary(s)} | | | |")
        for m, critic in r["critic"].items():
            lines += ["", _critic_line(m, critic)]
        if r["verdict"] is not None:
            lines += ["", f"Verdict (weighted_gan and masked_gan below gan): **{r['verdict']}**.", ""]
            lines += [f"- {t['comparison']}: {fmt_test(t)}" for t in r["tests"]]
        lines.append("")
    return "\n".join(lines)


def _critic_line(model: str, critic: dict) -> str:
    parts = []
    for seed, c in critic.items():
        moved = c["loss_last_moved_step"]
        parts.append(
            f"seed {seed}: s spans {c['score_real_range']:.2g} over real points (mean {c['score_real_mean']:.6g}) "
            f"and {c['score_fake_range']:.2g} over generated ones (mean {c['score_fake_mean']:.6g}); its loss "
            + (
                f"last changed by more than {DEAD_LOSS:g} at logged step {moved} of {c['steps']}"
                if moved is not None
                else f"never changed by more than {DEAD_LOSS:g}"
            )
            + f"; its samples lie {c['sample_radius_mean']:.2f} ± {c['sample_radius_std']:.2f} from the centre "
            f"(the modes {c['mode_radius']:g}), their mean {c['sample_centroid_norm']:.2f} from it"
        )
    return (
        f"{model}'s critic, from its saved weights ({next(iter(critic.values()))['n']} held-out real and as many generated points): "
        + "; ".join(parts)
        + "."
    )


def main(argv) -> int:
    res = analyse()
    return publish(HERE, json.loads(json.dumps(res)), markdown, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
