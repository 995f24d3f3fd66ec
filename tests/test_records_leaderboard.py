"""Atomic records, discovery, and leaderboard aggregation over seeds."""

import json
import math
import os
import re
import shutil

import pytest

from lpbench import records, tables


def test_atomic_write_leaves_old_file_intact_on_failure(tmp_path, monkeypatch):
    from lpbench import store

    path = tmp_path / "run.json"
    store.atomic_write_json(path, {"status": "completed"})

    def torn_write(fd, data):  # the process dies mid-write
        raise OSError("disk gone")

    monkeypatch.setattr(os, "fsync", lambda fd: torn_write(fd, None))
    with pytest.raises(OSError):
        store.atomic_write_json(path, {"status": "running"})
    assert json.loads(path.read_text()) == {"status": "completed"}
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # no temp file left behind


def test_unreadable_record_is_skipped_not_fatal(tmp_path):
    d = records.run_dir(tmp_path, "digits", "smoke", "vae", 0)
    d.mkdir(parents=True)
    (d / "run.json").write_text("{torn")
    with pytest.warns(UserWarning, match="unreadable"):
        assert list(records.iter_records(tmp_path)) == []
    assert not records.is_completed(d)


def fake_run(
    root,
    model,
    seed,
    metrics,
    dataset="eight_gaussians",
    budget="smoke",
    status="completed",
    extractor="raw",
    n=1000,
    train_s=1.0,
    metric_of=None,
):
    d = records.run_dir(root, dataset, budget, model, seed)
    records.write_record(
        d,
        {
            "model": model,
            "dataset": dataset,
            "budget": budget,
            "seed": seed,
            "status": status,
            "metrics": metrics,
            "timings": {"train_s": train_s},
            "metric_provenance": {
                k: {
                    "metric": (metric_of or {}).get(k, k),
                    "extractor": extractor,
                    "n_generated": n,
                    "n_reference": n,
                    "reference_split": "test",
                }
                for k in metrics
            },
        },
    )


def test_aggregates_mean_std_over_seeds_and_sorts_by_primary(tmp_path):
    for s, v in enumerate([0.1, 0.3, 0.2]):
        fake_run(tmp_path, "b_model", s, {"emd": v, "hq": 90.0 + s}, train_s=2.0 + s)
    for s, v in enumerate([0.05, 0.07, 0.09]):
        fake_run(tmp_path, "a_model", s, {"emd": v, "hq": 99.0})
    fake_run(tmp_path, "c_model", 0, {"emd": 0.01}, status="failed")  # failed runs never count
    t = tables.build(tmp_path, {"emd": False, "hq": True}, {"eight_gaussians": "emd"})
    table = t[("eight_gaussians", "smoke")]
    assert list(table["model"]) == ["a_model", "b_model"]  # lower emd first
    b = table.set_index("model").loc["b_model"]
    assert b["emd"] == pytest.approx(0.2)
    assert b["emd std"] == pytest.approx(0.1)  # sample std over seeds
    assert b["seeds"] == 3 and b["train_s"] == pytest.approx(3.0)
    assert table.set_index("model").loc["a_model", "seeds"] == 3
    # direction: sorted by a higher-is-better primary, highest first
    t = tables.build(tmp_path, {"emd": False, "hq": True}, {"eight_gaussians": "hq"})
    assert list(t[("eight_gaussians", "smoke")]["model"]) == ["a_model", "b_model"]
    t = tables.build(tmp_path, {"emd": True}, {"eight_gaussians": "emd"})
    assert list(t[("eight_gaussians", "smoke")]["model"]) == ["b_model", "a_model"]


def test_different_provenance_never_shares_a_column(tmp_path):
    fake_run(tmp_path, "m1", 0, {"fid": 10.0}, dataset="digits", extractor="digits_cnn", n=360)
    fake_run(tmp_path, "m2", 0, {"fid": 12.0}, dataset="digits", extractor="inception", n=360)
    fake_run(tmp_path, "m3", 0, {"fid": 11.0}, dataset="digits", extractor="inception", n=200)
    table = tables.build(tmp_path, {}, {"digits": "fid"})[("digits", "smoke")]
    cols = table.attrs["metrics"]
    assert "fid [digits_cnn]" in cols
    assert "fid [inception] (n=360, test)" in cols and "fid [inception] (n=200, test)" in cols
    row = table.set_index("model")
    assert math.isnan(row.loc["m1", "fid [inception] (n=360, test)"])


@pytest.mark.parametrize(
    "fmt, needle",
    [
        ("md", "| a_model"),
        ("csv", "dataset,budget,model,prior,seeds,train_s,prior_fit_s,emd,emd std"),
        ("json", '"model":"a_model"'),
        ("latex", r"a\_model"),
        ("html", "<table"),
    ],
)
def test_every_format_renders(tmp_path, fmt, needle):
    fake_run(tmp_path, "a_model", 0, {"emd": 0.1})
    fake_run(tmp_path, "a_model", 1, {"emd": 0.2})
    table = tables.build(tmp_path, {}, {})[("eight_gaussians", "smoke")]
    out = tables.render(table, fmt)
    assert needle in out.replace(" ", "") if fmt == "json" else needle in out
    if fmt == "md":
        assert "0.15 ± 0.071" in out


def test_html_and_markdown_escape_names(tmp_path):
    fake_run(tmp_path, "<script>alert(1)", 0, {"emd": 0.1})  # no '/': a model name is a folder name
    table = tables.build(tmp_path, {}, {})[("eight_gaussians", "smoke")]
    assert "<script>" not in tables.render(table, "html")


# ------------------------------------------------------------------------------- output formats

PDFLATEX = shutil.which("pdflatex")


def _two_datasets(root):
    """Two tables with different columns, and names that are markup in every output format."""
    for s, v in enumerate([0.1, 0.2]):
        fake_run(root, "a_model", s, {"emd": v, "hq": 90.0 + s})
        fake_run(root, '=HYPERLINK("x")', s, {"emd": v + 1, "hq": 50.0})
        fake_run(
            root,
            "b_model",
            s,
            {"fid": 3.0 + s, "is_std": 0.1},
            dataset="digits",
            budget="cpu",
            extractor="digits_cnn",
            n=360,
        )
    fake_run(
        root,
        "x&y%z$#{}~^_",
        0,
        {"fid": 9.0, "is_std": 0.2},
        dataset="digits",
        budget="cpu",
        extractor="digits_cnn",
        n=360,
    )
    return tables.build(root, {"emd": False, "hq": True, "fid": False}, {"eight_gaussians": "emd", "digits": "fid"})


def test_json_is_one_document_and_csv_one_table_for_any_number_of_tables(tmp_path):
    import csv
    import io

    both = _two_datasets(tmp_path)
    assert len(both) == 2
    rows = json.loads(tables.render_all(both, "json"))  # raises on two arrays back to back
    assert {(r["dataset"], r["budget"]) for r in rows} == {("digits", "cpu"), ("eight_gaussians", "smoke")}
    assert {r["model"] for r in rows if r["dataset"] == "digits"} == {"b_model", "x&y%z$#{}~^_"}
    text = tables.render_all(both, "csv")
    parsed = list(csv.reader(io.StringIO(text)))
    header, body = parsed[0], parsed[1:]
    assert header[:2] == ["dataset", "budget"] and "fid [digits_cnn]" in header and "emd" in header
    assert "dataset" not in [row[0] for row in body]  # the header appears once
    assert len(body) == len(rows) and all(len(row) == len(header) for row in body)
    by_model = {row[header.index("model")]: row for row in body}
    assert by_model["b_model"][header.index("emd")] == ""  # a value a table lacks is empty
    # a name a spreadsheet would evaluate is shown as text; negative numbers stay numbers
    assert '\'=HYPERLINK("x")' in by_model and '=HYPERLINK("x")' not in by_model
    assert tables.csv_safe(-0.5) == -0.5 and tables.csv_safe("-1+2") == "'-1+2"
    for cell in (c for row in parsed for c in row):
        assert not cell.startswith(("=", "+", "@")), cell
        assert not cell.startswith("-") or _is_number(cell), cell


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.skipif(
    PDFLATEX is None, reason="pdflatex is not installed (Debian: apt-get install -y texlive-latex-base)"
)
def test_latex_tables_compile_with_pdflatex(tmp_path):
    import subprocess

    both = _two_datasets(tmp_path / "runs")
    (tmp_path / "tables.tex").write_text(tables.render_all(both, "latex"))
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage[margin=1cm,a3paper,landscape]{geometry}\n"
        "\\begin{document}\n\\input{tables.tex}\n\\end{document}\n"
    )
    res = subprocess.run(
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stdout[-3000:]
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert "Missing $ inserted" not in log and "Undefined control sequence" not in log
    pdf = (
        subprocess.run(["pdftotext", "doc.pdf", "-"], cwd=tmp_path, capture_output=True, text=True)
        if shutil.which("pdftotext")
        else None
    )
    if pdf is not None and pdf.returncode == 0:
        assert "x&y%z$#{}~^_" in pdf.stdout and "fid [digits_cnn]" in pdf.stdout


def test_latex_escapes_header_cells_and_values():
    assert tables.tex_escape("is_std [digits_cnn]") == r"is\_std [digits\_cnn]"
    assert tables.tex_escape("0.5 ± 0.1 – a&b%c$d#e{f}g~h^i\\") == (
        r"0.5 $\pm$ 0.1 -- a\&b\%c\$d\#e\{f\}g\textasciitilde{}h\textasciicircum{}i\textbackslash{}"
    )


# as the metric plugins return them: the first value is the headline, the rest its companions
COMPANIONS = {"is_std": "is", "kid_std": "kid", "prd_recall": "prd", "prd_precision": "prd", "pag_n": "pag"}


def test_terminal_table_fits_120_columns_with_headline_values_and_the_best_in_bold(tmp_path):
    from rich.console import Console

    from lpbench.cli import terminal_table

    for s in range(3):
        fake_run(
            tmp_path,
            "a_rather_long_model_name",
            s,
            {
                "fid": 0.3 + s / 100,
                "is": 7.0,
                "is_std": 0.1,
                "kid": 0.009,
                "kid_std": 0.001,
                "prd_recall": 0.97,
                "prd_precision": 0.96,
                "emd": 1.5,
                "pag": 1e4 + s,
                "pag_n": 360,
            },
            dataset="digits",
            budget="cpu",
            extractor="digits_cnn",
            n=360,
            metric_of=COMPANIONS,
        )
        fake_run(
            tmp_path,
            "vae",
            s,
            {
                "fid": 1.7 + s / 10,
                "is": 6.0,
                "is_std": 0.2,
                "kid": -0.004,
                "kid_std": 0.002,
                "prd_recall": 0.98,
                "prd_precision": 0.9,
                "emd": 1.9,
                "pag": 6e3,
                "pag_n": 360,
            },
            dataset="digits",
            budget="cpu",
            extractor="digits_cnn",
            n=360,
            metric_of=COMPANIONS,
        )
    hib = {"fid": False, "is": True, "kid": False, "prd": True, "emd": False, "pag": False}
    table = tables.build(tmp_path, hib, {"digits": "fid"})[("digits", "cpu")]
    console = Console(width=120, record=True, force_terminal=True, color_system="standard")
    console.print(terminal_table(table))
    plain = console.export_text(styles=False, clear=False)
    styled = console.export_text(styles=True)
    lines = plain.splitlines()
    assert max(map(len, lines)) <= 120 and "…" not in plain
    header = next(line for line in lines if "fid ↓" in line)
    for name in ("fid ↓", "is ↑", "kid ↓", "emd ↓", "pag ↓", "prd_recall ↑"):
        assert name in plain, name
    assert "pag_n" not in header and "is_std" not in header and "kid_std" not in header  # companions: --values
    assert "digits_cnn" in plain.splitlines()[0]  # the shared extractor is named once, in the title
    assert "a_rather_long_model_name" in plain  # names are never cut
    # best cells in bold: the first model's fid, the second's prd_recall
    bold = re.findall(r"\x1b\[1m\s*([^\x1b]*?)\x1b\[0m", styled)
    assert "0.31 ±0.01" in bold and "0.98 ±0" in bold, bold
    assert "1.8 ±0.1" not in bold and "1.8 ±0.1" in plain


def test_leaderboard_command_prints_every_table_as_one_document(cli, tmp_path):
    _two_datasets(tmp_path)
    res = cli("leaderboard", "--runs-dir", tmp_path, "--format", "json")
    assert res.exit_code == 0, res.output
    assert {r["dataset"] for r in json.loads(res.output)} == {"digits", "eight_gaussians"}
    res = cli("leaderboard", "--runs-dir", tmp_path, "--format", "csv")
    assert res.output.count("dataset,budget,") == 1


def test_leaderboard_budget_shows_only_that_budgets_tables(cli, tmp_path):
    for s, v in enumerate([0.1, 0.2]):
        fake_run(tmp_path, "a_model", s, {"emd": v})
        fake_run(tmp_path, "a_model", s, {"emd": v + 1}, budget="paper")
    res = cli("leaderboard", "--runs-dir", tmp_path, "--budget", "paper", "--format", "json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert {r["budget"] for r in rows} == {"paper"} and rows[0]["emd"] == pytest.approx(1.15)
    out = tmp_path / "tables"
    assert cli("leaderboard", "--runs-dir", tmp_path, "--out", out).exit_code == 0
    # --check of one budget compares that budget's files only; the other budget's are not orphans
    res = cli("leaderboard", "--runs-dir", tmp_path, "--out", out, "--budget", "smoke", "--check")
    assert res.exit_code == 0 and "1 table(s)" in res.output, res.output
    res = cli("leaderboard", "--runs-dir", tmp_path, "--dataset", "eight_gaussians", "--budget", "nope")
    assert res.exit_code == 2 and "'nope'. Known budgets" in res.output, res.output
