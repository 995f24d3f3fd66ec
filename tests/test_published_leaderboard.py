"""The published leaderboard (leaderboard/) cannot drift from its run records: the committed
tables are exactly what `lpbench leaderboard` makes of the committed run.json files, and every
table in the README is exactly the output of the command printed above it."""
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS, TABLES = ROOT / "leaderboard" / "runs", ROOT / "leaderboard" / "tables"
BLOCK = re.compile(r"<!-- \$ lpbench (leaderboard [^\n]*?) -->\n(.*?)<!-- end -->", re.S)


def _table_lines(text):
    return [line.rstrip() for line in text.splitlines() if line.startswith("|")]


def test_committed_tables_are_what_the_committed_run_records_give(cli):
    res = cli("leaderboard", "--runs-dir", RUNS, "--out", TABLES, "--check")
    assert res.exit_code == 0, res.output


def test_readme_tables_are_the_output_of_the_commands_printed_with_them(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    blocks = BLOCK.findall((ROOT / "README.md").read_text())
    datasets = {args.split("--dataset ")[1].split()[0] for args, _ in blocks if "--dataset " in args}
    assert {"digits", "eight_gaussians"} <= datasets
    for args, body in blocks:
        res = cli(*shlex.split(args))
        assert res.exit_code == 0, res.output
        assert _table_lines(body) == _table_lines(res.output), f"README table for `lpbench {args}` is stale"


def test_committed_claims_are_what_the_committed_run_records_give(monkeypatch):
    import json
    import sys

    monkeypatch.syspath_prepend(str(ROOT / "leaderboard"))
    sys.modules.pop("claims", None)
    import claims

    committed = json.loads((ROOT / "leaderboard" / "claims.json").read_text())
    assert json.loads(json.dumps(claims.main(RUNS, None))) == committed


def test_readme_section_is_what_the_committed_records_and_claims_give(monkeypatch, capsys):
    import sys

    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT / "leaderboard"))
    sys.modules.pop("readme_section", None)
    import readme_section

    assert readme_section.main(["--check"]) == 0, capsys.readouterr().out
