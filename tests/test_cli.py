"""The CLI contract, driven through Click's CliRunner."""

import json

import numpy as np
import pytest
import torch

from lpbench import Model, hookimpl
from lpbench.plugins import get_plugins
from lpbench.testing import read_json

SMOKE = ["--dataset", "eight_gaussians", "--budget", "smoke"]


class Failing(Model):
    name = "always_fails"
    description = "raises in fit"

    def fit(self, data, budget, ctx):
        raise RuntimeError("exploded in fit")


class Diverging(Model):
    name = "diverges"
    description = "its loss turns NaN at step 3"

    def fit(self, data, budget, ctx):
        for step in range(ctx.total_steps):
            ctx.end_step(step, loss=float("nan") if step == 3 else 1.0, force=True)


class WrongShape(Model):
    name = "wrong_shape"
    description = "samples of the wrong shape"

    def fit(self, data, budget, ctx):
        pass

    def sample(self, n, generator):
        return torch.zeros(n, 3)


class TestModels:
    @hookimpl
    def register_models(self, register):
        for cls in (Failing, Diverging, WrongShape):
            register(cls)


@pytest.fixture
def test_models():
    get_plugins().register(TestModels(), "test-models")
    yield
    get_plugins().unregister("test-models")


@pytest.mark.slow
def test_run_records_everything_and_skips_on_rerun(cli, tmp_path):
    runs = tmp_path / "runs"
    res = cli("run", "--models", "vae", *SMOKE, "--seeds", "0,1", "--runs-dir", runs)
    assert res.exit_code == 0, res.output
    folder = runs / "eight_gaussians" / "smoke" / "vae" / "seed1"
    rec = read_json(folder / "run.json")
    assert rec["status"] == "completed" and rec["error"] is None
    assert set(rec) >= {
        "model",
        "dataset",
        "budget",
        "seed",
        "status",
        "error",
        "metrics",
        "timings",
        "config",
        "environment",
    }
    assert rec["seed"] == 1 and rec["metrics"]["emd"] > 0
    assert rec["metric_provenance"]["emd"]["extractor"] == "raw"
    assert rec["timings"]["train_s"] > 0 and rec["timings"]["eval_s"] > 0
    assert rec["config"]["hparams"]["likelihood"] == "gaussian"
    assert rec["config"]["architecture"]["name"] == "mlp_2d"
    assert rec["config"]["budget"]["batch_size"] == 500
    assert {"lpbench", "torch", "python", "device", "plugins", "cpu", "cpu_capability"} <= set(rec["environment"])
    assert rec["environment"]["cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    for artifact in ("samples.png", "model.pt", "curves.json"):
        assert (folder / artifact).exists()
    assert (runs / "leaderboard" / "eight_gaussians" / "smoke.md").exists()

    res = cli("run", "--models", "vae", *SMOKE, "--seeds", "0,1", "--runs-dir", runs)
    assert res.exit_code == 0 and "skipped" in res.output
    assert read_json(folder / "run.json")["started_at"] == rec["started_at"]

    res = cli("run", "--models", "vae", *SMOKE, "--seeds", "1", "--runs-dir", runs, "--force", "--quiet")
    assert res.exit_code == 0
    assert read_json(folder / "run.json")["finished_at"] >= rec["finished_at"]


@pytest.mark.slow
def test_same_seed_gives_identical_metrics(cli, tmp_path):
    for d in ("a", "b"):
        assert cli("run", "--models", "vae", *SMOKE, "--runs-dir", tmp_path / d, "-q").exit_code == 0
    a, b = (read_json(tmp_path / d / "eight_gaussians/smoke/vae/seed0/run.json") for d in ("a", "b"))
    assert a["metrics"] == b["metrics"]


@pytest.mark.slow
def test_failed_runs_exit_1_and_the_others_complete(cli, tmp_path, test_models):
    res = cli("run", "--models", "always_fails,vae,diverges,wrong_shape", *SMOKE, "--runs-dir", tmp_path)
    assert res.exit_code == 1
    root = tmp_path / "eight_gaussians" / "smoke"
    assert read_json(root / "vae/seed0/run.json")["status"] == "completed"
    failed = read_json(root / "always_fails/seed0/run.json")
    assert failed["status"] == "failed" and "exploded in fit" in failed["error"]
    assert (root / "always_fails/seed0/error.txt").read_text().startswith("Traceback")
    assert "became nan at step 3" in read_json(root / "diverges/seed0/run.json")["error"]
    assert "expected [N, 2]" in read_json(root / "wrong_shape/seed0/run.json")["error"]
    assert "Traceback" not in res.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--models", "vea", *SMOKE], "Unknown model 'vea'. Did you mean 'vae'?"),
        (["--models", "vae", "--dataset", "eight_gausians"], "Did you mean 'eight_gaussians'?"),
        (["--models", "vae", "--dataset", "digits", "--budget", "papr"], "Did you mean 'paper'?"),
        (["--models", "vae", *SMOKE, "--metrics", "emdd"], "Unknown metric 'emdd'"),
        (["--models", "vae", *SMOKE, "--seeds", "0,x"], "comma-separated integers"),
        (["--models", "vae", *SMOKE, "--set", "vae.lr=abc"], "expected float"),
        (["--models", "vae", *SMOKE, "--set", "vae.nope=1"], "Unknown key in --set vae"),
        (["--models", "vae", *SMOKE, "--device", "tpu"], "Invalid value for '--device'"),
        (["--models", "", *SMOKE], "no models given"),
    ],
)
def test_usage_errors_exit_2_without_traceback(cli, tmp_path, args, message):
    res = cli("run", *args, "--runs-dir", tmp_path)
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "eight_gaussians").exists()  # nothing ran


def test_cuda_request_on_a_cpu_machine_is_a_clear_error(cli, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    res = cli("run", "--models", "vae", *SMOKE, "--device", "cuda", "--runs-dir", tmp_path)
    assert res.exit_code == 2
    assert "CUDA is not available" in res.output
    assert not (tmp_path / "eight_gaussians").exists()


def test_invalid_registry_file_is_exit_2_naming_file_and_key(
    cli, tmp_path, project_registry, write_registry, monkeypatch
):
    project_registry["datasets"]["digits"]["budgets"]["smoke"]["epochs"] = "many"
    path = write_registry(project_registry)
    res = cli("--registry", path, "list", "budgets")
    assert res.exit_code == 2
    assert str(path) in res.output and "datasets.digits.budgets.smoke.epochs" in res.output
    monkeypatch.setenv("LPBENCH_REGISTRY", str(path))
    assert cli("list", "budgets").exit_code == 2


def test_debug_shows_the_traceback(cli):
    from lpbench.errors import UnknownNameError

    with pytest.raises(UnknownNameError):
        cli("--debug", "run", "--models", "vea", *SMOKE)


@pytest.mark.parametrize("what", ["models", "metrics", "datasets", "budgets", "extractors"])
def test_list_json(cli, what):
    res = cli("list", what, "--json")
    assert res.exit_code == 0
    items = json.loads(res.output)
    assert items and all({"name", "plugin", "description"} <= set(i) for i in items)


@pytest.mark.slow
def test_leaderboard_formats_and_out(cli, tmp_path):
    runs = tmp_path / "runs"
    assert cli("run", "--models", "vae", *SMOKE, "--seeds", "0,1", "--runs-dir", runs, "-q").exit_code == 0
    md = cli("leaderboard", "--runs-dir", runs)
    assert md.exit_code == 0 and "| vae" in md.output and "## eight_gaussians / smoke" in md.output
    rows = json.loads(cli("leaderboard", "--runs-dir", runs, "--format", "json").output)
    assert rows[0]["model"] == "vae" and rows[0]["seeds"] == 2 and rows[0]["emd"] > 0
    out = tmp_path / "board"
    res = cli("leaderboard", "--runs-dir", runs, "--out", out)
    assert res.exit_code == 0
    assert sorted(p.name for p in (out / "eight_gaussians").iterdir()) == [
        "smoke.csv",
        "smoke.html",
        "smoke.json",
        "smoke.md",
        "smoke.tex",
    ]
    assert cli("leaderboard", "--runs-dir", tmp_path / "nope").exit_code == 2


@pytest.mark.slow
def test_show(cli, tmp_path):
    assert cli("run", "--models", "vae", *SMOKE, "--runs-dir", tmp_path, "-q").exit_code == 0
    folder = tmp_path / "eight_gaussians/smoke/vae/seed0"
    res = cli("show", folder)
    assert res.exit_code == 0 and "completed" in res.output and "emd" in res.output
    assert json.loads(cli("show", folder, "--json").output)["model"] == "vae"
    assert cli("show", tmp_path).exit_code == 2


@pytest.mark.slow
def test_score_points_npy_and_npz(cli, tmp_path):
    from lpbench.plugins import get_plugins as gp

    ref = gp().get("dataset", "eight_gaussians")({"n_test": 500}).load("test", seed=0)
    pts = ref.x.numpy()
    np.save(tmp_path / "good.npy", pts)
    res = cli("score", tmp_path / "good.npy", "--dataset", "eight_gaussians", "--json")
    assert res.exit_code == 0, res.output
    assert 0 <= json.loads(res.output)["emd"] < 0.3  # real-vs-real at n=500: the noise floor
    np.savez(tmp_path / "shifted.npz", samples=pts + np.array([1.0, 0.0], dtype=np.float32))
    res = cli(
        "score",
        tmp_path / "shifted.npz",
        "--dataset",
        "eight_gaussians",
        "--reference",
        tmp_path / "good.npy",
        "--json",
    )
    assert json.loads(res.output)["emd"] == pytest.approx(1.0, rel=1e-5)
    res = cli("score", tmp_path / "good.npy", "--dataset", "eight_gaussians")
    assert "extractor raw" in res.output


@pytest.mark.slow
def test_score_images_uint8_grayscale_and_png_folder(cli, tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(50, 8, 8), dtype=np.uint8)  # N×H×W uint8
    np.save(tmp_path / "imgs.npy", imgs)
    a = cli("score", tmp_path / "imgs.npy", "--dataset", "digits", "--json")
    assert a.exit_code == 0, a.output
    folder = tmp_path / "pngs"
    folder.mkdir()
    for i, im in enumerate(imgs):
        Image.fromarray(im).save(folder / f"{i:03d}.png")
    b = cli("score", folder, "--dataset", "digits", "--json")
    assert b.exit_code == 0, b.output
    assert json.loads(a.output)["emd"] == pytest.approx(json.loads(b.output)["emd"], rel=1e-6)


@pytest.mark.parametrize(
    "array, message",
    [
        (np.zeros((10, 3), np.float32), "expected [N, 2] points"),
        (np.full((10, 2), np.nan, np.float32), "NaN"),
        (np.zeros((1, 2), np.float32), "needs at least 2 samples"),
        (np.array([["a", "b"]] * 4), "dtype"),
    ],
)
def test_score_rejects_bad_points(cli, tmp_path, array, message):
    np.save(tmp_path / "bad.npy", array)
    res = cli("score", tmp_path / "bad.npy", "--dataset", "eight_gaussians")
    assert res.exit_code == 2 and message in res.output and "Traceback" not in res.output


@pytest.mark.parametrize(
    "array, message",
    [
        (np.zeros((4, 8, 8, 1), np.uint8), "channels-last"),
        (np.full((4, 1, 8, 8), 3.0, np.float32), "must lie in [0, 1]"),
        (np.zeros((4, 1, 9, 9), np.uint8), "expected [N, 1, 8, 8]"),
    ],
)
def test_score_rejects_bad_images(cli, tmp_path, array, message):
    np.save(tmp_path / "bad.npy", array)
    res = cli("score", tmp_path / "bad.npy", "--dataset", "digits")
    assert res.exit_code == 2 and message in res.output


def test_score_missing_or_unreadable_file(cli, tmp_path):
    assert "does not exist" in cli("score", tmp_path / "none.npy", "--dataset", "digits").output
    (tmp_path / "x.npy").write_bytes(b"garbage")
    res = cli("score", tmp_path / "x.npy", "--dataset", "digits")
    assert res.exit_code == 2 and "cannot read" in res.output


@pytest.mark.slow
def test_leaderboard_check_fails_when_published_tables_drift_from_their_records(cli, tmp_path):
    runs, out = tmp_path / "runs", tmp_path / "board"
    assert cli("run", "--models", "vae", *SMOKE, "--seeds", "0,1", "--runs-dir", runs, "-q").exit_code == 0
    assert cli("leaderboard", "--runs-dir", runs, "--out", out).exit_code == 0
    ok = cli("leaderboard", "--runs-dir", runs, "--out", out, "--check")
    assert ok.exit_code == 0 and "match the run records" in ok.output
    # a hand-edited table
    md = out / "eight_gaussians" / "smoke.md"
    md.write_text(md.read_text().replace("| vae", "| vae (best!)"))
    bad = cli("leaderboard", "--runs-dir", runs, "--out", out, "--check")
    assert bad.exit_code == 1 and "smoke.md: differs" in bad.output and "vae (best!)" in bad.output
    assert "smoke.csv" not in bad.output  # the untouched formats still match
    # a record changed after publishing: every format of that table now differs
    assert cli("leaderboard", "--runs-dir", runs, "--out", out).exit_code == 0
    rec_path = runs / "eight_gaussians" / "smoke" / "vae" / "seed1" / "run.json"
    rec = json.loads(rec_path.read_text())
    rec["metrics"]["emd"] += 1.0
    rec_path.write_text(json.dumps(rec))
    bad = cli("leaderboard", "--runs-dir", runs, "--out", out, "--check")
    assert bad.exit_code == 1 and bad.output.count(": differs") == 5
    # a table whose records are gone, and one never written
    (out / "digits").mkdir()
    (out / "digits" / "cpu.md").write_text("| old |\n")
    (out / "eight_gaussians" / "smoke.tex").unlink()
    bad = cli("leaderboard", "--runs-dir", runs, "--out", out, "--check")
    assert "cpu.md: no run records give this table" in bad.output and "smoke.tex: missing" in bad.output
    # --check needs the published folder
    res = cli("leaderboard", "--runs-dir", runs, "--check")
    assert res.exit_code == 2 and "--out" in res.output
    # --values picks columns; a misspelt one is named with a suggestion
    rows = json.loads(cli("leaderboard", "--runs-dir", runs, "--values", "emd,hq", "--format", "json").output)
    assert {k for k in rows[0] if not k.endswith((" std", " ci_low", " ci_high"))} == {
        "dataset",
        "budget",
        "model",
        "prior",
        "seeds",
        "train_s",
        "prior_fit_s",
        "emd",
        "hq",
        "rank",
        "reference",
    }
    res = cli("leaderboard", "--runs-dir", runs, "--values", "emdd")
    assert res.exit_code == 2 and "Did you mean 'emd'?" in res.output
