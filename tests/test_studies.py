"""Studies under studies/ publish numbers computed from committed run records: each analysis must
reproduce its committed results and its docs block exactly (as the published leaderboard is checked)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(p.relative_to(ROOT) for p in (ROOT / "studies").glob("*/analyze.py")))
def test_study_results_match_its_records(script):
    res = subprocess.run([sys.executable, str(ROOT / script), "--check"], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stdout + res.stderr
