"""`lpbench report`: one static, self-contained HTML page over a runs directory, laid out for a
1400-px window.

Per dataset and budget: the headline leaderboard (the terminal's compact view, best cells in bold;
every value in a collapsible table), a chart of the primary metric across models with each seed
and the 95 % t-interval, a side-by-side gallery of samples (small images enlarged by whole pixels,
nearest-neighbour), one PRD plot per model with its (F_8, F_1/8) points, then a section per run
with its metrics, timings, error and figures. Every figure names its model, dataset, budget and
seed(s). Images are embedded as base64 data URIs and the page loads nothing from the network.
Every value from a run record is HTML-escaped (Jinja2 autoescaping).
"""

from __future__ import annotations

import base64
import io
import math
import warnings
from datetime import UTC, datetime
from pathlib import Path

from . import records, store
from . import tables as lb
from .figures import figure_bytes, run_title
from .run_figures import CAPTIONS, _Skip, prd_figure, read_prd_curve

# Samples smaller than this (an 8×8-digit grid is 73 px) are enlarged by a whole factor.
SAMPLES_MIN_PX = 360
SAMPLES_MAX_SCALE = 8

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lpbench report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1360px; color: #222; padding: 0 20px; }
h1 { margin-bottom: .2em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
h3 { margin: 1.4em 0 .4em; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: .4em 0; font-size: 14px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; white-space: nowrap; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
table.headline td:nth-child(2), table.headline th:nth-child(2) { text-align: left; }
table.headline td.best { font-weight: 700; background: #eaf3ea; }
table.headline tr.ref td { color: #666; font-style: italic; }
details { margin: .6em 0; } summary { cursor: pointer; color: #124; }
.legend { color: #555; font-size: 13px; max-width: 75em; }
.gallery, .prd-grid { display: grid; gap: 14px; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); }
.gallery figure, .prd-grid figure, .figs figure { margin: 0; }
.gallery img { width: 100%; image-rendering: pixelated; border: 1px solid #ddd; }
.prd-grid img { width: 100%; }
.card-title { font-size: 14px; margin: 0 0 4px; } .card-title b { font-size: 15px; }
figure.chart img { max-width: 100%; }
.run { border: 1px solid #e3e3e3; border-radius: 6px; padding: .5em 1em; margin: 1.2em 0; }
.run-top { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.figs { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; margin-top: .8em; }
.figs figure { max-width: 100%; }
.figs img { max-width: 100%; height: auto; image-rendering: auto; }
.figs img.pixels { image-rendering: pixelated; }
.status-completed { color: #176f2c; } .status-failed { color: #b00020; } .status-running { color: #8a6d00; }
.error { background: #fff0f0; border-left: 4px solid #b00020; padding: .4em .8em; white-space: pre-wrap; }
figcaption { font-size: 12px; color: #555; max-width: 46em; }
.meta { color: #666; font-size: 13px; } nav a { margin-right: 1em; }
table.metrics { font-size: 13px; }
</style>
</head>
<body>
<h1>lpbench report</h1>
<p class="meta">{{ n_runs }} run(s) under <code>{{ runs_dir }}</code>, generated {{ generated }}.</p>
{% if not groups %}<p id="empty">No runs found.</p>{% endif %}
<nav>{% for g in groups %}<a href="#{{ g.anchor }}">{{ g.dataset }} / {{ g.budget }}</a>{% endfor %}</nav>
{% for g in groups %}
<section class="group" id="{{ g.anchor }}">
<h2>{{ g.dataset }} / {{ g.budget }}</h2>
{% if g.headline %}<h3>Leaderboard</h3>
<p class="meta">{{ g.headline.title }}</p>
<div class="scroll"><table class="headline">
<tr>{% for h in g.headline.headers %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in g.headline.rows %}<tr{% if row.ref %} class="ref"{% endif %}>{% for c in row.cells %}<td{% if c.best %} class="best"{% endif %}>{{ c.text }}</td>{% endfor %}</tr>
{% endfor %}</table></div>
<p class="legend">↑ higher is better, ↓ lower; bold: the best mean among ranked rows. {{ g.legend }}</p>
<details><summary>Every value, with 95 % t-intervals ({{ g.n_values }} columns)</summary>
<div class="scroll leaderboard">{{ g.leaderboard }}</div></details>
{% else %}<p>No completed runs: no leaderboard.</p>{% endif %}
{% if g.chart %}<h3>{{ g.primary }} across models</h3>
<figure class="chart"><img alt="{{ g.primary }} across models, {{ g.dataset }} / {{ g.budget }}" src="{{ g.chart }}">
<figcaption>Each dot is one seed, the diamond the mean, the bar its 95 % t-interval; blue: rank 1, then orange, red; grey rows are references (never ranked).</figcaption></figure>{% endif %}
{% if g.gallery %}<h3>Samples</h3>
<div class="gallery">{% for s in g.gallery %}<figure>
<p class="card-title"><b>{{ s.model }}</b> · {{ g.dataset }} / {{ g.budget }} · seed {{ s.seed }}{% if s.value %} · {{ s.value }}{% endif %}</p>
<img alt="samples of {{ s.model }}, {{ g.dataset }} / {{ g.budget }}, seed {{ s.seed }}" src="{{ s.src }}"></figure>
{% endfor %}</div>{% endif %}
{% if g.prd %}<h3>Precision and recall for distributions</h3>
<p class="legend">One plot per model, one curve per seed; the star is (F_8, F_1/8), the recall and precision the leaderboard reports (Sajjadi et al. 2018).</p>
<div class="prd-grid">{% for f in g.prd %}<figure class="prd"><img alt="PRD of {{ f.model }}, {{ g.dataset }} / {{ g.budget }}" src="{{ f.src }}"></figure>
{% endfor %}</div>{% endif %}
<h3>Runs</h3>
{% for r in g.runs %}
<div class="run" id="{{ r.anchor }}">
<h3>{{ r.title }} · <span class="status-{{ r.status }}">{{ r.status }}</span></h3>
{% if r.error %}<div class="error">{{ r.error }}</div>{% endif %}
<div class="run-top">
{% if r.metrics %}<table class="metrics"><tr><th>metric</th><th>value</th><th>extractor</th></tr>
{% for m in r.metrics %}<tr><td>{{ m.name }}</td><td>{{ m.value }}</td><td>{{ m.extractor }}</td></tr>
{% endfor %}</table>{% endif %}
<div>{% if r.timings %}<p class="meta">{{ r.timings }}</p>{% endif %}
{% if r.figure_errors %}<p class="meta">Figures that could not be drawn: {{ r.figure_errors }}</p>{% endif %}
<p class="meta">Folder: <code>{{ r.dir }}</code></p></div>
</div>
<div class="figs">{% for f in r.figures %}<figure><img alt="{{ f.name }}: {{ r.title }}" src="{{ f.src }}"{% if f.pixels %} class="pixels"{% endif %}>
<figcaption>{{ f.caption }}</figcaption></figure>
{% endfor %}</div>
</div>
{% endfor %}
</section>
{% endfor %}
</body>
</html>
"""


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _anchor(*parts) -> str:
    return "-".join("".join(c if c.isalnum() else "_" for c in str(p)) for p in parts)


def enlarged(png: bytes) -> tuple[bytes, bool]:
    """A small image (a raw sample grid) enlarged by a whole factor with nearest-neighbour, so each
    sample pixel is a sharp k×k block; larger images (plots) unchanged. → (png, enlarged?)"""
    from PIL import Image

    img = Image.open(io.BytesIO(png))
    if img.width >= SAMPLES_MIN_PX:
        return png, False
    k = min(SAMPLES_MAX_SCALE, math.ceil(SAMPLES_MIN_PX / max(1, img.width)))
    buf = io.BytesIO()
    img.resize((img.width * k, img.height * k), Image.NEAREST).save(buf, format="PNG")
    return buf.getvalue(), True


def _figures(rec: dict, folder: Path) -> list[dict]:
    """The run's PNG artifacts, known ones first in the report's order; only files inside the
    run folder (a record is data, not a license to read other files)."""
    arts = {k: v for k, v in (rec.get("artifacts") or {}).items() if isinstance(v, str) and v.lower().endswith(".png")}
    order = [k for k in CAPTIONS if k in arts] + sorted(k for k in arts if k not in CAPTIONS)
    out = []
    root = folder.resolve()
    for name in order:
        path = (folder / arts[name]).resolve()
        if root not in path.parents or not path.is_file():
            continue
        try:
            data = store.read_bytes(path, what="figure", limit=store.MAX_TEXT_BYTES)
        except store.Malformed as e:
            warnings.warn(f"leaving out a figure: {e}", stacklevel=2)
            continue
        png, pixels = enlarged(data) if name == "samples" else (data, False)
        out.append({"name": name, "src": _data_uri(png), "pixels": pixels, "caption": CAPTIONS.get(name, name)})
    return out


def _fmt(v) -> str:
    return f"{v:.6g}" if isinstance(v, (int, float)) else str(v)


def _seed_list(seeds) -> str:
    seeds = sorted(set(seeds))
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"seeds {seeds[0]}–{seeds[-1]}"
    return ("seed " if len(seeds) == 1 else "seeds ") + ", ".join(map(str, seeds))


def _row_label(model, prior) -> str:
    return model if prior in ("native", lb.REFERENCE, None) else f"{model} × {prior}"


def primary_chart(table, seeds) -> bytes:
    """The primary metric across models: one row per leaderboard row (its order), each seed a
    dot, the mean with its 95 % t-interval as a bar; references in grey, rows with too few seeds to rank in black. Log scale when the means
    span more than 30× (one collapsed model would flatten every other row)."""
    import matplotlib.pyplot as plt
    import numpy as np

    key = table.attrs.get("primary")
    if key is None:
        raise _Skip("no primary metric")
    higher = table.attrs.get("higher", {}).get(key)
    per_seed = table.attrs.get("primary_seeds", {})
    data = [d for d in table.to_dict("records") if d[key] == d[key]]  # NaN: the row lacks the metric
    if not data:
        raise _Skip("no row has the primary metric")
    rows = data
    means = np.array([d[key] for d in data], dtype=float)
    lo = np.array([d[f"{key} ci_low"] for d in data], dtype=float)
    hi = np.array([d[f"{key} ci_high"] for d in data], dtype=float)
    lo, hi = np.where(np.isnan(lo), means, lo), np.where(np.isnan(hi), means, hi)
    log = bool((means > 0).all() and means.max() / means.min() > 30)
    fig, ax = plt.subplots(figsize=(9.5, 0.8 + 0.3 * len(rows)))
    y = np.arange(len(rows))[::-1]
    for yi, d, m, a, b in zip(y, data, means, lo, hi):
        ref = bool(d["reference"])
        rank = lb.rank_of(d["rank"])
        # unranked rows (too few seeds) in black, references in grey
        color = "0.55" if ref else {None: "black", 1: "tab:blue", 2: "tab:orange"}.get(rank, "tab:red")
        a = max(a, m / 1e3) if log else a  # a t-interval reaching below 0 has no place on a log axis
        ax.plot([a, b], [yi, yi], color=color, lw=4, alpha=0.45, solid_capstyle="butt")
        vals = np.asarray(per_seed.get((d["model"], d["prior"]), []), dtype=float)
        if len(vals):
            jitter = np.linspace(-0.2, 0.2, len(vals)) if len(vals) > 1 else np.zeros(1)
            ax.scatter(vals, yi + jitter, s=26, color=color, edgecolor="white", linewidth=0.6, zorder=3)
        ax.plot([m], [yi], marker="D", ms=7, color=color, markeredgecolor="black", markeredgewidth=0.8, zorder=4)
    labels = [
        ("ref · " if d["reference"] else f"{lb.rank_of(d['rank']) or '–'} · ") + _row_label(d["model"], d["prior"])
        for d in data
    ]
    ax.set_yticks(y, labels, fontsize=9)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    if log:
        ax.set_xscale("log")
    ax.grid(axis="x", alpha=0.3, which="both")
    arrow = {True: "higher is better →", False: "← lower is better"}.get(higher, "")
    ax.set_xlabel(f"{key}   {arrow}", fontsize=9)
    ax.tick_params(axis="x", labelsize=8)
    title = (
        f"{key} · {table.attrs.get('dataset')} / {table.attrs.get('budget')} · {_seed_list(seeds)} · "
        f"rank · model; mean, 95 % t-interval, seeds"
    )
    return figure_bytes(fig, title)


def _headline(table) -> dict:
    headers, rows, best, title = lb.headline_view(table)
    return {
        "headers": headers,
        "title": title,
        "rows": [
            {"ref": r[0] == "ref", "cells": [{"text": c, "best": (i, j) in best} for j, c in enumerate(r)]}
            for i, r in enumerate(rows)
        ],
    }


def build_report(runs_dir, higher_is_better=None, primary=None, dataset=None, figures=None) -> tuple[str, int]:
    """The page as a string, and how many runs it shows. ``figures``: the names (run_figures.CAPTIONS)
    of the figures each run's section embeds; None: every one the run has. The sample gallery
    shows samples either way."""
    import jinja2
    from markupsafe import Markup  # pandas escapes the leaderboard's cells itself

    figures_wanted = None if figures is None else set(figures)
    tables = lb.build(runs_dir, higher_is_better, primary, dataset=dataset)
    by_group: dict = {}
    for rec in records.iter_records(runs_dir):
        if not all(k in rec for k in ("dataset", "budget", "model", "seed")):
            continue
        if dataset and rec["dataset"] != dataset:
            continue
        by_group.setdefault((rec["dataset"], rec["budget"]), []).append(rec)
    groups = []
    for key in sorted(set(by_group) | set(tables), key=lambda k: (str(k[0]), str(k[1]))):
        table = tables.get(key)
        order = {(m, p): i for i, (m, p) in enumerate(zip(table["model"], table["prior"]))} if table is not None else {}

        def position(rec, order=order):  # bound now: the loop rebinds `order` per table
            return (
                order.get((rec["model"], rec.get("prior") or "native"), len(order)),
                str(rec["model"]),
                str(rec.get("prior")),
                rec["seed"],
            )

        runs, prd, gallery = [], {}, {}
        completed = []
        for rec in sorted(by_group.get(key, []), key=position):
            folder = Path(rec["_dir"])
            prov = rec.get("metric_provenance") or {}
            t = rec.get("timings") or {}
            label = _row_label(rec["model"], rec.get("prior"))
            every = _figures(rec, folder)
            shown = [f for f in every if figures_wanted is None or f["name"] in figures_wanted]
            runs.append(
                {
                    "anchor": _anchor(*key, label, rec["seed"]),
                    "title": run_title(rec),
                    "status": rec.get("status", "unknown"),
                    "error": rec.get("error"),
                    "dir": str(folder),
                    "metrics": [
                        {"name": k, "value": _fmt(v), "extractor": (prov.get(k) or {}).get("extractor", "")}
                        for k, v in (rec.get("metrics") or {}).items()
                    ],
                    "timings": ", ".join(f"{k} {v:.1f} s" for k, v in t.items() if isinstance(v, (int, float))),
                    "figure_errors": "; ".join(f"{k}: {v}" for k, v in (rec.get("figure_errors") or {}).items()),
                    "figures": shown,
                }
            )
            if rec.get("status") != "completed":
                continue
            completed.append(rec)
            samples = next((f for f in every if f["name"] == "samples"), None)
            if samples is not None and label not in gallery:  # the lowest seed: records are sorted by seed
                value = None
                if table is not None and table.attrs.get("primary"):
                    name = (table.attrs.get("value_names") or {}).get(table.attrs["primary"])
                    v = (rec.get("metrics") or {}).get(name)
                    value = f"{name} {v:.4g}" if isinstance(v, (int, float)) else None
                gallery[label] = {"model": label, "seed": rec["seed"], "src": samples["src"], "value": value}
            curve = read_prd_curve(folder)
            if curve is not None:
                prd.setdefault(label, {})[rec["seed"]] = curve
        prd_figs = []
        for label, curves in prd.items():
            title = f"{label} · {key[0]} / {key[1]} · {_seed_list(curves)}"
            fig = prd_figure({f"seed {s}": c for s, c in sorted(curves.items())})
            prd_figs.append({"model": label, "src": _data_uri(figure_bytes(fig, title))})
        chart = None
        if table is not None:
            try:
                chart = _data_uri(primary_chart(table, [r["seed"] for r in completed]))
            except _Skip:
                pass
        groups.append(
            {
                "dataset": key[0],
                "budget": key[1],
                "anchor": _anchor(*key),
                "headline": _headline(table) if table is not None else None,
                "legend": lb.legend(table) if table is not None else "",
                "n_values": len(table.attrs["metrics"]) if table is not None else 0,
                "leaderboard": Markup(lb.render(table, "html")) if table is not None else None,
                "primary": table.attrs.get("primary") if table is not None else None,
                "chart": chart,
                "gallery": list(gallery.values()),
                "prd": prd_figs,
                "runs": runs,
            }
        )
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    page = env.from_string(TEMPLATE).render(
        groups=groups,
        n_runs=sum(len(g["runs"]) for g in groups),
        runs_dir=str(runs_dir),
        generated=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return page, sum(len(g["runs"]) for g in groups)


def write_report(runs_dir, out, higher_is_better=None, primary=None, dataset=None, figures=None) -> tuple[Path, int]:
    import matplotlib

    matplotlib.use("Agg")
    page, n = build_report(runs_dir, higher_is_better, primary, dataset, figures)
    out = Path(out)
    store.write_output(out, page.encode("utf-8"), what="report")
    # the temp file behind the atomic write is private (0600); a report is meant to be shared
    import os

    umask = os.umask(0)
    os.umask(umask)
    os.chmod(out, 0o666 & ~umask)
    return out, n


__all__ = ["build_report", "write_report"]
