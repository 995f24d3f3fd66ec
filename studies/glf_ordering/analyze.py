"""The GLF ordering study (issue 14): does glf < rae_gmm < vae hold (FID, digits `paper` budget),
and is a gap the autoencoder's or the prior's? Reads the run records under runs/, writes
results.json and results.md next to this file. Every number comes from the records.

Tests (lpbench.stats): between two models, Welch's t-test over seeds — digits' split is fixed,
so a seed shares nothing between two models' runs and pairing would be spurious; within one
trained model (its own prior vs an ex-post gmm or flow on the same codes), a paired t-test by
seed — the autoencoder is literally the same. Two-sided, α = 0.05, Holm-corrected over the
family of ordering tests.

    python studies/glf_ordering/analyze.py [--check]

It also writes the tables into docs/models.md between its markers; --check writes nothing and exits
1 when results.json, results.md or the docs/models.md block differ from what the records give.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from publish import completed_record, fmt_summary, fmt_test, publish  # noqa: E402  (studies/publish.py, shared by every study)

RUNS = HERE / "runs" / "digits" / "paper"
MODELS = ["glf", "rae", "vae", "vae_flow_prior"]
METRIC = "fid"


def collect() -> dict:
    """model → seed → {native, ceiling, gmm, flow} from the model and prior records."""
    out: dict = {}
    for model in MODELS:
        for folder in sorted((RUNS / model).glob("seed*")):
            rec = completed_record(folder / "run.json")
            if rec is None:
                continue
            row = {"native": rec["metrics"].get(METRIC), "ceiling": (rec.get("ceiling") or {}).get(METRIC)}
            for prior in ("gmm", "flow"):
                prec = completed_record(folder / "priors" / prior / "run.json")
                if prec is not None:
                    row[prior] = prec["metrics"].get(METRIC)
            out.setdefault(model, {})[int(rec["seed"])] = row
    return out


def _values(data, model, key):
    return [r[key] for _, r in sorted(data.get(model, {}).items()) if r.get(key) is not None]


def analyse(data: dict) -> dict:
    from lpbench.stats import compare, holm, summary

    # The rows the paper's claim is about: glf with its own flow, rae with its ex-post GMM
    # (= rae_gmm), vae with its N(0, I); vae_flow_prior with its own flow.
    rows = {
        "glf": ("glf", "native"),
        "rae_gmm": ("rae", "gmm"),
        "vae": ("vae", "native"),
        "vae_flow_prior": ("vae_flow_prior", "native"),
    }
    table = {}
    for name, (model, key) in rows.items():
        table[name] = {
            "fid": summary(_values(data, model, key)),
            "ceiling": summary(_values(data, model, "ceiling")),
            "gmm": summary(_values(data, model, "gmm")),
            "flow": summary(_values(data, model, "flow")),
        }
    ordering = {}
    for a, b in (("glf", "rae_gmm"), ("rae_gmm", "vae"), ("glf", "vae"), ("glf", "vae_flow_prior")):
        ordering[f"{a} < {b}"] = compare(_values(data, *rows[a]), _values(data, *rows[b]))
    adjusted = iter(holm([t["p_value"] for t in ordering.values() if t["p_value"] is not None]))
    for t in ordering.values():
        p = t["p_holm"] = next(adjusted) if t["p_value"] is not None else None
        t["significant"] = None if p is None else bool(p < t["alpha"])
        t["verdict"] = (
            None
            if t["mean_diff"] is None
            else "not significant"
            if not t["significant"]
            else "holds"
            if t["mean_diff"] < 0
            else "does not hold (reversed)"
        )
    # Autoencoder vs prior: same trained model, different priors on its codes (paired by seed).
    decomposition = {
        "glf ceiling vs rae ceiling (autoencoders)": compare(
            _values(data, "glf", "ceiling"), _values(data, "rae", "ceiling")
        ),
        "glf own flow vs glf + ex-post gmm": _paired(data, "glf", "native", "gmm", compare),
        "glf own flow vs glf + ex-post flow": _paired(data, "glf", "native", "flow", compare),
        "rae + gmm vs rae + ex-post flow": _paired(data, "rae", "gmm", "flow", compare),
        "glf + gmm vs rae + gmm (same prior family)": compare(_values(data, "glf", "gmm"), _values(data, "rae", "gmm")),
    }
    return {
        "metric": METRIC,
        "dataset": "digits",
        "budget": "paper",
        "rows": table,
        "ordering": ordering,
        "decomposition": decomposition,
        "seeds": {m: sorted(data.get(m, {})) for m in MODELS},
    }


def _paired(data, model, k1, k2, compare):
    pairs = [
        (r[k1], r[k2])
        for _, r in sorted(data.get(model, {}).items())
        if r.get(k1) is not None and r.get(k2) is not None
    ]
    return compare([a for a, _ in pairs], [b for _, b in pairs], paired=True)


def markdown(res: dict) -> str:
    lines = [
        "| row | fid [digits_cnn] (mean ± std [95% t-interval]) | decoder ceiling | its codes + ex-post gmm | its codes + ex-post flow |",
        "|---|---|---|---|---|",
    ]
    for name, r in res["rows"].items():
        lines.append(
            f"| {name} | {fmt_summary(r['fid'])} | {fmt_summary(r['ceiling'])} | {fmt_summary(r['gmm'])} | {fmt_summary(r['flow'])} |"
        )
    lines += ["", "| ordering claim | verdict | test |", "|---|---|---|"]
    for claim, t in res["ordering"].items():
        verdict = t.get("verdict") or "–"
        lines.append(f"| {claim} | {verdict} | {fmt_test(t)} |")
    lines += ["", "| decomposition | test |", "|---|---|"]
    for what, t in res["decomposition"].items():
        lines.append(f"| {what} | {fmt_test(t)} |")
    return "\n".join(lines) + "\n"


def main(argv) -> int:
    res = analyse(collect())
    return publish(HERE, res, markdown, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
