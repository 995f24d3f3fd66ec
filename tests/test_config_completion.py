"""lpbench.toml + LPBENCH_* defaults (command line > environment > file > built-in) and shell completion."""

import json

import pytest

from lpbench import Model, hookimpl
from lpbench.plugins import get_plugins


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for var in ("LPBENCH_CONFIG", "LPBENCH_RUNS_DIR", "LPBENCH_DEVICE", "LPBENCH_DATA_ROOT", "LPBENCH_MY_SETTING"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def _settings(cli, **kw):
    res = cli("config", "--json", **kw)
    assert res.exit_code == 0, res.output
    return {s["key"]: s for s in json.loads(res.stdout)}


def test_precedence_command_line_environment_file_builtin(cli, in_tmp, monkeypatch):
    s = _settings(cli)
    assert s["runs-dir"]["value"] == "runs" and s["runs-dir"]["source"] == "built-in"
    assert {"runs-dir", "device", "workers", "data-root", "inception-weights"} <= set(s)

    (in_tmp / "lpbench.toml").write_text('runs-dir = "from_file"\ndevice = "cpu"\n[leaderboard]\ndataset = "digits"\n')
    s = _settings(cli)
    assert s["runs-dir"]["value"] == str(in_tmp / "from_file") and s["runs-dir"]["source"].startswith("file (")
    assert s["device"]["value"] == "cpu"
    assert s["dataset"]["value"] == "digits" and s["dataset"]["source"].endswith("[leaderboard])")
    # the setting really reaches the command, and the error names where the value came from
    res = cli("leaderboard")
    assert res.exit_code == 2 and "from_file does not exist" in res.output

    monkeypatch.setenv("LPBENCH_RUNS_DIR", "from_env")
    assert _settings(cli)["runs-dir"] == {
        "key": "runs-dir",
        "value": "from_env",
        "source": "environment (LPBENCH_RUNS_DIR)",
        "commands": ["run", "leaderboard", "references", "report"],
    }
    res = cli("leaderboard")
    assert "from_env does not exist" in res.output
    res = cli("leaderboard", "--runs-dir", "from_cli")
    assert "from_cli does not exist" in res.output


def test_a_command_table_applies_to_that_command_only(cli, in_tmp):
    (in_tmp / "lpbench.toml").write_text('runs-dir = "everyone"\n[report]\nruns-dir = "only_report"\n')
    assert "everyone does not exist" in cli("leaderboard").output
    assert "only_report does not exist" in cli("report").output


def test_lpbench_config_env_names_another_file(cli, in_tmp, monkeypatch):
    cfg = in_tmp / "elsewhere" / "my.toml"
    cfg.parent.mkdir()
    cfg.write_text('data-root = "data"\n')
    monkeypatch.setenv("LPBENCH_CONFIG", str(cfg))
    s = _settings(cli)
    assert s["data-root"]["value"] == str(cfg.parent / "data")  # relative to the file, not the cwd
    monkeypatch.setenv("LPBENCH_CONFIG", str(in_tmp / "missing.toml"))
    res = cli("config")
    assert res.exit_code == 2 and "names no file" in res.output


@pytest.mark.parametrize(
    "text, message",
    [
        ('run-dir = "x"\n', "'run-dir' is not a known option. Did you mean 'runs-dir'?"),
        ('[rnu]\nbudget = "smoke"\n', "'[rnu]' is not a known command. Did you mean 'run'?"),
        ('[run]\nbudgte = "smoke"\n', "Did you mean 'budget'?"),
        ("runs-dir = \n", "is not valid TOML"),
    ],
)
def test_bad_config_is_a_clear_usage_error(cli, in_tmp, text, message):
    (in_tmp / "lpbench.toml").write_text(text)
    res = cli("list", "models")
    assert res.exit_code == 2 and message in res.output and "Traceback" not in res.output
    assert cli("--help").exit_code == 0  # help still works with a broken file


class _Recorder:
    seen = []

    @hookimpl
    def run_finished(self, record, run_dir):
        import os

        self.seen.append(os.environ.get("LPBENCH_MY_SETTING"))


class _Instant(Model):
    name = "instant"
    description = "no training; samples around the origin"

    def fit(self, data, budget, ctx):
        pass

    def sample(self, n, generator):
        import torch

        return torch.randn(n, 2, generator=generator)


class _Models:
    @hookimpl
    def register_models(self, register):
        register(_Instant)


@pytest.mark.slow
def test_file_keys_no_command_takes_reach_plugins_as_environment(cli, in_tmp, monkeypatch):
    import os

    (in_tmp / "lpbench.toml").write_text('my-setting = true\n[run]\nbudget = "smoke"\nquiet = true\n')
    _Recorder.seen = []
    get_plugins().register(_Recorder(), "recorder")
    get_plugins().register(_Models(), "instant-models")
    try:
        s = _settings(cli)
        assert s["my-setting"]["value"] == "true" and "not a command option" in s["my-setting"]["source"]
        res = cli("run", "--models", "instant", "--dataset", "eight_gaussians", "--runs-dir", in_tmp / "r")
        assert res.exit_code == 0, res.output
        assert (in_tmp / "r/eight_gaussians/smoke/instant/seed0/run.json").exists()  # budget from [run]
        assert res.stderr == ""  # quiet from [run]
        assert _Recorder.seen == ["true"]
        assert "LPBENCH_MY_SETTING" not in os.environ  # only while the command runs
        monkeypatch.setenv("LPBENCH_MY_SETTING", "env-wins")
        assert (
            cli(
                "run", "--models", "instant", "--dataset", "eight_gaussians", "--runs-dir", in_tmp / "r", "--force"
            ).exit_code
            == 0
        )
        assert _Recorder.seen == ["true", "env-wins"]
    finally:
        get_plugins().unregister("recorder")
        get_plugins().unregister("instant-models")


# ------------------------------------------------------------------------------- shell completion


def _complete(cli, words: str):
    n = len(words.split()) - (0 if words.endswith(" ") else 1)
    res = cli(
        prog_name="lpbench", env={"_LPBENCH_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(n)}
    )
    assert res.exit_code == 0, res.output
    return [line.split(",", 1)[1] for line in res.stdout.splitlines()]


def test_completion_offers_commands_and_registered_names(cli):
    assert {"report", "run"} <= set(_complete(cli, "lpbench r"))
    assert "config" in _complete(cli, "lpbench ")
    offered = _complete(cli, "lpbench run --models v")
    assert "vae" in offered and all(c.startswith("v") for c in offered)
    assert {"digits", "eight_gaussians", "mnist"} <= set(_complete(cli, "lpbench run --dataset "))
    assert _complete(cli, "lpbench run --metrics e") == ["emd"]
    assert set(_complete(cli, "lpbench run --dataset digits --budget ")) == {"smoke", "cpu", "paper"}
    assert _complete(cli, "lpbench leaderboard --dataset dig") == ["digits"]
    # names come from the plugin registry: an in-process plugin's model completes too
    get_plugins().register(_Models(), "instant-models")
    try:
        assert _complete(cli, "lpbench run --models vae,in") == ["vae,instant"]
    finally:
        get_plugins().unregister("instant-models")


def test_the_documented_example_file_works(cli, in_tmp, monkeypatch):
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text()
    example = page.split("```toml\n# lpbench.toml", 1)[1].split("```", 1)[0]
    (in_tmp / "lpbench.toml").write_text("# lpbench.toml" + example)
    monkeypatch.delenv("LPBENCH_MLFLOW", raising=False)
    s = _settings(cli)
    assert s["runs-dir"]["value"] == "/data/lpbench-runs" and s["device"]["value"] == "cuda"
    assert s["data-root"]["value"] == str(in_tmp / "datasets")
    assert s["seeds"]["value"] == "0,1,2" and s["seeds"]["commands"] == ["run", "references"]
    assert s["mlflow"]["value"] == "true"
