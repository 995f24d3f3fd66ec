"""A runs directory holds one experiment per model × seed and one data setting per table: a
completed run is reused, and an interrupted one resumed, only for the settings it was trained on;
runs and reference rows on other data never share a table."""

import json
import shutil

from lpbench.testing import TINY_RUN, read_json

TABLE = "eight_gaussians/smoke"


def _run(cli, runs, *extra, model="vae"):
    return cli("run", "--models", model, "--seeds", "0", *TINY_RUN, "--runs-dir", runs, *extra)


def test_a_completed_run_is_not_reused_for_other_settings(cli, tmp_path):
    runs = tmp_path / "runs"
    assert _run(cli, runs).exit_code == 0
    record = runs / TABLE / "vae/seed0/run.json"
    before = record.read_bytes()

    res = _run(cli, runs, "--set", "vae.lr=0.01")
    assert res.exit_code == 2, res.output
    assert "hparams.lr 0.001 ≠ 0.01" in res.output and "--runs-dir" in res.output and "--force" in res.output
    assert "Traceback" not in res.output
    assert record.read_bytes() == before  # nothing trained, nothing rewritten

    assert _run(cli, runs).exit_code == 0  # the same settings: reused as before
    assert record.read_bytes() == before

    assert _run(cli, runs, "--set", "vae.lr=0.01", "--force").exit_code == 0
    assert read_json(record)["config"]["hparams"]["lr"] == 0.01


def test_an_interrupted_run_is_not_resumed_for_other_settings(cli, tmp_path):
    runs = tmp_path / "runs"
    assert _run(cli, runs).exit_code == 0
    record = runs / TABLE / "vae/seed0/run.json"
    rec = read_json(record)
    rec["status"] = "failed"  # as a run killed after its last checkpoint leaves it
    record.write_text(json.dumps(rec))

    res = _run(cli, runs, "--set", "budget.batch_size=32")
    assert res.exit_code == 2, res.output
    assert "(failed)" in res.output and "budget.batch_size" in res.output
    assert read_json(record)["status"] == "failed"


def test_settings_that_do_not_decide_training_may_change(cli, tmp_path):
    runs = tmp_path / "runs"
    assert _run(cli, runs).exit_code == 0
    res = _run(cli, runs, "--set", "budget.max_wall_s=900", "--set", "budget.checkpoint_every=5")
    assert res.exit_code == 0, res.output


def test_runs_on_other_data_cannot_join_a_table(cli, tmp_path):
    runs = tmp_path / "runs"
    assert _run(cli, runs).exit_code == 0
    res = _run(cli, runs, "--set", "data.radius=0.8", model="gan")
    assert res.exit_code == 2, res.output
    assert "data.radius 2.0 ≠ 0.8" in res.output and "another --runs-dir" in res.output
    assert not (runs / TABLE / "gan").exists()
    # --force replaces only the runs it names: the vae on radius 2 would still share the table
    res = _run(cli, runs, "--set", "data.radius=0.8", "--force", model="gan")
    assert res.exit_code == 2, res.output
    assert _run(cli, tmp_path / "paper_scale", "--set", "data.radius=0.8", model="gan").exit_code == 0


def test_references_take_the_tables_data_settings(cli, tmp_path):
    runs = tmp_path / "runs"
    small = ("--set", "data.n_train=200", "--set", "data.n_test=100")
    assert _run(cli, runs, "--set", "data.radius=0.8").exit_code == 0
    refs = ("references", "--dataset", "eight_gaussians", "--budget", "smoke", "--seeds", "0", "--runs-dir", runs)
    refs += ("--only", "real_data", "-q")

    res = cli(*refs, *small)  # the dataset's own radius: not the table's
    assert res.exit_code == 2, res.output
    assert "data.radius 0.8 ≠ 2.0" in res.output and "--set data." in res.output
    assert not (runs / TABLE / "references").exists()

    res = cli(*refs, *small, "--set", "data.radius=0.8")
    assert res.exit_code == 0, res.output
    rec = read_json(runs / TABLE / "references/real_data/seed0/run.json")
    assert rec["config"]["data"]["radius"] == 0.8

    res = cli(*refs, "--set", "budget.eval_samples=10")
    assert res.exit_code == 2 and "only data.<setting>" in res.output, res.output


def test_a_table_refuses_runs_copied_in_from_other_data(cli, tmp_path):
    runs, other = tmp_path / "runs", tmp_path / "other"
    assert _run(cli, runs).exit_code == 0
    assert _run(cli, other, "--set", "data.radius=0.8", model="gan").exit_code == 0
    shutil.copytree(other / TABLE / "gan", runs / TABLE / "gan")

    res = cli("leaderboard", "--runs-dir", runs)
    assert res.exit_code == 2, res.output
    assert "would mix runs on different data settings" in res.output and "data.radius" in res.output


def test_a_run_recorded_before_a_setting_existed_is_compared_with_the_behaviour_it_had(cli, tmp_path):
    # aae_learned_prior's code_generator came after runs had been recorded with the plain MLP
    # (Model.predates): such a run is not the residual default's experiment
    runs = tmp_path / "runs"
    assert _run(cli, runs, model="aae_learned_prior").exit_code == 0
    record = runs / TABLE / "aae_learned_prior/seed0/run.json"
    rec = read_json(record)
    del rec["config"]["hparams"]["code_generator"]
    record.write_text(json.dumps(rec))
    before = record.read_bytes()

    res = _run(cli, runs, model="aae_learned_prior")
    assert res.exit_code == 2, res.output
    assert "hparams.code_generator 'mlp' ≠ 'residual'" in res.output
    assert record.read_bytes() == before
    # asked for the plain MLP, the stored run is that experiment and is reused
    assert _run(cli, runs, "--set", "aae_learned_prior.code_generator=mlp", model="aae_learned_prior").exit_code == 0
    assert record.read_bytes() == before


def test_a_record_names_its_registry_without_the_machines_paths(cli, tmp_path):
    """The packaged registry is recorded by name (its absolute path says only where lpbench is
    installed); a registry given by the user keeps its given path; both carry a content digest
    that differs exactly when the registry's content does."""
    import yaml

    from lpbench.registry import PACKAGED

    runs = tmp_path / "runs"
    assert _run(cli, runs).exit_code == 0
    rec = read_json(runs / TABLE / "vae/seed0/run.json")
    assert rec["registry"] == "lpbench/registry.yaml (packaged)"
    assert str(PACKAGED.resolve().parent) not in json.dumps(rec)

    mine = tmp_path / "mine.yaml"
    data = yaml.safe_load(PACKAGED.read_text())
    mine.write_text(yaml.safe_dump(data))  # the same content, another file and formatting
    assert (
        cli(
            "--registry", mine, "run", "--models", "vae", "--seeds", "0", *TINY_RUN, "--runs-dir", tmp_path / "b"
        ).exit_code
        == 0
    )
    same = read_json(tmp_path / "b" / TABLE / "vae/seed0/run.json")
    assert same["registry"] == str(mine) and same["registry_sha256"] == rec["registry_sha256"]

    data["models"]["vae"]["hparams"]["lr"] = 0.002
    mine.write_text(yaml.safe_dump(data))
    assert (
        cli(
            "--registry", mine, "run", "--models", "vae", "--seeds", "0", *TINY_RUN, "--runs-dir", tmp_path / "c"
        ).exit_code
        == 0
    )
    assert read_json(tmp_path / "c" / TABLE / "vae/seed0/run.json")["registry_sha256"] != rec["registry_sha256"]
