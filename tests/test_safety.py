"""Safety: no unpickling of arbitrary objects, safe YAML, plugins only from installed entry
points, and names escaped in every human-readable output."""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*(ROOT / "harness").rglob("*.py"), *(ROOT / "plugins").rglob("*.py")])


def _calls(pattern):
    """(file, call text up to its closing parenthesis) for every match in lpbench's sources."""
    out = []
    for path in SOURCES:
        text = path.read_text()
        for m in re.finditer(pattern, text):
            depth, i = 0, m.end() - 1
            while i < len(text):
                depth += {"(": 1, ")": -1}.get(text[i], 0)
                if depth == 0:
                    break
                i += 1
            out.append((path.relative_to(ROOT), text[m.start() : i + 1]))
    return out


def test_every_torch_load_is_weights_only():
    calls = _calls(r"torch\.load\(")
    assert calls, "the scan found nothing: it is broken"
    bad = [(str(p), c) for p, c in calls if "weights_only=True" not in c]
    assert not bad, bad


# The one accepted unpickling: CIFAR-10 is distributed only as Python pickles, and torchvision's
# own CIFAR10 class unpickles the same files; the dataset plugin re-reads them only to name a
# damaged file. Only files the user put in --data-root (or torchvision downloaded, md5-checked)
# are read. Anything new here must be argued for, not added silently.
PICKLE_ALLOWED = {"plugins/lpbench_datasets/torchvision_sets.py"}


def test_yaml_is_loaded_safely_and_nothing_else_is_unpickled():
    assert _calls(r"yaml\.safe_load\(")
    for pattern in (
        r"yaml\.load\(",
        r"yaml\.unsafe_load\(",
        r"yaml\.full_load\(",
        r"yaml\.Loader\b",
        r"(?<![.\w])eval\(",
    ):
        assert not _calls(pattern), pattern
    assert {str(p) for p, _ in _calls(r"pickle\.loads?\(")} <= PICKLE_ALLOWED


def test_only_installed_entry_points_are_imported_as_plugins(tmp_path, monkeypatch):
    # A module that looks like a plugin, sitting on sys.path, but announced by no entry point.
    (tmp_path / "lpbench_sneaky.py").write_text(
        f"open({str(tmp_path / 'imported')!r}, 'w').write('yes')\n"
        "from lpbench import hookimpl\n@hookimpl\ndef register_models(register):\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from lpbench.plugins import Plugins

    p = Plugins()
    assert "lpbench_sneaky" not in sys.modules and not (tmp_path / "imported").exists()
    assert "lpbench_sneaky" not in p.info


def _record(runs, model):
    folder = runs / "eight_gaussians" / "smoke" / "x" / "seed0"
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(
        json.dumps(
            {
                "model": model,
                "dataset": "eight_gaussians",
                "budget": "smoke",
                "seed": 0,
                "status": "completed",
                "metrics": {"emd": 0.5},
                "metric_provenance": {
                    "emd": {"extractor": "raw", "n_generated": 10, "n_reference": 10, "reference_split": "test"}
                },
                "timings": {"train_s": 1.0},
            }
        )
    )


def test_markdown_and_html_leaderboards_escape_names(tmp_path):
    from lpbench import tables as lb

    evil = "a|b <img src=x onerror=alert(1)> *bold* [link](http://x) `code`"
    _record(tmp_path, evil)
    table = lb.build(tmp_path, {"emd": False}, {"eight_gaussians": "emd"})[("eight_gaussians", "smoke")]
    md = lb.render(table, "md")
    row = [line for line in md.splitlines() if "img" in line][0]
    assert row.count("|") - row.count("\\|") == md.splitlines()[0].count("|")  # no extra cell
    for raw in ("<img", "*bold*", "[link]", "`code`"):
        assert not re.search(r"(?<!\\)" + re.escape(raw), row), raw
    assert "\\<img" in row and "\\*bold\\*" in row
    html = lb.render(table, "html")
    assert "<img" not in html and "&lt;img" in html
