"""Run records → leaderboard tables (pandas) → md/csv/json/latex/html, and the compact headline
view the terminal and the report show."""

from __future__ import annotations

import math
import re
from pathlib import Path

from . import records, store
from .errors import LpbenchError
from .stats import INTERVAL, RANK_TEST, rank_groups, summary

FORMATS = {"md": "md", "csv": "csv", "json": "json", "latex": "tex", "html": "html"}
PLAIN_EXTRACTORS = ("samples", "raw")
# The prior column of a reference row (lpbench/references.py): the data itself, a memorizer and
# simple baselines, scored like a model but never ranked.
REFERENCE = "reference"


# Column groups, left to right: scores of samples, then (prior axis) the decoder's ceiling, the
# gap ceiling → samples, and latent agreement between held-out codes and the prior.
SECTIONS = ("samples", "ceiling", "gap", "latent")


def run_rows(runs_dir) -> list[dict]:
    """One flat row per completed run and value, with its provenance. A run is a model's own
    run.json (prior "native") or a prior-axis record (lpbench/prior_axis): rows are keyed by
    (model, prior)."""
    rows: list[dict] = []
    first_of_table: dict = {}
    for rec in records.iter_records(runs_dir):
        if rec.get("status") != "completed":
            continue
        _check_one_data_setting(first_of_table, rec)
        timings = rec.get("timings") or {}
        base = {
            "dataset": rec["dataset"],
            "budget": rec["budget"],
            "model": rec["model"],
            "prior": rec.get("prior") or "native",
            "seed": rec["seed"],
            "train_s": timings.get("train_s"),
            "prior_fit_s": timings.get("prior_fit_s"),
        }
        prov = rec.get("metric_provenance", {})
        cprov = rec.get("ceiling_provenance") or {}

        def signature(p):
            return (p.get("extractor", "samples"), p.get("n_generated"), p.get("n_reference"), p.get("reference_split"))

        for name, value in (rec.get("metrics") or {}).items():
            p = prov.get(name, {})
            if not _is_spread(name, rec["metrics"], p):
                continue
            rows.append(
                {
                    **base,
                    "section": 0,
                    "value_name": name,
                    "metric": p.get("metric", name),
                    "value": value,
                    "signature": signature(p),
                }
            )
        shown = set(rec.get("gap") or rec.get("ceiling") or {})  # headline values only; not every companion
        for section in ("ceiling", "gap"):
            for name, value in (rec.get(section) or {}).items():
                if name not in shown:
                    continue
                p = prov.get(name) or cprov.get(name) or {}
                rows.append(
                    {
                        **base,
                        "section": SECTIONS.index(section),
                        "value_name": f"{section} {name}",
                        "metric": f"{section}:{p.get('metric', name)}",
                        "value": value,
                        "signature": signature(p),
                    }
                )
        for name, value in (rec.get("latent") or {}).items():
            rows.append(
                {
                    **base,
                    "section": SECTIONS.index("latent"),
                    "value_name": name,
                    "metric": f"latent:{name}",
                    "value": value,
                    "signature": ("samples", None, None, None),
                }
            )
    return rows


def _check_one_data_setting(first_of_table: dict, rec: dict) -> None:
    """One table, one data setting: runs of a dataset and budget made on different data settings
    (--set data.<key>) are refused, not averaged into one row or ranked against each other.
    lpbench run and lpbench references refuse to add such runs; this catches folders copied in.
    ``first_of_table``: (dataset, budget) → the first record read with data settings."""
    data = (rec.get("config") or {}).get("data")
    if not data:  # a prior-axis record: its model run's data
        return
    first = first_of_table.setdefault((rec["dataset"], rec["budget"]), rec)
    diff = records.settings_differences(first["config"], rec["config"], keys=("data",))
    if diff:
        raise LpbenchError(
            f"the {rec['dataset']}/{rec['budget']} table would mix runs on different data settings: "
            f"{first['_dir']} and {rec['_dir']} differ in {', '.join(diff)}; keep runs on different data "
            "in different runs directories"
        )


def _is_spread(name, values, provenance) -> bool:
    """False for a "<x>_std" over subsets that were each the whole sample set ("<x>_subset_size"
    ≥ n_generated, as KID recorded before subsets were halved): every subset is the same set, so
    it reads as zero uncertainty where none was measured. Every other value is shown."""
    if not name.endswith("_std"):
        return True
    size, n = values.get(name[:-4] + "_subset_size"), provenance.get("n_generated")
    return size is None or n is None or size < n


def _labels(df):
    """Column label per (value name, provenance): never two provenances in one column."""
    labels = {}
    for (ds, b, name), g in df.groupby(["dataset", "budget", "value_name"]):
        sigs = set(g["signature"])
        base = {sig: name if sig[0] in PLAIN_EXTRACTORS else f"{name} [{sig[0]}]" for sig in sigs}
        for sig in sigs:
            label = base[sig]
            if sum(1 for other in sigs if base[other] == label) > 1:
                label += f" (n={sig[1]}, {sig[3]})"
            labels[(ds, b, name, sig)] = label
    return labels


def rank_of(value) -> int | None:
    """A table's rank cell as an int; None for an unranked row (a reference row, a row with too
    few seeds: pandas' missing value, whose truth value is an error)."""
    import pandas as pd

    return None if value is None or pd.isna(value) else int(value)


def build(runs_dir, higher_is_better=None, primary=None, dataset=None, values=None) -> dict:
    """{(dataset, budget): DataFrame} with one row per model (and per reference row): each
    value's mean, std and t-interval over seeds (columns "<label>", "<label> std", "<label>
    ci_low", "<label> ci_high"), the seed count, mean train seconds, whether the row is a
    reference, and its rank group on the dataset's primary metric (lpbench.stats.rank_groups;
    references are not ranked). Rows are sorted by rank group, then by that metric; the
    reference rows come last, sorted by it.

    higher_is_better: metric name → bool; primary: dataset → primary metric name; values: only
    these value names (as in run.json's metrics, e.g. fid, prd_recall), in the records' order.
    """
    import pandas as pd

    from .errors import UnknownNameError

    higher_is_better = higher_is_better or {}
    primary = primary or {}
    rows = run_rows(runs_dir)
    if dataset:
        rows = [r for r in rows if r["dataset"] == dataset]
    if values:
        known = sorted({r["value_name"] for r in rows})
        for v in values:
            if v not in known:
                raise UnknownNameError("value", v, known)
        rows = [r for r in rows if r["value_name"] in values]
    if not rows:
        return {}
    df = pd.DataFrame(rows)
    for col in ("train_s", "prior_fit_s"):  # None (not recorded) → NaN, so means skip it
        df[col] = pd.to_numeric(df[col], errors="coerce")
    labels = _labels(df)
    df["label"] = [labels[(r.dataset, r.budget, r.value_name, r.signature)] for r in df.itertuples()]
    out = {}
    keys = ["model", "prior"]
    for (ds, b), g in df.groupby(["dataset", "budget"], sort=True):
        seeds = g.groupby(keys)["seed"].nunique().rename("seeds")
        runs = g.drop_duplicates([*keys, "seed"]).groupby(keys)
        train = runs["train_s"].mean().rename("train_s")
        prior_fit = runs["prior_fit_s"].mean().rename("prior_fit_s")
        per_seed = g.sort_values("seed").groupby([*keys, "label"])["value"].agg(list).unstack("label")
        cols = []
        order = list(
            dict.fromkeys(
                g.sort_values(["section", "metric", "value_name"], key=_primary_first(primary.get(ds)))["label"]
            )
        )
        index = seeds.index
        columns = {}
        for label in order:
            s = [summary(_values(v)) for v in per_seed[label].reindex(index)]
            for stat, suffix in (("mean", ""), ("std", " std"), ("ci_low", " ci_low"), ("ci_high", " ci_high")):
                columns[label + suffix] = pd.to_numeric(pd.Series([x[stat] for x in s], index=index, dtype=object))
            cols.append(label)
        columns["reference"] = pd.Series([p == REFERENCE for p in index.get_level_values("prior")], index=index)
        table = pd.concat([seeds, train, prior_fit, pd.DataFrame(columns, index=index)], axis=1)
        table = table.reset_index()
        key = _sort_column(primary.get(ds), cols, g)
        ranks = [None] * len(table)
        if key is not None:
            metric = g.loc[g["label"] == key, "metric"].iloc[0]
            hib = higher_is_better.get(metric, False)
            table = table.sort_values(key, ascending=not hib, na_position="last").reset_index(drop=True)
            by_seed = per_seed[key].reindex(pd.MultiIndex.from_frame(table[keys]))
            contestants = [i for i in range(len(table)) if not table["reference"][i]]
            groups = rank_groups([_values(by_seed.iloc[i]) for i in contestants], higher_is_better=hib)
            for i, grp in zip(contestants, groups):
                ranks[i] = grp
        table["rank"] = pd.array(ranks, dtype="Int64")
        # ranked rows by rank group, then (stable) by the primary mean; the references below them
        table = table.sort_values(["reference", "rank"], kind="stable", na_position="last")
        first = g.drop_duplicates("label").set_index("label")
        table.attrs.update(
            dataset=ds,
            budget=b,
            metrics=cols,
            primary=key,
            higher={c: higher_is_better.get(first.loc[c, "metric"]) for c in cols},
            value_names={c: first.loc[c, "value_name"] for c in cols},
            headline=_headline(cols, first),
            # per-seed values of the primary metric, for the report's cross-model chart
            primary_seeds={} if key is None else {k: _values(v) for k, v in per_seed[key].reindex(index).items()},
        )
        out[(ds, b)] = table.reset_index(drop=True)
    return out


def _headline(cols, first) -> list:
    """The values a reader compares first: each sample metric's value named after it (fid, kid,
    emd, pag), or, for a metric with no such value, all of its values (prd: prd_recall,
    prd_precision). Companions (kid_std, pag_n, emd_floor …) and the prior axis's ceiling, gap and
    latent columns are left to --values."""
    own = {first.loc[c, "metric"] for c in cols if first.loc[c, "metric"] == first.loc[c, "value_name"]}
    return [
        c
        for c in cols
        if first.loc[c, "section"] == 0
        and (first.loc[c, "metric"] == first.loc[c, "value_name"] or first.loc[c, "metric"] not in own)
    ]


def _values(v) -> list:
    return v if isinstance(v, list) else []


def _primary_first(primary):
    def key(series):
        if series.name == "metric":
            return series.map(lambda m: (m != primary, m))
        return series

    return key


def _sort_column(primary, cols, g):
    if primary is None:
        return cols[0] if cols else None
    for label in cols:
        if g.loc[g["label"] == label, "metric"].iloc[0] == primary:
            return label
    return cols[0] if cols else None


def _fmt(mean, std, lo=None, hi=None) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "–"
    s = f"{mean:.4g}"
    if std is not None and not (isinstance(std, float) and math.isnan(std)):
        s += f" ± {std:.2g}"
        if lo is not None and not math.isnan(lo):
            s += f" [{lo:.3g}, {hi:.3g}]"
    return s


def display_frame(table):
    """Human-facing frame: rank group, "mean ± std [t-interval]" strings, seconds rounded;
    reference rows say so in the rank column."""
    import pandas as pd

    ranks = ["ref" if ref else str(rank_of(r) or "–") for r, ref in zip(table["rank"], table["reference"])]
    disp = pd.DataFrame({"rank": ranks, "model": table["model"], "prior": table["prior"], "seeds": table["seeds"]})
    for label in table.attrs.get("metrics", []):
        disp[label] = [
            _fmt(*v)
            for v in zip(table[label], table[f"{label} std"], table[f"{label} ci_low"], table[f"{label} ci_high"])
        ]
    disp["train s"] = [f"{t:.1f}" if t == t else "–" for t in table["train_s"]]
    disp["prior fit s"] = [f"{t:.1f}" if t == t else "–" for t in table["prior_fit_s"]]
    return disp


def legend(table) -> str:
    """What the numbers mean, printed under every human-facing table."""
    by = table.attrs.get("primary")
    return (
        f"mean ± std over seeds [{INTERVAL}]; rank: groups on {by or 'the first value'} — {RANK_TEST}; "
        f"rank 1 = statistically indistinguishable from the best; ref = a reference row "
        f"(lpbench references), scored by the same metrics, never ranked."
    )


_MD_SPECIAL = re.compile(r"([\\|`*\[\]<>])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md_escape(text) -> str:
    """Make a name from a plugin or a registry inert in a Markdown table: '|' would split the
    cell, '<' open HTML, '*', '`', '[' and word-boundary '_' turn into markup. Underscores
    inside words (prior_gan) are left alone: GitHub Markdown never reads them as emphasis."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), str(text))


def _short(x, digits: int) -> str:
    """x to ``digits`` significant digits with a short exponent (1.04e4, 3e-3): terminal cells are narrow."""
    return re.sub(r"e([+-])0*(\d)", lambda m: "e" + ("-" if m.group(1) == "-" else "") + m.group(2), f"{x:.{digits}g}")


def _compact(mean, std) -> str:
    """ "0.327 ±0.04": a space a narrow column can wrap at, never inside a number."""
    if mean is None or mean != mean:
        return "–"
    if std is None or std != std:
        return _short(mean, 3)
    if std <= 1e-9 * abs(mean):  # equal seeds; float noise is no spread
        std = 0.0
    return f"{_short(mean, 3)} ±{min(_short(std, 1), f'{std:.1e}'.replace('.0e', 'e'), key=len)}"


_EXTRACTOR = re.compile(r"^(.*) \[([^\]]+)\]$")


def _strip_extractor(labels) -> tuple[list[str], str | None]:
    """Headers without their " [extractor]" when one extractor serves them all (named once in the
    title instead): the label repeated in every column would take a third of a terminal."""
    found = {m.group(2) for m in map(_EXTRACTOR.match, labels) if m}
    if len(found) != 1:
        return list(labels), None
    return [m.group(1) if (m := _EXTRACTOR.match(lab)) else lab for lab in labels], found.pop()


def headline_view(table, values=None) -> tuple[list[str], list[list[str]], set, str]:
    """The compact table a reader scans first: rank, model (× prior), seeds (n), then each headline
    value (``values`` instead, when given) as "mean ±std" under a header with ↑ (higher is better)
    or ↓. Returns (headers, rows of cells, {(row, column)} of the best cells: the best mean of each
    column among the ranked rows, reference rows never count, and a title naming the dataset,
    budget and, when one extractor serves every column, that extractor)."""
    labels = values if values is not None else table.attrs.get("headline") or table.attrs.get("metrics", [])
    higher = table.attrs.get("higher", {})
    arrow = {True: " ↑", False: " ↓"}
    names, extractor = _strip_extractor(labels)
    headers = ["rank", "model", "n"] + [name + arrow.get(higher.get(lab), "") for name, lab in zip(names, labels)]
    title = f"{table.attrs.get('dataset')} / {table.attrs.get('budget')}"
    if extractor:
        marked = [n for n, lab in zip(names, labels) if n != lab]
        title += f" — {', '.join(marked)} on {extractor} features"
    rows = []
    for r in table.itertuples(index=False):
        rank = "ref" if r.reference else str(rank_of(r.rank) or "–")
        model = r.model if r.prior in ("native", REFERENCE) else f"{r.model} × {r.prior}"
        rows.append([rank, model, str(r.seeds)])
    best = set()
    for j, lab in enumerate(labels, start=3):
        means, stds = table[lab].tolist(), table[f"{lab} std"].tolist()
        for i, (m, sd) in enumerate(zip(means, stds)):
            rows[i].append(_compact(m, sd))
        ranked = [m for m, ref in zip(means, table["reference"]) if not ref and m == m]
        if higher.get(lab) is not None and ranked:
            top = (max if higher[lab] else min)(ranked)
            best |= {(i, j) for i, (m, ref) in enumerate(zip(means, table["reference"])) if not ref and m == top}
    return headers, rows, best, title


_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "±": r"$\pm$",
    "–": "--",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_TEX_RE = re.compile("|".join(map(re.escape, _TEX_SPECIAL)))


def tex_escape(text) -> str:
    """Text safe in a LaTeX tabular cell under pdflatex: the ten special characters, and the
    non-ASCII signs the tables use (±, –) as commands any document has."""
    return _TEX_RE.sub(lambda m: _TEX_SPECIAL[m.group(0)], str(text))


def _latex(disp, legend_text: str, caption: str) -> str:
    """A tabular to \\input into any LaTeX document: plain \\hline rules (no package needed)."""
    cols = "l" * 3 + "r" * (disp.shape[1] - 3)
    lines = [
        f"% {tex_escape(caption)}",
        f"% {' '.join(legend_text.split())}",
        f"\\begin{{tabular}}{{{cols}}}",
        r"\hline",
        " & ".join(tex_escape(c) for c in disp.columns) + r" \\",
        r"\hline",
    ]
    lines += [" & ".join(tex_escape(v) for v in row) + r" \\" for row in disp.itertuples(index=False)]
    lines += [r"\hline", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A text cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first: CSV
    injection) gets a leading apostrophe, which spreadsheets show as text. Numbers stay numbers."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def _records_frame(tables_by_key: dict):
    """All tables as one frame: dataset and budget columns first, then the union of the tables'
    columns (a value a table lacks is empty)."""
    import pandas as pd

    frames = [t.assign(dataset=ds, budget=b)[["dataset", "budget", *t.columns]] for (ds, b), t in tables_by_key.items()]
    return pd.concat(frames, ignore_index=True, sort=False) if frames else pd.DataFrame(columns=["dataset", "budget"])


def render_all(tables_by_key: dict, fmt: str) -> str:
    """Every table in one document: csv and json hold one row per (dataset, budget, model,
    prior) with dataset and budget columns; md, html and latex one titled table after another."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if fmt == "csv":
        frame = _records_frame(tables_by_key)
        frame = frame.rename(columns=csv_safe).apply(lambda col: col.map(csv_safe))
        return frame.to_csv(index=False)
    if fmt == "json":
        return _records_frame(tables_by_key).to_json(orient="records", indent=2) + "\n"
    if fmt == "md":
        return "\n".join(
            f"## {md_escape(ds)} / {md_escape(b)}\n\n{render(t, fmt)}" for (ds, b), t in tables_by_key.items()
        )
    if fmt == "html":
        import html

        return "\n".join(
            f"<h2>{html.escape(f'{ds} / {b}')}</h2>\n{render(t, fmt)}" for (ds, b), t in tables_by_key.items()
        )
    return "\n".join(render(t, fmt) for t in tables_by_key.values())


def render(table, fmt: str) -> str:
    """One table in one format. csv and json are render_all of this one table."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    key = (table.attrs.get("dataset"), table.attrs.get("budget"))
    if fmt in ("csv", "json"):
        return render_all({key: table}, fmt)
    disp = display_frame(table)
    title = f"{key[0]} / {key[1]}"
    if fmt == "md":
        disp = disp.rename(columns=md_escape).apply(
            lambda col: col.map(lambda v: md_escape(v) if isinstance(v, str) else v)
        )
        return disp.to_markdown(index=False) + "\n\n" + md_escape(legend(table)) + "\n"
    if fmt == "html":
        import html

        return disp.to_html(index=False, escape=True, border=0) + f"\n<p>{html.escape(legend(table))}</p>\n"
    return _latex(disp, legend(table), title)


def rendered(tables_by_key: dict, out_dir, formats=("md",)) -> dict[Path, bytes]:
    """path under out_dir → the file's bytes, for every table and format."""
    return {
        store.safe_join(out_dir, ds, f"{b}.{FORMATS[fmt]}", what="table name"): render(table, fmt).encode()
        for (ds, b), table in tables_by_key.items()
        for fmt in formats
    }


def write(tables_by_key: dict, out_dir, formats=("md",)) -> list[Path]:
    files = rendered(tables_by_key, out_dir, formats)
    for path, data in files.items():
        store.write_output(path, data, what="leaderboard table")
    return list(files)


def check(tables_by_key: dict, out_dir, formats=tuple(FORMATS), dataset=None, budget=None) -> list[str]:
    """Compare the tables the run records give with the files already in out_dir (a published
    leaderboard): one message per missing, differing or orphaned table file; [] when they agree."""
    import difflib

    out_dir = Path(out_dir)
    expected = rendered(tables_by_key, out_dir, formats)
    problems = []
    for path, data in expected.items():
        if not path.exists():
            problems.append(f"{path}: missing (the run records give this table)")
        elif (old := store.read_bytes(path, what="leaderboard table")) != data:
            diff = difflib.unified_diff(
                old.decode(errors="replace").splitlines(),
                data.decode().splitlines(),
                "committed",
                "from run records",
                n=0,
                lineterm="",
            )
            shown = "\n".join(list(diff)[2:8])
            problems.append(f"{path}: differs from what the run records give\n{shown}")
    suffixes = {f".{FORMATS[f]}" for f in formats}
    for path in sorted(out_dir.glob(f"{dataset or '*'}/{budget or '*'}.*")):
        if path.suffix in suffixes and path not in expected:
            problems.append(f"{path}: no run records give this table any more")
    return problems
