"""registry.yaml validation: errors name the file, the key and what was expected."""

import copy

import pytest

from lpbench.errors import LpbenchError, RegistryError, UnknownNameError
from lpbench.plugins import get_plugins
from lpbench.registry import Registry, parse_overrides


def test_project_registry_is_valid_and_complete():
    reg = Registry.load()
    plugins = get_plugins()
    for name in reg.datasets:
        assert name in plugins.all("dataset"), f"registry dataset {name} has no plugin"
        for b in reg.budget_names(name):
            assert reg.budget(name, b).epochs > 0
        for m in reg.dataset(name)["evaluation"]["metrics"]:
            plugins.get("metric", m)
    for m in reg.models:
        if m in plugins.all("model"):
            reg.resolve(m, "digits", None, plugins)


@pytest.mark.parametrize(
    "mutate, key, expect",
    [
        (
            lambda d: d["datasets"]["digits"]["budgets"]["smoke"].update(epochs=-1),
            "datasets.digits.budgets.smoke.epochs",
            "> 0",
        ),
        (
            lambda d: d["datasets"]["digits"]["budgets"]["smoke"].update(batch_size="64"),
            "datasets.digits.budgets.smoke.batch_size",
            "integer",
        ),
        (
            lambda d: d["datasets"]["digits"]["budgets"]["smoke"].update(precision="fp8"),
            "datasets.digits.budgets.smoke.precision",
            "fp32",
        ),
        (lambda d: d["datasets"]["digits"].update(colour="red"), "datasets.digits", "only these keys"),
        (lambda d: d["datasets"]["digits"].update(latent_dim=0), "datasets.digits.latent_dim", ">= 1"),
        (lambda d: d["datasets"]["digits"].update(architecture="nope"), "datasets.digits.architecture", "not defined"),
        (
            lambda d: d["datasets"]["digits"].update(default_budget="huge"),
            "datasets.digits.default_budget",
            "not one of its budgets",
        ),
        (
            lambda d: d["datasets"]["digits"]["evaluation"].update(primary="not_listed"),
            "datasets.digits.evaluation.primary",
            "must be one of",
        ),
        (lambda d: d.pop("models"), "(top level)", "the keys"),
        (
            lambda d: d["models"]["pgan"]["budgets"].update(huge={"reversal_steps": 1}),
            "models.pgan.budgets.huge",
            "no dataset has a budget named 'huge'",
        ),
        (
            lambda d: d["datasets"]["digits"]["evaluation"].update(reference_split="val"),
            "reference_split",
            "one of train, test",
        ),
    ],
)
def test_invalid_registry_names_file_key_and_expectation(project_registry, write_registry, mutate, key, expect):
    data = copy.deepcopy(project_registry)
    mutate(data)
    path = write_registry(data)
    with pytest.raises(RegistryError) as e:
        Registry.load(path)
    msg = str(e.value)
    assert str(path) in msg and key in msg and expect in msg


def test_unknown_hparam_in_registry_is_an_error(project_registry, write_registry):
    data = copy.deepcopy(project_registry)
    data["models"]["vae"]["hparams"]["lr_typo"] = 0.1
    reg = Registry.load(write_registry(data))
    with pytest.raises(UnknownNameError, match="lr_typo"):
        reg.resolve("vae", "digits", None, get_plugins())


def test_hparam_of_wrong_type_is_an_error(project_registry, write_registry):
    data = copy.deepcopy(project_registry)
    data["models"]["vae"]["hparams"]["lr"] = "fast"
    reg = Registry.load(write_registry(data))
    with pytest.raises(RegistryError, match=r"models\.vae\.hparams\.lr.*expected float"):
        reg.resolve("vae", "digits", None, get_plugins())


def test_not_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "r.yaml"
    bad.write_text("datasets: [unclosed")
    with pytest.raises(RegistryError, match="not valid YAML"):
        Registry.load(bad)
    with pytest.raises(RegistryError, match="does not exist"):
        Registry.load(tmp_path / "missing.yaml")


def test_resolution_precedence_defaults_registry_dataset_set():
    reg, plugins = Registry.load(), get_plugins()
    r = reg.resolve("vae", "eight_gaussians", "smoke", plugins)
    assert r.model_config.hparams["likelihood"] == "gaussian"  # per-dataset registry entry
    assert r.model_config.hparams["lr"] == 0.001  # model-wide registry entry
    ov = parse_overrides(["vae.lr=1e-4", "budget.epochs=2", "latent_dim=3"], ["vae"])
    r = reg.resolve("vae", "eight_gaussians", "smoke", plugins, ov)
    assert r.model_config.hparams["lr"] == 1e-4
    assert r.budget.epochs == 2 and r.model_config.latent_dim == 3


def test_per_budget_hparams_apply_to_that_budget_only_and_set_still_wins(project_registry, write_registry):
    reg, plugins = Registry.load(), get_plugins()
    smoke = reg.resolve("pgan", "digits", "smoke", plugins).model_config.hparams
    cpu = reg.resolve("pgan", "digits", "cpu", plugins).model_config.hparams
    assert (smoke["reversal_max_n"], smoke["reversal_steps"]) == (256, 100)
    assert (cpu["reversal_max_n"], cpu["reversal_steps"]) == (0, 1000)  # Algorithm 1 on every point
    ov = parse_overrides(["pgan.reversal_steps=7"], ["pgan"])
    assert reg.resolve("pgan", "digits", "smoke", plugins, ov).model_config.hparams["reversal_steps"] == 7
    data = copy.deepcopy(project_registry)
    data["models"]["pgan"]["budgets"]["smoke"]["reversal_stepz"] = 1
    with pytest.raises(UnknownNameError, match="reversal_stepz"):
        Registry.load(write_registry(data)).resolve("pgan", "digits", "smoke", plugins)


def test_wildcard_set_reaches_exactly_the_models_it_names():
    from lpbench.registry import check_wildcards
    from lpbench.runner import plan

    reg, plugins = Registry.load(), get_plugins()
    models = ["gan", "masked_gan", "weighted_gan", "pgan", "vae", "aae"]
    ov = parse_overrides(["*.loss=wgan", "*_gan.critic_steps=3", "*.lr=0.1", "gan.lr=0.2"], models)
    hp = {m: reg.resolve(m, "eight_gaussians", "smoke", plugins, ov).model_config.hparams for m in models}
    base = {m: reg.resolve(m, "eight_gaussians", "smoke", plugins).model_config.hparams for m in models}
    # '*.loss': every model of the run that has a `loss` hparam (the four GANs), no other
    assert [m for m in models if hp[m].get("loss") == "wgan"] == ["gan", "masked_gan", "weighted_gan", "pgan"]
    assert "loss" not in hp["vae"] and "loss" not in hp["aae"]
    # '*_gan.critic_steps': the names matching *_gan only — not gan, not pgan
    assert {m: hp[m].get("critic_steps") for m in models if hp[m].get("critic_steps") == 3} == {
        "masked_gan": 3,
        "weighted_gan": 3,
    }
    assert hp["gan"]["critic_steps"] == base["gan"]["critic_steps"] == hp["pgan"]["critic_steps"]
    # '*.lr' reaches every model with an lr; the explicit gan.lr wins over it
    assert hp["gan"]["lr"] == 0.2 and all(hp[m]["lr"] == 0.1 for m in models if m != "gan")
    reach = check_wildcards(ov, models, plugins)
    assert reach == {
        "*.loss": ["gan", "masked_gan", "weighted_gan", "pgan"],
        "*_gan.critic_steps": ["masked_gan", "weighted_gan"],
        "*.lr": models,
    }
    # a wildcard that reaches no model of the run is a usage error, not a silent no-op
    with pytest.raises(LpbenchError, match="no model in this run"):
        plan(reg, plugins, ["vae"], "eight_gaussians", "smoke", [0], overrides=parse_overrides(["*.loss=ns"], ["vae"]))
    with pytest.raises(LpbenchError, match="no model in this run"):
        plan(reg, plugins, ["gan"], "eight_gaussians", "smoke", [0], overrides=parse_overrides(["*.losss=ns"], ["gan"]))


def test_wildcard_set_from_the_command_line(cli, tmp_path):
    res = cli(
        "run",
        "--models",
        "vae",
        "--dataset",
        "eight_gaussians",
        "--budget",
        "smoke",
        "--runs-dir",
        tmp_path,
        "--set",
        "*.loss=ns",
        "-q",
    )
    assert res.exit_code == 2 and "no model in this run" in res.output and "Traceback" not in res.output


def test_architecture_set_overrides_a_known_architecture_key():
    reg, plugins = Registry.load(), get_plugins()
    ov = parse_overrides(["architecture.decoder_output=tanh"], ["gan"])
    r = reg.resolve("gan", "eight_gaussians", "smoke", plugins, ov)
    assert r.model_config.architecture["decoder_output"] == "tanh"
    with pytest.raises(UnknownNameError, match="decoder_output"):
        reg.resolve(
            "gan", "eight_gaussians", "smoke", plugins, parse_overrides(["architecture.decoder_outptu=tanh"], ["gan"])
        )


@pytest.mark.parametrize(
    "pairs, match",
    [
        (["novalue"], "KEY=VALUE"),
        (["gan.lr=1"], "Unknown --set prefix 'gan'"),
        (["lr=1"], "must look like"),
        (["latent_dim=-2"], "positive integer"),
        (["vae.lr=[1,"], "cannot parse"),
    ],
)
def test_bad_set_pairs(pairs, match):
    with pytest.raises(LpbenchError, match=match):
        parse_overrides(pairs, ["vae"])


def test_set_with_unknown_key_or_bad_type_fails_on_resolution():
    reg, plugins = Registry.load(), get_plugins()
    with pytest.raises(UnknownNameError, match="Did you mean 'lr'"):
        reg.resolve("vae", "digits", None, plugins, parse_overrides(["vae.lrr=0.1"], ["vae"]))
    with pytest.raises(RegistryError, match="expected float"):
        reg.resolve("vae", "digits", None, plugins, parse_overrides(["vae.lr=abc"], ["vae"]))
    with pytest.raises(RegistryError, match="positive"):
        reg.resolve("vae", "digits", None, plugins, parse_overrides(["budget.epochs=-1"], ["vae"]))


def test_unknown_names_suggest():
    reg = Registry.load()
    with pytest.raises(UnknownNameError, match="Did you mean 'digits'"):
        reg.dataset("digit")
    with pytest.raises(UnknownNameError, match="Did you mean 'smoke'"):
        reg.budget("digits", "smok")
