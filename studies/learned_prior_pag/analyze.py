"""The learned-prior PAG study (issue 15, experiment ii): does pgan's learned prior lower PAG below
its own gan's on digits (PGAN paper §4.4), with the faithful reversal and the secondary GAN trained
to convergence? Reads the run records under runs/<arm>/, writes results.json and results.md next to
this file and the tables into docs/models.md between its markers. Every number comes from the records.

Tests (lpbench.stats): Welch's t-test over seeds — digits' split is fixed, so a seed shares nothing
between a gan run and a pgan run and pairing would be spurious. Two-sided, α = 0.05. The PAG family
of one arm (Eq. 2, the size-normalized variant, and pgan's PAG of the prior it samples) is
Holm-corrected; FID is reported beside it as a separate test. The verdict is Eq. 2's (`pag`), the
paper's definition; the other two are given beside it.

    python studies/learned_prior_pag/analyze.py [--check]

--check writes nothing and exits 1 when results.json, results.md or the docs/models.md block differ
from what the records give.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from publish import completed_record, fmt_summary, fmt_test, publish  # noqa: E402  (studies/publish.py, shared by every study)

ARMS = {
    "shared": "the digits GAN settings both models share (registry.yaml)",
    "app_e": "PGAN App. E for every network of both models: RMSProp, lr 3e-4, batch 100",
}
METRICS = ("pag", "pag_normalized", "pag_learned", "pag_learned_normalized", "fid", "pag_reversal_converged")


def collect(arm: str) -> dict:
    """model → seed → record (completed runs of one arm)."""
    out: dict = {}
    for model in ("gan", "pgan"):
        for path in sorted((HERE / "runs" / arm / "digits" / "cpu" / model).glob("seed*/run.json")):
            rec = completed_record(path)
            if rec is not None:
                out.setdefault(model, {})[int(rec["seed"])] = rec
    return out


def _values(recs: dict, metric: str) -> list:
    return [r["metrics"][metric] for _, r in sorted(recs.items()) if metric in r.get("metrics", {})]


def _secondary(rec: dict) -> dict:
    """pgan's stages as its run.json records them (training.pgan)."""
    notes = (rec.get("training") or {}).get("pgan") or {}
    sec, spread, rev = notes.get("secondary_gan") or {}, notes.get("spread") or {}, notes.get("reversal") or {}
    return {
        "secondary_converged": sec.get("converged"),
        "secondary_steps": sec.get("steps"),
        "secondary_allowance": sec.get("allowance"),
        "final_frechet": sec.get("final_frechet"),
        "h_principal_std": [round(x, 3) for x in (spread.get("h_principal_std") or [])[:4]],
        "codes_principal_std": [round(x, 3) for x in (spread.get("codes_principal_std") or [])[:4]],
        "reversal_converged_fraction": rev.get("converged_fraction"),
        "fid": rec.get("metrics", {}).get("fid"),
        "codes_spread": _spread(spread.get("codes_principal_std")),
        "h_spread": _spread(spread.get("h_principal_std")),
    }


def _spread(stds) -> dict | None:
    """Total variance Σλ and log-determinant Σ ln λ from the principal standard deviations the
    record holds (all d of them): of the reversed training codes, or of h(z′)."""
    import math

    if not stds or min(stds) <= 0:
        return None
    return {"total_variance": sum(s * s for s in stds), "log_det": sum(2 * math.log(s) for s in stds)}


def code_spread(rec: dict, prefix: str = "pag") -> dict | None:
    """Total variance Σλᵢ and log-determinant Σ ln λᵢ of the reversed test codes' covariance,
    recovered exactly from the two PAG conventions the record holds (lpbench.latent.spread_from_pag).
    N(0, I) codes give d and 0. It says whether a PAG gap is the codes' scale or their shape."""
    from lpbench.latent import spread_from_pag

    m = rec.get("metrics", {})
    raw, norm, n, d = (m.get(k) for k in (prefix, f"{prefix}_normalized", "pag_n", "pag_d"))
    if None in (raw, norm, n, d):
        return None
    return spread_from_pag(raw, norm, int(n), int(d), float(m.get(f"{prefix}_sigma", 1.0)))


def analyse_arm(data: dict) -> dict:
    from lpbench.stats import compare, holm, summary

    gan, pgan = data.get("gan", {}), data.get("pgan", {})
    rows = {m: {k: summary(_values(data.get(m, {}), k)) for k in METRICS} for m in ("gan", "pgan")}
    for m, row in rows.items():
        spreads = [code_spread(r) for _, r in sorted(data.get(m, {}).items())]
        for key in ("total_variance", "log_det"):
            row[f"codes_{key}"] = summary([sp[key] for sp in spreads if sp is not None])
    family = {
        "pgan < gan, pag (Eq. 2, the verdict)": compare(_values(pgan, "pag"), _values(gan, "pag")),
        "pgan < gan, pag_normalized": compare(_values(pgan, "pag_normalized"), _values(gan, "pag_normalized")),
        "pgan's prior G∘h (pag_learned) < gan, Eq. 2": compare(_values(pgan, "pag_learned"), _values(gan, "pag")),
    }
    ps = [t["p_value"] for t in family.values()]
    if all(p is not None for p in ps):
        for t, q in zip(family.values(), holm(ps)):
            t["p_holm"] = q
    for t in family.values():
        _verdict(t, t.get("p_holm", t["p_value"]))
    fid = compare(_values(pgan, "fid"), _values(gan, "fid"))
    _verdict(fid, fid["p_value"])
    return {
        "rows": rows,
        "pag_tests": family,
        "verdict": next(iter(family.values()))["verdict"],
        "fid_test": {"pgan < gan, fid": fid},
        "pgan_stages": {s: _secondary(r) for s, r in sorted(pgan.items())},
        "seeds": {m: sorted(data.get(m, {})) for m in ("gan", "pgan")},
    }


def _verdict(t: dict, p) -> None:
    t["significant"] = None if p is None else bool(p < t["alpha"])
    t["verdict"] = (
        "not measured"
        if p is None
        else "not significant"
        if not t["significant"]
        else "holds"
        if t["mean_diff"] < 0
        else "does not hold (reversed)"
    )


def secondary_vs_quality(arms: dict) -> dict:
    """Across every pgan run of both arms: Spearman ρ between how far the secondary GAN got (its
    final Fréchet distance to the reversed codes) and the run's FID and pag_normalized — whether
    pgan's deficits follow its secondary GAN's stopping point."""
    from scipy.stats import spearmanr

    runs = [r for arm in arms for r in collect(arm).get("pgan", {}).values()]
    fr = [_secondary(r)["final_frechet"] for r in runs]
    out = {"test": "Spearman rank correlation (two-sided), across pgan runs of both arms", "n_runs": len(runs)}
    for metric in ("fid", "pag_normalized"):
        vals = [r["metrics"].get(metric) for r in runs]
        pairs = [(a, b) for a, b in zip(fr, vals) if a is not None and b is not None]
        if len(pairs) < 3:
            out[metric] = {"spearman_rho": None, "p_value": None}
            continue
        rho, p = spearmanr([a for a, _ in pairs], [b for _, b in pairs])
        out[metric] = {"spearman_rho": float(rho), "p_value": float(p)}
    return out


def analyse() -> dict:
    return {
        "dataset": "digits",
        "budget": "cpu",
        "test_note": __doc__.split("\n\n")[1].replace("\n", " "),
        "arms": {arm: {"settings": what, **analyse_arm(collect(arm))} for arm, what in ARMS.items()},
        "secondary_vs_quality": secondary_vs_quality(ARMS),
    }


def _pair(sp: dict | None) -> str:
    return "–" if sp is None else f"{sp['total_variance']:.2f}, {sp['log_det']:.2f}"


def markdown(res: dict) -> str:
    lines = []
    for arm, r in res["arms"].items():
        lines += [
            f"**Arm `{arm}`** — {r['settings']}. Mean ± std [95% t-interval] over seeds.",
            "",
            "| model | pag (Eq. 2) | pag_normalized | pag_learned (G∘h) | fid [digits_cnn] | reversal converged "
            "| codes' Σλ (prior: d = 10) | codes' Σ ln λ (prior: 0) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for m, row in r["rows"].items():
            lines.append(
                f"| {m} | {fmt_summary(row['pag'])} | {fmt_summary(row['pag_normalized'])} | {fmt_summary(row['pag_learned'])} | "
                f"{fmt_summary(row['fid'])} | {fmt_summary(row['pag_reversal_converged'], 2)} | "
                f"{fmt_summary(row['codes_total_variance'], 2)} | {fmt_summary(row['codes_log_det'], 2)} |"
            )
        lines += ["", "| claim | verdict | test |", "|---|---|---|"]
        for claim, t in {**r["pag_tests"], **r["fid_test"]}.items():
            lines.append(f"| {claim} | {t['verdict']} | {fmt_test(t)} |")
        lines += [
            "",
            "| pgan seed | secondary GAN converged (steps / allowance) | final Fréchet | "
            "principal std of h(z′) | of the reversed training codes | Σλ, Σ ln λ of h(z′) | of the codes |",
            "|---|---|---|---|---|---|---|",
        ]
        for seed, s in r["pgan_stages"].items():
            fr = "–" if s["final_frechet"] is None else f"{s['final_frechet']:.3g}"
            lines.append(
                f"| {seed} | {s['secondary_converged']} ({s['secondary_steps']} / {s['secondary_allowance']}) | "
                f"{fr} | {', '.join(map(str, s['h_principal_std']))} | "
                f"{', '.join(map(str, s['codes_principal_std']))} | {_pair(s['h_spread'])} | "
                f"{_pair(s['codes_spread'])} |"
            )
        lines.append("")
    sq = res["secondary_vs_quality"]
    if sq["fid"]["spearman_rho"] is not None:
        lines += [
            f"Across the {sq['n_runs']} pgan runs of both arms, the secondary GAN's final Fréchet distance "
            f"against FID: Spearman ρ = {sq['fid']['spearman_rho']:.2f} (p = {sq['fid']['p_value']:.3g}); "
            f"against pag_normalized: ρ = {sq['pag_normalized']['spearman_rho']:.2f} "
            f"(p = {sq['pag_normalized']['p_value']:.3g}).",
            "",
        ]
    return "\n".join(lines)


def main(argv) -> int:
    res = analyse()
    return publish(HERE, res, markdown, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
