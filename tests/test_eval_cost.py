"""Evaluation cost (issue 19): the reversal stops each code on its own and converged codes cost
nothing more; metric settings per budget and from --set <metric>.<setting>; progress while a
run is evaluated."""

import io

import pytest
import torch

import lpbench
from lpbench.errors import LpbenchError
from lpbench.plugins import get_plugins
from lpbench.progress import Reporter
from lpbench.registry import Registry, parse_overrides
from lpbench.runner import RunSpec
from lpbench.testing import read_json
from lpbench_metrics.pag import pag_of_codes

SMOKE = ["--dataset", "eight_gaussians", "--budget", "smoke"]


def _generator():
    """An injective G: R³ → R⁶⁴ (as tests/test_gans.py): plain GD at η = 0.05 contracts."""
    g = torch.Generator().manual_seed(0)
    a1 = 0.8 * torch.linalg.qr(torch.randn(3, 3, generator=g))[0]
    a2 = torch.linalg.qr(torch.randn(64, 3, generator=g))[0] @ torch.diag(torch.tensor([4.0, 3.0, 2.0]))
    return lambda z: torch.tanh(z @ a1.T) @ a2.T


@pytest.mark.slow
def test_converged_codes_stop_costing_compute_and_stopping_changes_pag_within_tolerance():
    G = _generator()
    # codes at different distances from z₀ ≈ 0 converge after different numbers of steps
    z_true = torch.randn(60, 3, generator=torch.Generator().manual_seed(2)) * torch.linspace(0.05, 1.0, 60)[:, None]
    x = G(z_true)
    rows = []

    def counting(z):
        rows.append(len(z))
        return G(z)

    kw = dict(steps=3000, lr=0.05, init_std=1e-4, window=100, generator=torch.Generator().manual_seed(1))
    early = lpbench.reverse(counting, x, 3, tol=1e-4, **kw)
    decoded = sum(rows[:-1])  # the last call is the final error pass
    assert early.converged.all() and len(set(early.steps.tolist())) > 1  # each code stopped on its own
    # a code is decoded once per step it takes, plus once for the test that stops it, never after
    assert decoded == int(early.steps.sum()) + int(early.converged.sum())
    assert rows[:-1] == sorted(rows[:-1], reverse=True) and rows[-2] < len(x)  # the batch shrinks
    assert decoded < 0.8 * 60 * int(early.steps.max())

    kw.update(generator=torch.Generator().manual_seed(1), window=10_000)  # no test: every code runs to the cap
    full = lpbench.reverse(G, x, 3, tol=1e-4, **kw)
    assert not full.converged.any() and (full.steps == 3000).all()
    # stopping at the convergence test moves PAG by far less than the test's tolerance admits
    for a, b in zip(pag_of_codes(early.codes.numpy(), 1.0), pag_of_codes(full.codes.numpy(), 1.0)):
        assert abs(a - b) <= 1e-3 * abs(b)


def test_reversal_reports_progress_at_each_convergence_test():
    G = _generator()
    x = G(torch.randn(8, 3, generator=torch.Generator().manual_seed(3)))
    calls = []
    lpbench.reverse(G, x, 3, steps=250, window=100, progress=lambda d, t, info: calls.append((d, t, info)))
    assert [c[0] for c in calls] == [0, 800, 1600] and all(c[1] == 8 * 250 for c in calls)
    assert "reversal step 100/250" in calls[1][2] and "of 8 codes active" in calls[1][2]


def test_metric_settings_per_budget_and_from_set(project_registry, write_registry):
    plugins = get_plugins()
    reg = Registry(project_registry, "registry.yaml")
    pag = project_registry["metrics"]["pag"]
    for budget in ("smoke", "cpu", "paper"):
        got = reg.resolve("vae", "digits", budget, plugins).metric_settings["pag"]
        want = {k: v for k, v in pag.items() if k != "budgets"} | pag.get("budgets", {}).get(budget, {})
        assert got == want
    assert reg.resolve("vae", "digits", "smoke", plugins).metric_settings["pag"]["steps"] < pag["steps"]
    ov = parse_overrides(["pag.steps=7", "vae.lr=0.01"], ["vae"], list(plugins.all("metric")))
    assert ov["metrics"] == {"pag": {"steps": 7}} and ov["vae"] == {"lr": 0.01}
    assert reg.resolve("vae", "digits", "smoke", plugins, ov).metric_settings["pag"]["steps"] == 7
    with pytest.raises(LpbenchError, match="stepz"):
        reg.resolve("vae", "digits", "smoke", plugins, parse_overrides(["pag.stepz=7"], [], ["pag"]))
    with pytest.raises(LpbenchError, match="expected int"):
        reg.resolve("vae", "digits", "smoke", plugins, parse_overrides(["pag.steps=many"], [], ["pag"]))
    with pytest.raises(LpbenchError, match="prefix"):
        parse_overrides(["nosuch.steps=7"], ["vae"], ["pag"])
    project_registry["metrics"]["pag"]["budgets"] = {"smoke": {"stepz": 3}}
    with pytest.raises(LpbenchError, match="stepz"):
        Registry(project_registry, "registry.yaml").resolve("vae", "digits", "smoke", plugins)


@pytest.mark.slow
def test_run_accepts_set_metric_settings_and_records_them(cli, tmp_path):
    runs = tmp_path / "runs"
    res = cli(
        "run",
        "--models",
        "vae",
        *SMOKE,
        "--metrics",
        "pag",
        "--set",
        "pag.steps=7",
        "--set",
        "pag.n_points=16",
        "--runs-dir",
        runs,
        "-q",
    )
    assert res.exit_code == 0, res.output
    folder = runs / "eight_gaussians/smoke/vae/seed0"
    rec = read_json(folder / "run.json")
    assert rec["config"]["metric_settings"]["pag"]["steps"] == 7
    assert rec["metrics"]["pag_reversal_steps"] <= 7 and rec["metrics"]["pag_n"] == 16
    res = cli("run", "--models", "vae", *SMOKE, "--set", "pag.stepz=7", "--runs-dir", runs)
    assert res.exit_code == 2 and "stepz" in res.output
    # lpbench evaluate: the run's recorded settings, unless --set overrides them
    res = cli("evaluate", folder, "--metrics", "pag", "--set", "pag.steps=3", "--json")
    assert res.exit_code == 0, res.output
    rec = read_json(folder / "run.json")
    assert rec["evaluations"][-1]["metric_settings"]["pag"]["steps"] == 3
    assert rec["evaluations"][-1]["metric_settings"]["pag"]["n_points"] == 16
    assert rec["metrics"]["pag_reversal_steps"] <= 3
    assert cli("evaluate", folder, "--set", "vae.lr=1").exit_code == 2


def test_evaluation_progress_names_each_metric_with_an_eta(monkeypatch):
    clock = iter([100.0, 100.0, 104.0, 110.0, 111.0])
    monkeypatch.setattr("lpbench.progress.time.monotonic", lambda: next(clock))
    out = io.StringIO()
    spec = RunSpec("gan", "digits", "cpu", 0)
    with Reporter(total=1, stream=out) as rep:
        rep.step(spec, 0, 1, {"phase": "evaluating prd (4/6)", "info": ""})
        rep.step(spec, 0, 3000, {"phase": "evaluating pag (6/6)", "info": ""})
        rep.step(spec, 100, 3000, {"phase": "evaluating pag (6/6)", "info": "pag: reversal step 100/300"})
        rep.step(spec, 1000, 3000, {"phase": "evaluating pag (6/6)", "info": "pag: reversal step 100/300"})
        rep.step(spec, 0, 1, {"phase": "drawing figures", "info": ""})
    lines = out.getvalue().splitlines()
    assert lines[0] == "[gan on digits/cpu seed 0] evaluating prd (4/6)"
    assert lines[1] == "[gan on digits/cpu seed 0] evaluating pag (6/6)"
    # 1000 of 3000 code-steps in 10 s: 20 s to go; the 4-s update came too soon for a line
    assert lines[2] == "[gan on digits/cpu seed 0] evaluating pag (6/6) eta 20s pag: reversal step 100/300"
    assert lines[3] == "[gan on digits/cpu seed 0] drawing figures" and len(lines) == 4


@pytest.mark.slow
def test_a_run_reports_each_metric_and_the_figures(tmp_path):
    from lpbench.runner import RunOptions, run_one

    events = []
    opts = RunOptions(
        runs_dir=tmp_path,
        metrics=["emd", "pag"],
        overrides={"metrics": {"pag": {"steps": 5}}},
        progress=lambda spec, done, total, row: events.append(row.get("phase")),
    )
    rec = run_one(RunSpec("vae", "eight_gaussians", "smoke", 0), opts, Registry.load(), get_plugins())
    assert rec["status"] == "completed", rec.get("error")
    phases = [e for e in events if e]
    assert phases[0] == "evaluating emd (1/2)" and "evaluating pag (2/2)" in phases
    assert phases[-1] == "drawing figures"
