"""The AAE learned-prior study: does the learned prior give better samples than the same AAE's
fixed prior (Wang, Ko & Peng §3: "consistently outperforms the fixed prior in terms of inception
scores")? Reads the run records under runs/<arm>/, writes results.json and results.md next to this
file and the tables into docs/models.md between its markers. Every number comes from the records.

Tests (lpbench.stats): Welch's t-test over seeds — digits' split is fixed, so a seed shares nothing
between two models' runs. Two-sided, α = 0.05, one test per comparison and metric (IS, the paper's
metric, decides a comparison; FID is given beside it). The decomposition compares the decoders'
ceilings (FID of the test images' reconstructions: the autoencoder alone) and an ex-post GMM on each
model's codes (the same prior family for both), from the prior axis (--priors gmm).

    python studies/learned_prior_aae/analyze.py [--check]

--check writes nothing and exits 1 when results.json, results.md or the docs/models.md block differ
from what the records give.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parents[1] / "leaderboard")]
import claims  # noqa: E402  (leaderboard/claims.py: the verdict rule every published claim uses)
from publish import completed_record, fmt_summary, fmt_test, publish  # noqa: E402  (studies/publish.py, shared by every study)

TABLE = ("digits", "paper")
# row → (arm, model, what it is)
ROWS = {
    "aae": ("paper", "aae", "fixed N(0, I) prior, no condition"),
    "aae_learned_prior": ("paper", "aae_learned_prior", "learned prior with the paper's InfoGAN term (registry)"),
    "aae_learned_prior, no InfoGAN term": (
        "no_info",
        "aae_learned_prior",
        "learned prior, condition none: differs from aae by the code generator alone",
    ),
}
# column → how it is read from a run: the native record's metric, its decoder ceiling, or the
# ex-post GMM prior's record
COLUMNS = {
    "IS": ("native", "is"),
    "FID": ("native", "fid"),
    "decoder ceiling FID": ("ceiling", "fid"),
    "codes + ex-post GMM FID": ("gmm", "fid"),
}
HIGHER_IS_BETTER = {"IS"}
# (learned-prior row, what the comparison shows)
COMPARISONS = {
    "aae_learned_prior": "the published rows: learned prior and InfoGAN term against the fixed prior",
    "aae_learned_prior, no InfoGAN term": "the learned prior alone against the fixed prior",
}


def values(row: str) -> dict:
    """column → [value per seed, in seed order] of one row's completed runs."""
    arm, model, _ = ROWS[row]
    out: dict = {c: [] for c in COLUMNS}
    for folder in sorted((HERE / "runs" / arm / TABLE[0] / TABLE[1] / model).glob("seed*"), key=lambda p: p.name):
        rec = completed_record(folder / "run.json")
        if rec is None:
            continue
        gmm = completed_record(folder / "priors" / "gmm" / "run.json") or {}
        source = {"native": rec.get("metrics", {}), "ceiling": rec.get("ceiling", {}), "gmm": gmm.get("metrics", {})}
        for column, (where, metric) in COLUMNS.items():
            if metric in source[where]:
                out[column].append(float(source[where][metric]))
    return out


def analyse() -> dict:
    from lpbench.stats import compare, summary

    per_row = {row: values(row) for row in ROWS}
    rows = {
        row: {"arm": ROWS[row][0], "what": ROWS[row][2], **{c: summary(v) for c, v in per_row[row].items()}}
        for row in ROWS
    }
    comparisons = {}
    for row, what in COMPARISONS.items():
        tests = {}
        for column in COLUMNS:
            a, b = per_row[row][column], per_row["aae"][column]
            # each test says "better < worse" in claims' form: the learned prior better than aae
            t = compare(b, a) if column in HIGHER_IS_BETTER else compare(a, b)
            t["comparison"] = f"aae < {row}" if column in HIGHER_IS_BETTER else f"{row} < aae"
            t["verdict"] = claims.decide([t])
            t.pop("p_holm", None)  # one test: nothing to correct
            tests[column] = t
        comparisons[row] = {"what": what, "tests": tests, "verdict": tests["IS"]["verdict"]}
    return {
        "dataset": "digits, paper budget (1 500 steps), the prior axis with gmm",
        "test_note": __doc__.split("\n\n")[1].replace("\n", " "),
        "rows": rows,
        "per_seed": per_row,
        "comparisons": comparisons,
    }


def markdown(res: dict) -> str:
    head = "| row | arm | " + " | ".join(f"{c} (mean ± std [95% t-interval])" for c in COLUMNS) + " |"
    lines = [head, "|---|---|" + "---|" * len(COLUMNS)]
    for row, r in res["rows"].items():
        lines.append(f"| {row} | `{r['arm']}` | " + " | ".join(fmt_summary(r[c]) for c in COLUMNS) + " |")
    lines += ["", "| comparison | metric | the learned prior's row against aae's | test |", "|---|---|---|---|"]
    for row, c in res["comparisons"].items():
        for column, t in c["tests"].items():
            lines.append(
                f"| {row} vs aae ({c['what']}) | {column} | {OUTCOME[t['verdict']]} | {t['comparison']}: {fmt_test(t)} |"
            )
    lines.append("")
    for row, c in res["comparisons"].items():
        lines.append(f"- The claim (IS) on {row} vs aae: **{c['verdict']}**.")
    return "\n".join(lines) + "\n"


# a test's verdict ("a < b" holds: the learned prior's row is the better one) in the table's words
OUTCOME = {
    "holds": "better",
    "does not hold": "worse",
    "not significant": "not significant",
    "not measured": "not measured",
}


def main(argv) -> int:
    res = analyse()
    return publish(HERE, json.loads(json.dumps(res)), markdown, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
