"""docs/api.md's notebook session runs as written, and does what its comments say; the library
functions are the ones the CLI calls, so they leave what `lpbench run` leaves."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "api.md"


def _blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", DOC.read_text(), re.S | re.M)


def test_the_api_functions_load_without_torch():
    code = (
        "import sys, lpbench; lpbench.run, lpbench.score, lpbench.evaluate; "
        "print(sorted(m for m in ('torch', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


@pytest.mark.slow
def test_the_documented_session_runs_as_written(tmp_path, monkeypatch):
    blocks = _blocks()
    assert len(blocks) == 5, "docs/api.md: one python block per function, then errors"
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), ns)

    result = ns["result"]
    assert result.ok and len(result.runs) == 2 and result.priors == []
    assert sorted(result.frame()["seed"]) == [0, 1]
    for seed in (0, 1):  # the same folders the CLI makes
        assert (tmp_path / f"runs/eight_gaussians/smoke/vae/seed{seed}/run.json").is_file()
    assert (tmp_path / "runs/leaderboard").is_dir()

    assert ns["scores"]["modes"] < 8 and ns["scores"].provenance["emd"]["n_reference"] == 500

    entries = ns["entries"]
    assert [e["metrics"] for e in entries] == [["prd"], ["prd"]]
    assert all(0 <= e["values"]["prd_recall"] <= 1 and e["samples_match"] for e in entries)

    table = ns["table"]
    assert list(table["model"]) == ["vae"] and int(table["seeds"].iloc[0]) == 2
    assert "prd_recall" in table  # evaluate's new values reached the records the table reads

    assert "Did you mean 'vae'?" in ns["message"]
