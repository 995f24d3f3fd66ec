"""Learning-rate schedules (lpbench.schedules): declared in registry.yaml as fractions of the
training steps, applied at exactly the declared steps, recorded in run.json, exact across resume,
and rejected with a clear message when malformed."""

import json

import pytest
import torch

from lpbench import Budget, DataSplit, ModelConfig, RunContext
from lpbench.errors import RegistryError
from lpbench.plugins import get_plugins
from lpbench.registry import Registry, parse_overrides
from lpbench.schedules import milestones, scheduler, validate

ARCH = {"type": "conv", "conv_channels": [8, 16], "fc_hidden": 32}


def _rates(spec, total):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    s = scheduler(opt, spec, total)
    rates = []
    for _ in range(total):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        s.step()
    return rates


def test_step_schedule_halves_at_each_declared_fraction():
    rates = _rates({"type": "step", "every": 0.5, "gamma": 0.5}, 10)
    assert rates == [1.0] * 5 + [0.5] * 5
    rates = _rates({"type": "step", "every": 0.375, "gamma": 0.5}, 16)  # two-stage VAE: 150 of 400 epochs
    assert rates == [1.0] * 6 + [0.5] * 6 + [0.25] * 4


def test_multistep_schedule_applies_one_factor_per_milestone():
    # WAE (GLF App. B.3): ×0.5 after 30 of 100 epochs, then ×0.2 after 50
    rates = _rates({"type": "multistep", "milestones": [0.3, 0.5], "gamma": [0.5, 0.2]}, 100)
    assert rates[:30] == [1.0] * 30 and rates[30:50] == [0.5] * 20
    assert rates[50:] == pytest.approx([0.1] * 50)


def test_none_keeps_the_rate_and_milestones_at_the_end_never_fire():
    assert _rates({"type": "none"}, 7) == [1.0] * 7
    assert milestones({"type": "step", "every": 1.0, "gamma": 0.5}, 10) == []


@pytest.mark.parametrize(
    "spec, says",
    [
        ({"type": "cosine"}, "unknown schedule type"),
        ({"type": "step", "every": 0}, "needs gamma"),
        ({"type": "step", "every": 1.5, "gamma": 0.5}, "every: expected a fraction"),
        ({"type": "step", "every": 0.5, "gamma": -1}, "gamma: expected a factor > 0"),
        ({"type": "multistep", "milestones": [0.5, 0.3], "gamma": 0.5}, "increasing fractions"),
        ({"type": "multistep", "milestones": [0.3, 0.5], "gamma": [0.5]}, "one per milestone"),
        ({"type": "step", "every": 0.5, "gamma": 0.5, "warmup": 3}, "takes only"),
        ("step", "expected a mapping"),
    ],
)
def test_malformed_schedules_are_rejected_with_what_was_expected(spec, says):
    with pytest.raises(RegistryError, match=says):
        validate(spec, "models.glf.hparams.lr_schedule")


def test_set_reaches_the_schedule_and_a_bad_one_is_a_usage_error():
    reg, plugins = Registry.load(), get_plugins()
    over = parse_overrides(["glf.lr_schedule={type: none}"], ["glf"])
    run = reg.resolve("glf", "digits", "smoke", plugins, over)
    assert run.model_config.hparams["lr_schedule"] == {"type": "none"}
    with pytest.raises(RegistryError, match=r"--set glf\.lr_schedule"):
        reg.resolve("glf", "digits", "smoke", plugins, parse_overrides(["glf.lr_schedule={type: step}"], ["glf"]))


def test_the_registry_gives_the_papers_schedules():
    reg, plugins = Registry.load(), get_plugins()
    hp = {
        m: reg.resolve(m, "mnist", "paper", plugins).model_config.hparams
        for m in ("glf", "glf_regularized", "vae_flow_prior", "vae", "rae", "wae_gan", "wae_mmd", "two_stage_vae")
    }
    for m in ("glf", "glf_regularized", "vae_flow_prior", "vae", "rae"):
        assert hp[m]["lr_schedule"] == {"type": "step", "every": 0.5, "gamma": 0.5}, m
    for m in ("wae_gan", "wae_mmd"):
        assert hp[m]["lr_schedule"] == {"type": "multistep", "milestones": [0.3, 0.5], "gamma": [0.5, 0.2]}, m
    assert (
        hp["two_stage_vae"]["lr_schedule"]
        == hp["two_stage_vae"]["second_lr_schedule"]
        == {"type": "step", "every": 0.375, "gamma": 0.5}
    )


def _toy(n=64):
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(n, 1, 8, 8, generator=g) * 255).to(torch.uint8)
    return DataSplit(x, None, "image", "toy", "train")


def _fit(model, run_dir, total, stop_after=None):
    ctx = RunContext(seed=0, run_dir=run_dir, total_steps=total, checkpoint_every=3, log_every=1)
    budget = Budget("t", epochs=1, batch_size=16, eval_samples=2)
    if stop_after is not None:  # end the fit early, as a kill would, right after a checkpoint
        real = ctx.end_step

        def end_step(step, **v):
            real(step, **v)
            if step + 1 == stop_after:
                raise KeyboardInterrupt

        ctx.end_step = end_step
    try:
        model.fit(_toy(), budget, ctx)
    except KeyboardInterrupt:
        return None
    return ctx


def _model(name, **hp):
    cls = get_plugins().get("model", name)
    small = {"flow_hidden": 8} if "flow" in name or name.startswith("glf") else {}
    return cls(ModelConfig({**cls.defaults, **small, **hp}, ARCH, 4, "image", (1, 8, 8)))


@pytest.mark.slow
def test_a_resumed_fit_continues_at_the_scheduled_rate_with_identical_weights(tmp_path):
    sched = {"type": "multistep", "milestones": [0.25, 0.5], "gamma": [0.5, 0.2]}
    torch.manual_seed(0)
    whole = _model("glf", lr_schedule=sched)
    ctx = _fit(whole, tmp_path / "a", 12)
    assert ctx.notes["lr_schedules"]["ae"]["at_steps"] == [[3, 0.5], [6, 0.2]]

    torch.manual_seed(0)
    _fit(_model("glf", lr_schedule=sched), tmp_path / "b", 12, stop_after=6)  # killed after the step-6 checkpoint
    torch.manual_seed(1)  # the resumed process starts from other global RNG state
    resumed = _model("glf", lr_schedule=sched)
    ctx2 = _fit(resumed, tmp_path / "b", 12)
    assert ctx2.resumed_from == 6
    for a, b in zip(whole.state_dict()["encoder"].values(), resumed.state_dict()["encoder"].values()):
        assert torch.equal(a, b)
    state = torch.load(tmp_path / "b" / "train_state.pt", weights_only=True)
    assert state["objects"]["opt_ae"]["param_groups"][0]["lr"] == pytest.approx(1e-3 * 0.1)
    assert state["objects"]["lr_flow"]["last_epoch"] == 12


@pytest.mark.slow
def test_the_run_records_its_schedules_and_its_budget_shape(tmp_path):
    from click.testing import CliRunner

    from lpbench.cli import main

    res = CliRunner().invoke(
        main,
        [
            "run",
            "--models",
            "wae_mmd",
            "--dataset",
            "digits",
            "--budget",
            "smoke",
            "--metrics",
            "fid",
            "--runs-dir",
            str(tmp_path),
            "-q",
            "--set",
            "budget.epochs=0.5",
        ],
    )
    assert res.exit_code == 0, res.output
    rec = json.loads((tmp_path / "digits" / "smoke" / "wae_mmd" / "seed0" / "run.json").read_text())
    assert rec["train_budget"] == {"batch_size": 100}  # GLF App. B.3: WAE at batch 100
    assert rec["steps"] == 7  # 0.5 epochs of 1437 // 100 batches
    assert rec["training"]["lr_schedules"]["ae"]["at_steps"] == [[2, 0.5], [4, 0.2]]
