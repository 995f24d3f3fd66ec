"""README.md as a reader meets it: the command table renders as one table naming every command,
the contents list reaches every section, CI runs its test command, and the evaluation-API example
metric runs."""
import json
import re
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from lpbench.plugins import get_plugins

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _html(markdown: str) -> str:
    """GitHub-flavoured tables through markdown-it (rich's own Markdown parser, so always installed)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(markdown)


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces → hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def _outside_code(text: str) -> str:
    return re.sub(r"```.*?```", "", text, flags=re.S)


def test_the_command_table_is_one_table_with_every_command():
    from lpbench.cli import main

    html = _html(README[README.index("## Command line"):README.index("**Exit codes.**")])
    tables = re.findall(r"<table>.*?</table>", html, re.S)
    assert len(tables) == 1
    rows = re.findall(r"<tr>\s*<td><code>lpbench ([\w-]+)", tables[0])
    assert sorted(rows) == sorted(main.commands), (rows, sorted(main.commands))


def test_every_table_row_stays_in_its_table():
    """A line that starts with '|' must be inside a rendered table, never a paragraph."""
    html = _html(_outside_code(README))
    paragraphs = re.findall(r"<p>(.*?)</p>", html, re.S)
    assert not [line for par in paragraphs for line in par.splitlines() if line.startswith("|")]


def test_the_contents_list_reaches_every_section():
    body = _outside_code(README)
    contents = body[body.index("**Contents**"):body.index("## Published leaderboard")]
    links = re.findall(r"\]\(#([^)]+)\)", contents)
    anchors = {_anchor(h) for h in re.findall(r"^#{2,3} (.+)$", body, re.M)}
    assert set(links) <= anchors, set(links) - anchors  # no dead link
    sections = [_anchor(h) for h in re.findall(r"^## (.+)$", body, re.M)]
    assert [a for a in sections if a not in links] == []  # every section is listed, in order
    assert [a for a in links if a in sections] == sections


def test_ci_runs_the_readme_test_command():
    block = README[README.index("## Tests"):README.index("## Command line")]
    command = re.search(r"```\n(python -m pytest[^\n]*)\n```", block).group(1)
    ci = [line for line in (ROOT / ".ci/run").read_text().splitlines() if "pytest" in line and not line.startswith("#")]
    assert ci == [command]
    assert "--durations" in command

def readme_feature_metric() -> str:
    return README.split("```python\n# lpbench_featmean/__init__.py\n", 1)[1].split("```", 1)[0]


def test_the_feature_metric_example_runs_through_lpbench_score(cli, tmp_path, monkeypatch):
    """The README's evaluation-API example, registered as a plugin and scored on real features:
    real test images sit closer to the reference than noise does."""
    monkeypatch.setenv("LPBENCH_CACHE", str(tmp_path / "cache"))
    module = type(sys)("lpbench_featmean")
    exec(compile(textwrap.dedent(readme_feature_metric()), "README.md:lpbench_featmean", "exec"), module.__dict__)
    get_plugins().register(module, "featmean-readme")
    try:
        ref = get_plugins().get("dataset", "digits")({}).load("train", seed=0)
        real = ref.x[:360].numpy()
        np.save(tmp_path / "real.npy", real)
        noise = np.random.default_rng(0).integers(0, 256, real.shape, dtype=np.uint8)
        np.save(tmp_path / "noise.npy", noise)
        scores = {}
        for name in ("real", "noise"):
            res = cli("score", tmp_path / f"{name}.npy", "--dataset", "digits", "--metrics",
                      "feature_mean_distance", "--json")
            assert res.exit_code == 0, res.output
            scores[name] = json.loads(res.output)["feature_mean_distance"]
    finally:
        get_plugins().unregister(name="featmean-readme")
    assert 0 <= scores["real"] < scores["noise"] / 3, scores
