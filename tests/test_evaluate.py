"""`lpbench evaluate` re-scores completed runs from their saved models without retraining, and
`lpbench run` on completed runs that lack a requested metric scores just that metric — or says
why it cannot and prints the command — never skipping it silently."""

import hashlib
import json

import pytest

pytestmark = pytest.mark.slow  # every test starts from trained runs (lpbench run)


def _read(folder):
    return json.loads((folder / "run.json").read_text())


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def registry(project_registry, write_registry):
    # emd, modes and hq only: fast, and none needs the slow code reversal of pag
    project_registry["datasets"]["eight_gaussians"]["evaluation"]["metrics"] = ["emd", "modes", "hq"]
    return write_registry(project_registry)


@pytest.fixture
def trained(cli, registry, tmp_path):
    """A completed smoke run of vae scored with emd only → (runs dir, run folder)."""
    runs = tmp_path / "runs"
    res = cli(
        "--registry",
        registry,
        "run",
        "--models",
        "vae",
        "--dataset",
        "eight_gaussians",
        "--budget",
        "smoke",
        "--metrics",
        "emd",
        "--runs-dir",
        runs,
        "-q",
    )
    assert res.exit_code == 0, res.output
    return runs, runs / "eight_gaussians" / "smoke" / "vae" / "seed0"


def test_evaluate_adds_a_metric_without_touching_the_checkpoint_or_train_s(cli, registry, trained):
    runs, run = trained
    before, weights = _read(run), _sha(run / "model.pt")
    assert "modes" not in before["metrics"]
    res = cli("--registry", registry, "evaluate", run, "--metrics", "modes,hq")
    assert res.exit_code == 0, res.output
    after = _read(run)
    assert _sha(run / "model.pt") == weights
    assert after["timings"]["train_s"] == before["timings"]["train_s"]
    assert after["metrics"]["emd"] == before["metrics"]["emd"]
    assert {"modes", "hq"} <= set(after["metrics"])
    assert after["metric_provenance"]["modes"]["evaluated_by"] == "lpbench evaluate"
    entry = after["evaluations"][-1]
    assert entry["metrics"] == ["modes", "hq"] and entry["samples_match"] is True
    assert after["timings"]["evaluate_s"] > 0 and "modes" in after["timings"]["metric_s"]
    assert "modes" in res.output

    # re-scoring a value it has draws the same samples, so the value is the same; the old one is kept
    res = cli("--registry", registry, "evaluate", run, "--metrics", "emd", "--json")
    assert res.exit_code == 0, res.output
    again = _read(run)
    assert again["metrics"]["emd"] == pytest.approx(before["metrics"]["emd"], rel=1e-9)
    assert again["evaluations"][-1]["replaced"]["emd"] == before["metrics"]["emd"]
    assert json.loads(res.output)[0]["values"]["emd"] == again["metrics"]["emd"]


def test_evaluate_a_runs_dir_scores_the_default_metrics_each_run_lacks(cli, registry, trained):
    runs, run = trained
    res = cli("--registry", registry, "evaluate", runs)
    assert res.exit_code == 0, res.output
    assert {"emd", "modes", "hq"} <= set(_read(run)["metrics"])
    res = cli("--registry", registry, "evaluate", runs)  # nothing left to score
    assert res.exit_code == 0 and "nothing to score" in res.output


def test_run_on_a_completed_run_scores_the_missing_metric(cli, registry, trained):
    runs, run = trained
    weights, train_s = _sha(run / "model.pt"), _read(run)["timings"]["train_s"]
    res = cli(
        "--registry",
        registry,
        "run",
        "--models",
        "vae",
        "--dataset",
        "eight_gaussians",
        "--budget",
        "smoke",
        "--metrics",
        "emd,modes",
        "--runs-dir",
        runs,
        "-q",
    )
    assert res.exit_code == 0, res.output
    assert "lacked metric(s) modes" in res.output  # said so, even with -q
    rec = _read(run)
    assert "modes" in rec["metrics"] and rec["timings"]["train_s"] == train_s and _sha(run / "model.pt") == weights
    board = (runs / "leaderboard" / "eight_gaussians" / "smoke.md").read_text()
    assert "modes" in board.splitlines()[0]


def test_a_metric_that_cannot_be_scored_is_reported_with_the_command(cli, registry, trained):
    runs, run = trained
    (run / "model.pt").unlink()  # weights not kept (as in the published leaderboard)
    res = cli(
        "--registry",
        registry,
        "run",
        "--models",
        "vae",
        "--dataset",
        "eight_gaussians",
        "--budget",
        "smoke",
        "--metrics",
        "emd,hq",
        "--runs-dir",
        runs,
        "-q",
    )
    assert res.exit_code == 1
    assert "lacks metric(s) hq" in res.output and f"lpbench evaluate {run} --metrics hq" in res.output
    assert "hq" not in _read(run)["metrics"]
    res = cli("--registry", registry, "evaluate", run, "--metrics", "hq")
    assert res.exit_code == 1 and "model.pt is missing" in res.output and "Traceback" not in res.output


def test_evaluate_bad_input_is_a_clear_usage_error(cli, registry, trained, tmp_path):
    runs, run = trained
    res = cli("--registry", registry, "evaluate", tmp_path / "nope")
    assert res.exit_code == 2 and "does not exist" in res.output
    res = cli("--registry", registry, "evaluate", run, "--metrics", "modez")
    assert res.exit_code == 2 and "modes" in res.output  # did-you-mean
    before = (run / "run.json").read_bytes()
    res = cli("--registry", registry, "evaluate", run, "--metrics", "modez")
    assert (run / "run.json").read_bytes() == before  # nothing written on a usage error
