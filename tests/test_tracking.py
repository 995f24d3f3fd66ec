"""The run_finished hook, and the built-in MLflow tracker against a real local SQLite store."""

import json
import logging

import pytest

from lpbench import Model, hookimpl
from lpbench.plugins import get_plugins
from lpbench.testing import read_json

SMOKE = ["--dataset", "eight_gaussians", "--budget", "smoke"]


class _Instant(Model):
    name = "instant"
    description = "no training; samples around the origin"

    def fit(self, data, budget, ctx):
        ctx.end_step(0, loss=1.0, force=True)

    def sample(self, n, generator):
        import torch

        return torch.randn(n, 2, generator=generator)


class _Trackers:
    calls = []

    @hookimpl
    def register_models(self, register):
        register(_Instant)

    @hookimpl
    def run_finished(self, record, run_dir):
        # the record is on disk, final, when trackers see it
        self.calls.append((record["status"], read_json(run_dir / "run.json")["status"], run_dir))


class _Raises:
    @hookimpl
    def run_finished(self, record, run_dir):
        raise RuntimeError("tracker down")


@pytest.fixture
def trackers():
    _Trackers.calls = []
    get_plugins().register(_Raises(), "raises")  # whatever the order, it must not stop the others
    get_plugins().register(_Trackers(), "trackers")
    yield _Trackers
    get_plugins().unregister("trackers")
    get_plugins().unregister("raises")


@pytest.mark.slow
def test_run_finished_reaches_every_tracker_and_a_failing_one_is_only_logged(cli, tmp_path, trackers, caplog):
    runs = tmp_path / "runs"
    with caplog.at_level(logging.WARNING, logger="lpbench.runner"):
        res = cli("run", "--models", "instant", *SMOKE, "--seeds", "0,1", "--runs-dir", runs, "-q")
    assert res.exit_code == 0, res.output
    folder = runs / "eight_gaussians/smoke/instant/seed1"
    assert ("completed", "completed", folder) in trackers.calls and len(trackers.calls) == 2
    assert "run_finished hook of plugin 'raises' failed: RuntimeError: tracker down" in caplog.text
    assert read_json(folder / "run.json")["status"] == "completed"
    # skipped runs did not run: no second notification
    assert cli("run", "--models", "instant", *SMOKE, "--seeds", "0,1", "--runs-dir", runs, "-q").exit_code == 0
    assert len(trackers.calls) == 2
    assert not (runs / "mlflow.db").exists()  # MLflow tracking is off unless enabled


def test_mlflow_plugin_is_silent_when_off_and_clear_when_mlflow_is_missing(monkeypatch, tmp_path):
    import builtins

    import lpbench_mlflow

    monkeypatch.delenv("LPBENCH_MLFLOW", raising=False)
    assert lpbench_mlflow.run_finished({}, tmp_path) is None
    monkeypatch.setenv("LPBENCH_MLFLOW", "1")
    real_import = builtins.__import__

    def no_mlflow(name, *a, **kw):
        if name == "mlflow" or name.startswith("mlflow."):
            raise ImportError("No module named 'mlflow'")
        return real_import(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_mlflow)
    monkeypatch.delitem(__import__("sys").modules, "lpbench_mlflow.tracking", raising=False)
    with pytest.raises(Exception, match=r"pip install 'lpbench\[mlflow\]'"):
        lpbench_mlflow.run_finished({"dataset": "x"}, tmp_path)


@pytest.mark.slow
def test_mlflow_logs_params_metrics_curves_and_the_run_folder(cli, tmp_path, monkeypatch):
    pytest.importorskip("mlflow", reason="mlflow is not installed (pip install 'lpbench[mlflow]')")
    from mlflow.tracking import MlflowClient

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LPBENCH_MLFLOW", raising=False)
    monkeypatch.delenv("LPBENCH_MLFLOW_URI", raising=False)
    (tmp_path / "lpbench.toml").write_text("mlflow = true\n")  # enabled from the config file
    res = cli("run", "--models", "vae", *SMOKE, "--runs-dir", "runs", "-q")
    assert res.exit_code == 0, res.output
    folder = tmp_path / "runs/eight_gaussians/smoke/vae/seed0"
    rec = read_json(folder / "run.json")
    db = tmp_path / "runs/mlflow.db"
    assert db.exists()  # the default store: a SQLite file beside the runs

    client = MlflowClient(tracking_uri=f"sqlite:///{db}")
    exp = client.get_experiment_by_name("lpbench-eight_gaussians")
    (run,) = client.search_runs([exp.experiment_id])
    assert run.info.status == "FINISHED"
    assert run.data.tags["lpbench.model"] == "vae" and run.data.tags["lpbench.run_dir"] == str(folder)
    assert run.data.params["hparams.lr"] == str(rec["config"]["hparams"]["lr"])
    assert run.data.params["budget.batch_size"] == str(rec["config"]["budget"]["batch_size"])
    assert run.data.metrics["emd"] == pytest.approx(rec["metrics"]["emd"])
    assert run.data.metrics["time_train_s"] == pytest.approx(rec["timings"]["train_s"])
    curves = json.loads((folder / "curves.json").read_text())
    history = client.get_metric_history(run.info.run_id, "train_loss")
    assert [m.step for m in history] == [r["step"] for r in curves]
    assert [m.value for m in history] == pytest.approx([r["loss"] for r in curves])
    files = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"run.json", "curves.json", "model.pt", "samples.png", "density.png", "training_curves.png"} <= files
    assert "train_state.pt" not in files
    assert (tmp_path / "runs/mlflow-artifacts").is_dir()  # not ./mlruns
    # the copy of run.json in the artifact store is not a second run
    from lpbench import records

    assert [r["_dir"] for r in records.iter_records(tmp_path / "runs")] == [str(folder)]
