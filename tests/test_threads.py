"""Threads per run (issue 19): a default from the machine and the work, a --threads flag,
LPBENCH_THREADS and lpbench.toml, applied where the run trains and recorded in run.json."""

import pytest
import torch

from lpbench import threads
from lpbench.testing import read_json

pytestmark = pytest.mark.slow  # smoke runs through lpbench run
SMOKE = ["--dataset", "eight_gaussians", "--budget", "smoke", "--metrics", "emd"]


def test_default_divides_the_cores_among_workers_capped_at_the_measured_best(monkeypatch):
    assert threads.default_threads(1, cores=16) == threads.MEASURED_BEST
    assert threads.default_threads(4, cores=2) == 1  # never below one
    monkeypatch.setattr(threads, "MEASURED_BEST", 4)
    assert threads.default_threads(1, cores=16) == 4  # the cap
    assert threads.default_threads(3, cores=8) == 2  # the cores divided among 3 workers
    assert threads.default_threads(1, cores=3) == 3


def test_limit_applies_and_restores_the_torch_thread_count():
    before = torch.get_num_threads()
    with threads.limit(2) as n:
        assert n == 2 and torch.get_num_threads() == 2
    assert torch.get_num_threads() == before
    with threads.limit(None) as n:  # None: the process keeps what it has
        assert n == before == torch.get_num_threads()
    with pytest.raises(ValueError):
        with threads.limit(0):
            pass


def _threads_seen(monkeypatch):
    """Record torch's thread count at the moment the model trains."""
    from lpbench_models.vae import VAE

    seen, fit = [], VAE.fit

    def spy(self, *a, **k):
        seen.append(torch.get_num_threads())
        return fit(self, *a, **k)

    monkeypatch.setattr(VAE, "fit", spy)
    return seen


def test_threads_flag_is_applied_while_training_and_recorded(cli, tmp_path, monkeypatch):
    seen = _threads_seen(monkeypatch)
    before = torch.get_num_threads()
    res = cli("run", "--models", "vae", *SMOKE, "--runs-dir", tmp_path / "runs", "--threads", 2, "-q")
    assert res.exit_code == 0, res.output
    rec = read_json(tmp_path / "runs/eight_gaussians/smoke/vae/seed0/run.json")
    assert seen == [2] and rec["environment"]["threads"] == 2
    assert torch.get_num_threads() == before  # the caller's count is restored


def test_threads_default_and_environment_and_file(cli, tmp_path, monkeypatch):
    seen = _threads_seen(monkeypatch)
    monkeypatch.chdir(tmp_path)
    res = cli("run", "--models", "vae", *SMOKE, "--runs-dir", "a", "-q")
    assert res.exit_code == 0, res.output
    assert (
        read_json(tmp_path / "a/eight_gaussians/smoke/vae/seed0/run.json")["environment"]["threads"]
        == threads.default_threads(1)
        == seen[-1]
    )
    monkeypatch.setenv("LPBENCH_THREADS", "2")
    assert cli("run", "--models", "vae", *SMOKE, "--runs-dir", "b", "-q").exit_code == 0
    assert read_json(tmp_path / "b/eight_gaussians/smoke/vae/seed0/run.json")["environment"]["threads"] == 2
    monkeypatch.delenv("LPBENCH_THREADS")
    (tmp_path / "lpbench.toml").write_text("threads = 3\n")
    assert cli("run", "--models", "vae", *SMOKE, "--runs-dir", "c", "-q").exit_code == 0
    assert read_json(tmp_path / "c/eight_gaussians/smoke/vae/seed0/run.json")["environment"]["threads"] == 3
    assert seen[1:] == [2, 3]
    res = cli("run", "--models", "vae", *SMOKE, "--runs-dir", "d", "--threads", 0)
    assert res.exit_code == 2 and "--threads" in res.output
