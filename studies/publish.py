"""What every study's analyze.py shares: reading a completed run's record, and publishing the
results — write results.json, results.md and the tables into the docs page between the study's
markers, or, with --check, write nothing and exit 1 when any of them differs from what the records
give (tests/test_studies.py runs --check).

Numbers computed from saved weights (a critic's scores, samples drawn from a generator) come out
a few units in the last float32 place apart on machines whose float arithmetic differs (session
12: 2·10⁻⁷ relative). A fresh number within FLOAT_TOLERANCE of the committed one keeps the
committed value, so results.json, results.md and the docs block are the same on every machine,
and a number that really moved still makes --check fail."""

from __future__ import annotations

import json
from pathlib import Path

PAGE = Path(__file__).resolve().parents[1] / "docs" / "models.md"  # the page that publishes the tables


def completed_record(path: Path) -> dict | None:
    """A run.json's record if the run completed; None for a missing, unreadable or unfinished one."""
    try:
        rec = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return rec if isinstance(rec, dict) and rec.get("status") == "completed" else None


def markers(study: str) -> tuple[str, str]:
    return f"<!-- studies/{study}/results.md -->\n", f"<!-- end studies/{study} -->\n"


def with_block(page: str, block: str, study: str) -> str:
    """``page`` with the study's tables between its markers replaced by ``block``."""
    begin, end = markers(study)
    if begin not in page or end not in page:
        raise SystemExit(f"{PAGE.name} lacks the markers {begin.strip()} … {end.strip()}")
    head, rest = page.split(begin, 1)
    _, tail = rest.split(end, 1)
    return head + begin + block + end + tail


# |fresh − committed| ≤ REL · max(|fresh|, |committed|) + ABS: float32 rounding, not a changed result
# (ABS covers quantities near zero, such as the spread of a constant critic's scores, 6·10⁻⁸)
FLOAT_TOLERANCE = {"rel": 1e-5, "abs": 1e-6}


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= FLOAT_TOLERANCE["rel"] * max(abs(a), abs(b)) + FLOAT_TOLERANCE["abs"]


def stabilized(fresh, committed):
    """``fresh`` with every float that lies within FLOAT_TOLERANCE of the committed results' value
    at the same place replaced by the committed value; everything else as computed. Keys are
    matched as JSON writes them (str), so a result keyed by ints or holding tuples keeps its types."""
    if isinstance(fresh, bool) or committed is None:
        return fresh
    if isinstance(fresh, float) and isinstance(committed, (int, float)) and not isinstance(committed, bool):
        return float(committed) if _close(fresh, committed) else fresh
    if isinstance(fresh, dict) and isinstance(committed, dict):
        return {k: stabilized(v, committed.get(str(k))) for k, v in fresh.items()}
    if isinstance(fresh, (list, tuple)) and isinstance(committed, list) and len(fresh) == len(committed):
        return type(fresh)(stabilized(v, c) for v, c in zip(fresh, committed))
    return fresh


def publish(folder: Path, res: dict, render, argv) -> int:
    """Publish ``res`` and its tables, ``render(res)`` (markdown), computed after the floats within
    tolerance of the committed results.json took the committed values."""
    try:
        committed = json.loads((folder / "results.json").read_text())
    except (OSError, ValueError):
        committed = None
    res = stabilized(res, committed)
    md = render(res)
    outputs = {
        folder / "results.json": json.dumps(res, indent=1, sort_keys=True) + "\n",
        folder / "results.md": md,
        PAGE: with_block(PAGE.read_text(), md, folder.name),
    }
    if "--check" in argv:
        stale = [str(p) for p, text in outputs.items() if not p.exists() or p.read_text() != text]
        for p in stale:
            print(f"stale: {p}")
        return 1 if stale else 0
    for p, text in outputs.items():
        p.write_text(text)
    print(md, end="")
    return 0


def fmt_summary(s: dict | None, digits: int = 3) -> str:
    """A lpbench.stats.summary as "mean ± std [95% t-interval] (n = k)"; "–" when there is none."""
    if not s or s.get("mean") is None:
        return "–"
    f = "{:.0f}" if abs(s["mean"]) >= 100 else f"{{:.{digits}f}}"
    if s.get("std") is None:
        return f"{f.format(s['mean'])} (n = 1)"
    return (
        f"{f.format(s['mean'])} ± {f.format(s['std'])} [{f.format(s['ci_low'])}, {f.format(s['ci_high'])}] "
        f"(n = {s['n']})"
    )


def fmt_test(t: dict) -> str:
    """A lpbench.stats.compare result (with its Holm p where the comparison had one) in one line."""
    if t.get("p_value") is None:
        return "too few seeds"
    holm = f", Holm p = {t['p_holm']:.3g}" if "p_holm" in t else ""
    sig = "significant" if t.get("significant") else "not significant"
    d = f", {t['effect_size_name']} = {t['effect_size']:.2f}" if t.get("effect_size") is not None else ""
    return f"{t['test']}: Δ = {t['mean_diff']:+.4g}{d}, p = {t['p_value']:.3g}{holm} ({sig})"
