"""The GLF-initialization study: does the GLF code's N(0, 0.02²) weight initialization change the
GLF comparison on mnist5k? Reads the runs under runs/ (`--set architecture.init=normal_0.02`) and
the published runs of the same models (leaderboard/runs: PyTorch's default initialization), writes
results.json and results.md next to this file and the tables into docs/models.md between its
markers. Every number comes from the records.

Tests (lpbench.stats): Welch's t-test over seeds — mnist5k's split is fixed, so a seed shares
nothing between two runs. Per model, FID and the decoder ceiling (FID of the test images'
reconstructions: the autoencoder alone) under the two initializations (two-sided); per
initialization, the paper's ordering glf < rae_gmm < vae by FID with the claims' rule
(leaderboard/claims.py: both comparisons Holm-corrected, α = 0.05, 5 seeds for a verdict).

    python studies/glf_init/analyze.py [--check]

--check writes nothing and exits 1 when results.json, results.md or the docs/models.md block differ
from what the records give.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE.parent), str(ROOT / "leaderboard")]
import claims  # noqa: E402  (leaderboard/claims.py: the verdict rule every published claim uses)
from publish import completed_record, fmt_summary, fmt_test, publish  # noqa: E402  (studies/publish.py)

TABLE = ("mnist5k", "cpu")
INITS = {"torch": ROOT / "leaderboard" / "runs", "normal_0.02": HERE / "runs"}  # init → runs directory
MODELS = ("glf", "rae_gmm", "vae")
COLUMNS = {"FID": "fid", "decoder ceiling FID": "ceiling"}


def record_path(runs: Path, model: str, seed_dir: Path) -> Path:
    """rae_gmm is rae's record on the prior axis (priors/gmm), its ceiling the rae decoder's."""
    return seed_dir / "priors" / "gmm" / "run.json" if model == "rae_gmm" else seed_dir / "run.json"


def values(init: str, model: str) -> dict:
    """column → [value per seed, in seed order] of one model's completed runs under one init."""
    runs = INITS[init]
    folder = runs / TABLE[0] / TABLE[1] / ("rae" if model == "rae_gmm" else model)
    out: dict = {c: [] for c in COLUMNS}
    for seed_dir in sorted(folder.glob("seed*"), key=lambda p: int(p.name[4:])):
        rec = completed_record(record_path(runs, model, seed_dir))
        native = completed_record(seed_dir / "run.json")
        if rec is None or native is None:
            continue
        arch_init = native["config"]["architecture"].get("init", "torch")
        if arch_init != init:
            raise SystemExit(f"{seed_dir}: its record's architecture.init is {arch_init}, this directory holds {init}")
        out["FID"].append(float(rec["metrics"]["fid"]))
        if "fid" in (native.get("ceiling") or {}):
            out["decoder ceiling FID"].append(float(native["ceiling"]["fid"]))
    return out


def analyse() -> dict:
    from lpbench.stats import compare, summary

    per = {init: {m: values(init, m) for m in MODELS} for init in INITS}
    rows = {init: {m: {c: summary(v) for c, v in per[init][m].items()} for m in MODELS} for init in INITS}
    effect = {}
    for m in MODELS:
        effect[m] = {}
        for c in COLUMNS:
            t = compare(per["normal_0.02"][m][c], per["torch"][m][c])
            t["comparison"] = "normal_0.02 − torch"
            effect[m][c] = t
    ordering = {}
    for init in INITS:
        tests = []
        for a, b in (("glf", "rae_gmm"), ("rae_gmm", "vae")):
            t = compare(per[init][a]["FID"], per[init][b]["FID"])
            t["comparison"] = f"{a} < {b}"
            tests.append(t)
        order = sorted(
            (m for m in MODELS if rows[init][m]["FID"]["mean"] is not None), key=lambda m: rows[init][m]["FID"]["mean"]
        )
        ordering[init] = {"tests": tests, "verdict": claims.decide(tests), "observed_order": order}
    return {
        "dataset": "mnist5k, cpu budget",
        "test_note": __doc__.split("\n\n")[1].replace("\n", " "),
        "rows": rows,
        "per_seed": per,
        "init_effect": effect,
        "ordering": ordering,
    }


def markdown(res: dict) -> str:
    lines = ["| model | init | " + " | ".join(f"{c} (mean ± std [95% t-interval])" for c in COLUMNS) + " |"]
    lines.append("|---|---|" + "---|" * len(COLUMNS))
    for m in MODELS:
        for init in INITS:
            lines.append(
                f"| {m} | `{init}` | " + " | ".join(fmt_summary(res["rows"][init][m][c]) for c in COLUMNS) + " |"
            )
    lines += ["", "| model | metric | normal_0.02 against torch |", "|---|---|---|"]
    for m in MODELS:
        for c, t in res["init_effect"][m].items():
            lines.append(f"| {m} | {c} | {fmt_test(t)} |")
    lines += [
        "",
        "| init | observed order (FID) | glf < rae_gmm | rae_gmm < vae | the ordering |",
        "|---|---|---|---|---|",
    ]
    for init, o in res["ordering"].items():
        tests = " | ".join(fmt_test(t) for t in o["tests"])
        lines.append(f"| `{init}` | {' < '.join(o['observed_order'])} | {tests} | **{o['verdict']}** |")
    return "\n".join(lines) + "\n"


def main(argv) -> int:
    res = analyse()
    return publish(HERE, json.loads(json.dumps(res)), markdown, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
