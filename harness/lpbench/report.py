"""`lpbench report`: one static, self-contained HTML page over a runs directory.

Leaderboards per dataset and budget (lpbench.leaderboard), the PRD curves of the group's runs on
one plot (read from each run folder's ``prd_curve.json``), and a section per run with its metrics,
timings, error and figures. Images are embedded as base64 data URIs and the page loads nothing
from the network. Every value from a run record is HTML-escaped (Jinja2 autoescaping).
"""
from __future__ import annotations

import base64
from datetime import datetime, timezone
from pathlib import Path

from . import leaderboard as lb
from . import records, store
from .run_figures import CAPTIONS, _Skip, prd_comparison_figure, read_prd_curve

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>lpbench report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; padding: 0 1em; }
h1 { margin-bottom: .2em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .6em 0; font-size: 14px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
.run { border: 1px solid #e3e3e3; border-radius: 6px; padding: .5em 1em; margin: 1em 0; }
.status-completed { color: #176f2c; } .status-failed { color: #b00020; } .status-running { color: #8a6d00; }
.error { background: #fff0f0; border-left: 4px solid #b00020; padding: .4em .8em; white-space: pre-wrap; }
figure { display: inline-block; margin: .5em 1em .5em 0; vertical-align: top; max-width: 46%; }
figure img { max-width: 100%; min-width: 240px; border: 1px solid #eee; image-rendering: pixelated; }
figcaption { font-size: 12px; color: #555; max-width: 36em; }
.meta { color: #666; font-size: 13px; } nav a { margin-right: 1em; }
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
{% if g.leaderboard %}<h3>Leaderboard</h3>
<p class="meta">Mean ± std over seeds; sorted by the primary metric{% if g.primary %} ({{ g.primary }}){% endif %}.</p>
<div class="leaderboard">{{ g.leaderboard }}</div>
{% else %}<p>No completed runs: no leaderboard.</p>{% endif %}
{% if g.prd %}<figure class="prd"><img alt="PRD curves of {{ g.dataset }} / {{ g.budget }}" src="{{ g.prd }}">
<figcaption>PRD curves (Sajjadi et al. 2018) of every run in this group that saved one.</figcaption></figure>{% endif %}
{% for r in g.runs %}
<div class="run" id="{{ r.anchor }}">
<h3>{{ r.model }} · seed {{ r.seed }} · <span class="status-{{ r.status }}">{{ r.status }}</span></h3>
{% if r.error %}<div class="error">{{ r.error }}</div>{% endif %}
{% if r.metrics %}<table class="metrics"><tr><th>metric</th><th>value</th><th>extractor</th></tr>
{% for m in r.metrics %}<tr><td>{{ m.name }}</td><td>{{ m.value }}</td><td>{{ m.extractor }}</td></tr>
{% endfor %}</table>{% endif %}
{% if r.timings %}<p class="meta">{{ r.timings }}</p>{% endif %}
{% if r.figure_errors %}<p class="meta">Figures that could not be drawn: {{ r.figure_errors }}</p>{% endif %}
{% for f in r.figures %}<figure><img alt="{{ f.name }}" src="{{ f.src }}"><figcaption>{{ f.caption }}</figcaption></figure>
{% endfor %}
<p class="meta">Folder: <code>{{ r.dir }}</code></p>
</div>
{% endfor %}
</section>
{% endfor %}
</body>
</html>
"""


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _anchor(*parts) -> str:
    return "-".join("".join(c if c.isalnum() else "_" for c in str(p)) for p in parts)


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
        out.append({"name": name, "src": _data_uri(path), "caption": CAPTIONS.get(name, name)})
    return out


def _fmt(v) -> str:
    return f"{v:.6g}" if isinstance(v, (int, float)) else str(v)


def build_report(runs_dir, higher_is_better=None, primary=None, dataset=None) -> tuple[str, int]:
    """The page as a string, and how many runs it shows."""
    import jinja2
    from markupsafe import Markup  # pandas escapes the leaderboard's cells itself

    tables = lb.tables(runs_dir, higher_is_better, primary, dataset=dataset)
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
        order = {m: i for i, m in enumerate(table["model"])} if table is not None else {}
        runs, prd = [], {}
        for rec in sorted(by_group.get(key, []), key=lambda r: (order.get(r["model"], len(order)), str(r["model"]), r["seed"])):
            folder = Path(rec["_dir"])
            prov = rec.get("metric_provenance") or {}
            t = rec.get("timings") or {}
            # prior-axis records (lpbench/prior_axis.py) sit beside their model's: "model × prior"
            prior = rec.get("prior") if rec.get("prior") not in (None, "native") else None
            label = f"{rec['model']} × {prior}" if prior else rec["model"]
            runs.append({
                "anchor": _anchor(*key, label, rec["seed"]),
                "model": label, "seed": rec["seed"], "status": rec.get("status", "unknown"),
                "error": rec.get("error"), "dir": str(folder),
                "metrics": [{"name": k, "value": _fmt(v), "extractor": (prov.get(k) or {}).get("extractor", "")}
                            for k, v in (rec.get("metrics") or {}).items()],
                "timings": ", ".join(f"{k} {v:.1f} s" for k, v in t.items() if isinstance(v, (int, float))),
                "figure_errors": "; ".join(f"{k}: {v}" for k, v in (rec.get("figure_errors") or {}).items()),
                "figures": _figures(rec, folder),
            })
            curve = read_prd_curve(folder) if rec.get("status") == "completed" else None
            if curve is not None:
                prd[f"{rec['model']} seed {rec['seed']}"] = curve
        prd_src = None
        if prd:
            try:
                prd_src = "data:image/png;base64," + base64.b64encode(prd_comparison_figure(prd)).decode("ascii")
            except _Skip:
                pass
        groups.append({
            "dataset": key[0], "budget": key[1], "anchor": _anchor(*key),
            "leaderboard": Markup(lb.render(table, "html")) if table is not None else None,
            "primary": table.attrs.get("primary") if table is not None else None,
            "prd": prd_src, "runs": runs,
        })
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    page = env.from_string(TEMPLATE).render(
        groups=groups, n_runs=sum(len(g["runs"]) for g in groups), runs_dir=str(runs_dir),
        generated=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    return page, sum(len(g["runs"]) for g in groups)


def write_report(runs_dir, out, higher_is_better=None, primary=None, dataset=None) -> tuple[Path, int]:
    import matplotlib

    matplotlib.use("Agg")
    page, n = build_report(runs_dir, higher_is_better, primary, dataset)
    out = Path(out)
    store.write_output(out, page.encode("utf-8"), what="report")
    # the temp file behind the atomic write is private (0600); a report is meant to be shared
    import os

    umask = os.umask(0)
    os.umask(umask)
    os.chmod(out, 0o666 & ~umask)
    return out, n


__all__ = ["build_report", "write_report"]
