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


def test_code_collapse_measures_the_codes_of_trained_glf_runs(cli, tmp_path):
    """studies/glf_ordering/code_collapse.py (docs/models.md, "glf_regularized: the codes
    collapse") reads trained glf and glf_regularized runs: per seed the held-out codes' principal
    standard deviations, their participation ratio, reconstruction error and flow NLL."""
    import importlib.util
    import json

    runs = tmp_path / "runs"
    res = cli(
        "run",
        "--models",
        "glf,glf_regularized",
        "--dataset",
        "digits",
        "--budget",
        "smoke",
        "--metrics",
        "emd",
        "--runs-dir",
        runs,
        "--quiet",
    )
    assert res.exit_code == 0, res.output
    spec = importlib.util.spec_from_file_location("code_collapse", ROOT / "studies/glf_ordering/code_collapse.py")
    study = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(study)
    out_file = tmp_path / "code_collapse.json"
    study.main(runs / "digits" / "smoke", out_file)
    out = json.loads(out_file.read_text())
    for model in ("glf", "glf_regularized"):
        r = out["per_seed"][model]["seed0"]
        sd = r["principal_sd"]
        assert len(sd) == 10 and sd == sorted(sd, reverse=True) and r["n_codes"] == 360
        lam = [v * v for v in sd]
        assert r["participation_ratio"] == pytest.approx(sum(lam) ** 2 / sum(v * v for v in lam), rel=1e-6)
        assert 1 <= r["participation_ratio"] <= 10 and r["reconstruction_sse"] > 0
    # one seed per model: a summary, but no test
    assert out["glf_regularized_vs_glf"]["participation_ratio"]["p_value"] is None
