"""README.md and docs/ as a reader meets them: the README stays short and links every docs page,
every relative link lands on a file (and heading) that exists, no table row falls into a paragraph,
each contents list reaches every section, the command table names every command and the command
reference is what the CLI prints, the module map lists every module, CI runs the README's test
command, and the evaluation-API example metric runs."""

import importlib.util
import json
import re
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from lpbench.plugins import get_plugins

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text()
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
CONTENTS_PAGES = [p for p in PAGES if "**Contents**" in p.read_text()]


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _html(markdown: str) -> str:
    """GitHub-flavoured tables through markdown-it (rich's own Markdown parser, so always installed)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(markdown)


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: inline code marks and punctuation dropped, lower case,
    spaces → hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower()).replace(" ", "-")


def _outside_code(text: str) -> str:
    return re.sub(r"```.*?```", "", text, flags=re.S)


def _anchors(text: str) -> set[str]:
    """Every heading's anchor, with GitHub's -1, -2 … suffixes for repeated headings."""
    seen: dict[str, int] = {}
    out = set()
    for heading in re.findall(r"^#{1,6} (.+?)\s*$", _outside_code(text), re.M):
        a = _anchor(heading)
        out.add(f"{a}-{seen[a]}" if a in seen else a)
        seen[a] = seen.get(a, 0) + 1
    return out


def _section(text: str, heading: str) -> str:
    """From ``heading`` to the next heading of the same level."""
    level = heading.split(" ", 1)[0]
    start = text.index(heading + "\n")
    end = text.find(f"\n{level} ", start + len(heading))
    return text[start : end if end >= 0 else len(text)]


def test_the_command_table_is_one_table_with_every_command():
    from lpbench.cli import main

    cli_md = (DOCS / "cli.md").read_text()
    html = _html(cli_md[cli_md.index("## Commands") : cli_md.index("**Exit codes.**")])
    tables = re.findall(r"<table>.*?</table>", html, re.S)
    assert len(tables) == 1
    rows = re.findall(r"<tr>\s*<td><code>lpbench ([\w-]+)", tables[0])
    assert sorted(rows) == sorted(main.commands), (rows, sorted(main.commands))


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_command_reference_is_what_the_cli_prints(capsys):
    """docs/cli.md's reference is `lpbench <command> --help` for every command, regenerated and
    compared (python docs/cli_reference.py rewrites it)."""
    from lpbench.cli import main

    reference = _load(DOCS / "cli_reference.py", "cli_reference")
    assert reference.main(["--check"]) == 0, capsys.readouterr().out
    page = (DOCS / "cli.md").read_text()
    block = page[page.index(reference.BEGIN) : page.index(reference.END)]
    assert [f"lpbench {c}" for c in sorted(main.commands)] == re.findall(r"^### `(lpbench [\w-]+)`$", block, re.M)


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_every_table_row_stays_in_its_table(page):
    """A line that starts with '|' must be inside a rendered table, never a paragraph."""
    html = _html(_outside_code(page.read_text()))
    paragraphs = re.findall(r"<p>(.*?)</p>", html, re.S)
    assert not [line for par in paragraphs for line in par.splitlines() if line.startswith("|")]


def test_the_readme_has_a_contents_list():
    assert ROOT / "README.md" in CONTENTS_PAGES


@pytest.mark.parametrize("page", CONTENTS_PAGES, ids=_id)
def test_the_contents_list_reaches_every_section(page):
    body = _outside_code(page.read_text())
    start = body.index("**Contents**")
    contents = body[start : body.index("\n## ", start)]
    links = re.findall(r"\]\(#([^)]+)\)", contents)
    assert set(links) <= _anchors(body), set(links) - _anchors(body)  # no dead link
    sections = [_anchor(h) for h in re.findall(r"^## (.+)$", body, re.M)]
    assert [a for a in sections if a not in links] == []  # every section is listed, in order
    assert [a for a in links if a in sections] == sections


def test_the_readme_stays_short_and_links_every_docs_page():
    """Detail lives in docs/: the README outside its generated headline section stays short, and
    its documentation list reaches every page."""
    generated = README[README.index("## Published leaderboard") : README.index("## Install")]
    assert len(README.replace(generated, "").splitlines()) <= 150, "move detail into a docs/ page"
    docs = _section(README, "## Documentation")
    linked = set(re.findall(r"\]\(docs/([^)#]+\.md)(?:#[^)]*)?\)", docs))
    assert linked == {p.name for p in DOCS.glob("*.md")}


LINK = re.compile(r"\]\(([^)\s]+)\)|<(?:img|a)\s[^>]*?(?:src|href)=\"([^\"]+)\"")


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_every_relative_link_lands_on_a_file_and_heading_that_exist(page):
    text = _outside_code(page.read_text())
    broken = []
    for match in LINK.finditer(text):
        target = match.group(1) or match.group(2)
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, data: …
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif not file.resolve().is_relative_to(ROOT):
            broken.append(f"{target}: outside the repository")
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file.read_text()):
            broken.append(f"{target}: no heading #{anchor} in {file.relative_to(ROOT)}")
    assert broken == []


def test_the_module_map_lists_every_module():
    """docs/layout.md has a line for every module of the harness and of the built-in plugins (the
    link test above checks that every module it lists exists)."""
    layout = (DOCS / "layout.md").read_text()
    modules = sorted(
        p.relative_to(ROOT).as_posix()
        for top in ("harness/lpbench", "plugins")
        for p in (ROOT / top).rglob("*.py")
        if "__pycache__" not in p.parts
    )
    assert modules
    assert [m for m in modules if f"](../{m})" not in layout] == []


def test_ci_runs_the_readme_test_command():
    block = _section(README, "## Tests")
    command = re.search(r"```\n(python -m pytest[^\n]*)\n```", block).group(1)
    ci = [line for line in (ROOT / ".ci/run").read_text().splitlines() if "pytest" in line and not line.startswith("#")]
    assert ci == [command]
    assert "--durations" in command
    # the checks CI runs before the suite are the ones the README names
    checks = ["ruff check .", "ruff format --check .", "mypy"]
    lines = (ROOT / ".ci/run").read_text().splitlines()
    assert all(c in lines for c in checks) and all(f"`{c}`" in block for c in checks)


def docs_feature_metric() -> str:
    page = (DOCS / "plugins.md").read_text()
    return page.split("```python\n# lpbench_featmean/__init__.py\n", 1)[1].split("```", 1)[0]


def test_the_feature_metric_example_runs_through_lpbench_score(cli, tmp_path, monkeypatch):
    """The evaluation-API example of docs/plugins.md, registered as a plugin and scored on real
    features: real test images sit closer to the reference than noise does."""
    monkeypatch.setenv("LPBENCH_CACHE", str(tmp_path / "cache"))
    module = type(sys)("lpbench_featmean")
    exec(compile(textwrap.dedent(docs_feature_metric()), "docs/plugins.md:lpbench_featmean", "exec"), module.__dict__)
    get_plugins().register(module, "featmean-docs")
    try:
        ref = get_plugins().get("dataset", "digits")({}).load("train", seed=0)
        real = ref.x[:360].numpy()
        np.save(tmp_path / "real.npy", real)
        noise = np.random.default_rng(0).integers(0, 256, real.shape, dtype=np.uint8)
        np.save(tmp_path / "noise.npy", noise)
        scores = {}
        for name in ("real", "noise"):
            res = cli(
                "score", tmp_path / f"{name}.npy", "--dataset", "digits", "--metrics", "feature_mean_distance", "--json"
            )
            assert res.exit_code == 0, res.output
            scores[name] = json.loads(res.output)["feature_mean_distance"]
    finally:
        get_plugins().unregister(name="featmean-docs")
    assert 0 <= scores["real"] < scores["noise"] / 3, scores
