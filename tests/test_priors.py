"""The prior axis: priors recover known distributions; a prior is fitted once per model and reused
across metrics; the decoder's ceiling comes from held-out data; leaderboard rows are model × prior."""

import json
import math

import numpy as np
import pytest
import torch

from lpbench import Metric, Model, Prior, PriorContext, hookimpl, records
from lpbench.latent import frechet_distance, mmd, pag, spread_from_pag
from lpbench.plugins import get_plugins
from lpbench_models.priors.gmm import GMMPrior
from lpbench_models.priors.kde import KDEPrior
from lpbench_models.priors.normal import NormalPrior


def ctx(seed=0, steps=0, tmp=None):
    return PriorContext(seed=seed, total_steps=steps, run_dir=tmp, batch_size=256)


def roundtrip(prior, cls, latent_dim):
    clone = cls(latent_dim, prior.settings, sigma=prior.sigma)
    clone.load_state_dict(prior.state_dict())
    return clone


# ------------------------------------------------------------------------------ the priors


def known_mixture(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    means = np.array([[-4.0, 0.0], [0.0, 4.0], [4.0, -1.0]])
    weights = np.array([0.5, 0.3, 0.2])
    comp = rng.choice(3, size=n, p=weights)
    x = means[comp] + rng.normal(size=(n, 2)) * np.array([0.3, 0.6])
    return torch.from_numpy(x).float(), means, weights


def test_gmm_recovers_a_known_mixture_and_shuffles_its_samples():
    codes, means, weights = known_mixture()
    prior = GMMPrior(2, {"n_components": 3})
    prior.fit(codes, ctx())
    order = np.argsort(prior.gmm.means_[:, 0])
    np.testing.assert_allclose(prior.gmm.means_[order], means, atol=0.05)
    np.testing.assert_allclose(prior.gmm.weights_[order], weights, atol=0.03)
    z = prior.sample(600, torch.Generator().manual_seed(1))
    assert z.shape == (600, 2)
    # sklearn returns samples grouped by component: the first 60 must already mix components
    first = np.argmin(((z[:60, None, :].numpy() - means[None]) ** 2).sum(-1), axis=1)
    assert len(set(first)) == 3
    frac = np.bincount(np.argmin(((z.numpy()[:, None] - means[None]) ** 2).sum(-1), axis=1), minlength=3) / 600
    np.testing.assert_allclose(frac, weights, atol=0.06)
    # seeded by the generator alone; the saved state samples and scores identically
    assert torch.equal(z, prior.sample(600, torch.Generator().manual_seed(1)))
    assert not torch.equal(z, prior.sample(600, torch.Generator().manual_seed(2)))
    clone = roundtrip(prior, GMMPrior, 2)
    assert torch.equal(z, clone.sample(600, torch.Generator().manual_seed(1)))
    assert torch.allclose(prior.log_prob(codes[:50]), clone.log_prob(codes[:50]))


def test_gmm_with_more_components_than_codes_is_a_clear_error():
    with pytest.raises(ValueError, match="lower n_components"):
        GMMPrior(2, {"n_components": 10}).fit(torch.randn(5, 2), ctx())


def test_kde_recovers_a_gaussian_with_scotts_bandwidth():
    g = torch.Generator().manual_seed(0)
    cov = torch.tensor([[2.0, 0.8], [0.8, 1.0]])
    codes = torch.randn(2000, 2, generator=g) @ torch.linalg.cholesky(cov).T + torch.tensor([1.0, -2.0])
    prior = KDEPrior(2)
    prior.fit(codes, ctx())
    assert prior.kde.factor == pytest.approx(2000 ** (-1 / (2 + 4)))  # Scott's rule, n^(-1/(d+4))
    z = prior.sample(20000, torch.Generator().manual_seed(3)).double()
    np.testing.assert_allclose(z.mean(0), [1.0, -2.0], atol=0.06)
    # a KDE's covariance is the codes' (empirical) covariance inflated by the kernel's: (1 + factor²) Σ̂
    emp = np.cov(codes.double().numpy().T)
    np.testing.assert_allclose(np.cov(z.numpy().T), (1 + prior.kde.factor**2) * emp, atol=0.08)
    np.testing.assert_allclose(emp, cov.numpy(), atol=0.15)
    # the density is higher where the data are
    assert prior.log_prob(torch.tensor([[1.0, -2.0]])) > prior.log_prob(torch.tensor([[6.0, 3.0]])) + 5
    clone = roundtrip(prior, KDEPrior, 2)
    assert torch.equal(
        clone.sample(50, torch.Generator().manual_seed(4)), prior.sample(50, torch.Generator().manual_seed(4))
    )


def test_normal_prior_is_the_nominal_prior_and_its_density():
    prior = NormalPrior(3, sigma=2.0)
    prior.fit(torch.randn(10, 3), ctx())
    z = prior.sample(20000, torch.Generator().manual_seed(0))
    assert z.std().item() == pytest.approx(2.0, rel=0.02)
    ref = torch.distributions.Normal(0.0, 2.0).log_prob(z[:10]).sum(1)
    assert torch.allclose(prior.log_prob(z[:10]), ref, atol=1e-5)


def test_gmm_has_higher_heldout_likelihood_than_normal_on_a_mixture():
    codes, _, _ = known_mixture(2000, seed=0)
    held, _, _ = known_mixture(500, seed=1)
    gmm, normal = GMMPrior(2, {"n_components": 3}), NormalPrior(2)
    gmm.fit(codes, ctx()), normal.fit(codes, ctx())
    assert gmm.log_prob(held).mean() > normal.log_prob(held).mean() + 5


# ---------------------------------------------------------------------------- latent agreement


def test_pag_closed_form_and_scale_invariance_in_n():
    rng = np.random.default_rng(0)
    for n in (500, 5000):  # true N(0, I) codes: ~0 at any N (finite-sample spread ≈ d²/8N); raw grows with N
        p = pag(rng.normal(size=(n, 16)))
        assert p["pag_normalized"] < 0.2 and p["pag"] > 3000  # pag: the PGAN paper's Eq. 2, raw singular values
    z = rng.normal(size=(4000, 4))
    z = np.linalg.qr(z)[0] * math.sqrt(4000) * np.array([1.0, 2.0, 0.5, 1.0])  # singular values² / N = 1, 4, .25, 1
    expected = 0.5 * sum(r - 1 - math.log(r) for r in (1.0, 4.0, 0.25, 1.0))
    assert pag(z)["pag_normalized"] == pytest.approx(expected, rel=1e-9)
    assert pag(z, sigma=2.0)["pag_normalized"] == pytest.approx(
        0.5 * sum(r / 4 - 1 - math.log(r / 4) for r in (1.0, 4.0, 0.25, 1.0))
    )
    with pytest.raises(ValueError, match="at least as many codes"):
        pag(rng.normal(size=(3, 5)))


@pytest.mark.parametrize("sigma", [1.0, 0.6])
def test_spread_from_pag_recovers_the_codes_total_variance_and_log_det(sigma):
    # a record keeps both PAG conventions, not the codes; their spread is recovered from the two
    rng = np.random.default_rng(1)
    n, d = 360, 10
    z = rng.normal(size=(n, d)) * np.linspace(0.3, 1.4, d)
    lam = np.linalg.eigvalsh(z.T @ z / n)
    p = pag(z, sigma=sigma)
    got = spread_from_pag(p["pag"], p["pag_normalized"], n, d, sigma=sigma)
    assert got["total_variance"] == pytest.approx(lam.sum(), rel=1e-8)
    assert got["log_det"] == pytest.approx(np.log(lam).sum(), rel=1e-8)
    with pytest.raises(ValueError, match="N ≥ 2"):
        spread_from_pag(1.0, 1.0, 1, d)


def test_frechet_and_mmd_separate_shifted_code_sets():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(800, 3)), rng.normal(size=(800, 3))
    shift = np.array([1.0, 0.0, 0.0])
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    assert frechet_distance(a, a + shift) == pytest.approx(1.0, rel=1e-6)
    assert abs(mmd(a, b)) < 0.005 < mmd(a, b + shift)


# ------------------------------------------------------------------- the axis, end to end


class IdentityAE(Model):
    """encode = decode = identity on 2-D points: its reconstructions are exactly its inputs, so
    its ceiling is exactly the score of the data the ceiling reconstructs."""

    name = "identity_ae"
    family = "autoencoder"
    description = "identity encoder and decoder (tests)"

    def fit(self, data, budget, ctx):
        pass

    def encode(self, x):
        return x.clone()

    def decode(self, z):
        return z.clone()

    def sample_prior(self, n, generator):
        return torch.randn(n, self.latent_dim, generator=generator)

    def sample(self, n, generator):
        return self.sample_prior(n, generator)

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


class Doubler(Model):
    """A decoder-only model (a 'GAN'): G(z) = 2z. Its codes come from generator reversal."""

    name = "doubler"
    family = "gan"
    description = "G(z) = 2z (tests)"

    def fit(self, data, budget, ctx):
        pass

    def decode(self, z):
        return 2 * z

    def sample(self, n, generator):
        return self.decode(torch.randn(n, self.latent_dim, generator=generator))

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


class CountingGMM(GMMPrior):
    name = "counting_gmm"
    fits = 0

    def fit(self, codes, ctx):
        type(self).fits += 1
        super().fit(codes, ctx)


class MeanDistance(Metric):
    name = "mean_distance"
    description = "distance between means (tests)"
    needs = ("samples",)

    def compute(self, ev):
        return float(((ev.samples.mean(0) - ev.reference.mean(0)) ** 2).sum() ** 0.5)


class _TestPlugin:
    @hookimpl
    def register_models(self, register):
        register(IdentityAE)
        register(Doubler)

    @hookimpl
    def register_priors(self, register):
        register(CountingGMM)

    @hookimpl
    def register_metrics(self, register):
        register(MeanDistance)


@pytest.fixture
def plugin():
    get_plugins().register(_TestPlugin(), "prior_tests")
    CountingGMM.fits = 0
    try:
        yield
    finally:
        get_plugins().unregister("prior_tests")


@pytest.fixture
def small_registry(project_registry, write_registry):
    """eight_gaussians with a small split and a one-step budget: the axis, not the training, is tested."""
    reg = project_registry
    ds = reg["datasets"]["eight_gaussians"]
    ds["data"] = {"n_train": 1000, "n_test": 300}
    ds["evaluation"].update(metrics=["emd"], primary="emd")
    ds["budgets"]["smoke"].update(epochs=1, batch_size=500, eval_samples=200, aux_epochs=1)
    reg["priors"]["counting_gmm"] = {"n_components": 8}
    reg["prior_axis"].update(reversal_steps=100, reversal_optimizer="sgd")  # G(z) = 2z: GD converges exactly
    reg.setdefault("composites", {})["identity_kde"] = {"base": "identity_ae", "prior": "kde"}
    reg["composites"]["identity_gmm8"] = {"base": "identity_ae", "prior": "gmm", "settings": {"n_components": 8}}
    return write_registry(reg)


def run(cli, registry, runs, *args):
    return cli(
        "--registry",
        registry,
        "run",
        "--dataset",
        "eight_gaussians",
        "--budget",
        "smoke",
        "--runs-dir",
        runs,
        "-q",
        *args,
    )


@pytest.mark.slow
def test_ceiling_reconstructs_heldout_data_never_the_training_split(plugin, small_registry, cli, tmp_path):
    runs = tmp_path / "runs"
    res = run(cli, small_registry, runs, "--models", "identity_ae", "--priors", "kde,normal")
    assert res.exit_code == 0, res.output
    folder = records.run_dir(runs, "eight_gaussians", "smoke", "identity_ae", 0)
    rec = json.loads((folder / "run.json").read_text())
    # identity reconstructions of the held-out points are the reference itself: EMD exactly 0.
    # Reconstructing training points instead would give the train-vs-test distance (> 0.05).
    assert rec["ceiling"]["emd"] == pytest.approx(0.0, abs=1e-9)
    assert rec["ceiling_provenance"]["emd"]["reconstructed_split"] == "test"
    codes = torch.load(folder / "priors" / "codes.pt", weights_only=True)
    from lpbench_datasets.synthetic import EightGaussians

    ds = EightGaussians({"n_train": 1000, "n_test": 300})
    assert torch.equal(codes["heldout"], ds.load("test", seed=0).x.float())
    assert torch.equal(codes["train"], ds.load("train", seed=0).x.float())  # priors fit the training codes
    kde = json.loads((folder / "priors" / "kde" / "run.json").read_text())
    normal = json.loads((folder / "priors" / "normal" / "run.json").read_text())
    assert kde["status"] == normal["status"] == "completed"
    assert kde["gap"]["emd"] == pytest.approx(kde["metrics"]["emd"] - rec["ceiling"]["emd"])
    # a KDE of the training points is far closer to the data than N(0, I), in data and latent space
    assert kde["metrics"]["emd"] < 0.8 * normal["metrics"]["emd"]
    assert kde["latent"]["latent_fd"] < normal["latent"]["latent_fd"]
    assert kde["latent"]["latent_mmd"] < normal["latent"]["latent_mmd"]
    assert kde["latent"]["latent_nll"] < normal["latent"]["latent_nll"]
    assert kde["latent"]["latent_pag"] == normal["latent"]["latent_pag"] == rec["latent"]["latent_pag"]
    assert kde["timings"]["prior_fit_s"] >= 0 and kde["timings"]["train_s"] == rec["timings"]["train_s"]


@pytest.mark.slow
def test_a_prior_is_fitted_once_per_model_and_reused_across_metrics(plugin, small_registry, cli, tmp_path):
    runs = tmp_path / "runs"
    res = run(cli, small_registry, runs, "--models", "identity_ae", "--priors", "counting_gmm", "--metrics", "emd")
    assert res.exit_code == 0, res.output
    assert CountingGMM.fits == 1
    pfolder = records.run_dir(runs, "eight_gaussians", "smoke", "identity_ae", 0) / "priors" / "counting_gmm"
    first = json.loads((pfolder / "run.json").read_text())
    state = (pfolder / "prior.pt").read_bytes()
    model_state = (pfolder.parents[1] / "run.json").read_text()

    res = run(
        cli,
        small_registry,
        runs,
        "--models",
        "identity_ae",
        "--priors",
        "counting_gmm",
        "--metrics",
        "emd,mean_distance",
    )
    assert res.exit_code == 0, res.output
    assert CountingGMM.fits == 1  # not refitted: the saved prior is scored on the new metric
    second = json.loads((pfolder / "run.json").read_text())
    assert (pfolder / "prior.pt").read_bytes() == state
    assert second["metrics"]["emd"] == first["metrics"]["emd"]
    assert "mean_distance" in second["metrics"] and "mean_distance" in second["gap"]
    assert second["timings"]["prior_fit_s"] == first["timings"]["prior_fit_s"]
    assert (
        json.loads(model_state)["started_at"] == json.loads((pfolder.parents[1] / "run.json").read_text())["started_at"]
    )

    res = run(cli, small_registry, runs, "--models", "identity_ae", "--priors", "counting_gmm", "--metrics", "emd")
    assert res.exit_code == 0 and CountingGMM.fits == 1  # nothing new to do: skipped
    res = run(cli, small_registry, runs, "--models", "identity_ae", "--priors", "counting_gmm", "--force")
    assert res.exit_code == 0 and CountingGMM.fits == 2  # --force refits

    import yaml

    reg = yaml.safe_load(small_registry.read_text())
    reg["priors"]["counting_gmm"]["n_components"] = 4
    changed = small_registry.with_name("changed.yaml")
    changed.write_text(yaml.safe_dump(reg))
    res = run(cli, changed, runs, "--models", "identity_ae", "--priors", "counting_gmm")
    assert res.exit_code == 0 and CountingGMM.fits == 3  # new settings: refitted, not reused
    assert json.loads((pfolder / "run.json").read_text())["config"]["settings"]["n_components"] == 4


@pytest.mark.slow
def test_composite_ids_run_the_base_model_with_its_prior(plugin, small_registry, cli, tmp_path):
    runs = tmp_path / "runs"
    res = run(cli, small_registry, runs, "--models", "identity_kde,identity_gmm8")
    assert res.exit_code == 0, res.output
    base = records.run_dir(runs, "eight_gaussians", "smoke", "identity_ae", 0)
    assert json.loads((base / "priors" / "kde" / "run.json").read_text())["composite"] == "identity_kde"
    gmm8 = json.loads((base / "priors" / "identity_gmm8" / "run.json").read_text())
    assert gmm8["prior_plugin"] == "gmm" and gmm8["config"]["settings"]["n_components"] == 8
    out = cli("--registry", small_registry, "leaderboard", "--runs-dir", runs, "--format", "csv").output
    header, *rows = out.strip().splitlines()
    assert header.startswith("dataset,budget,model,prior,seeds,train_s,prior_fit_s,emd,")
    assert "ceiling emd" in header and "gap emd" in header and "latent_fd" in header
    assert sorted(r.split(",")[3] for r in rows) == ["identity_gmm8", "kde", "native"]
    js = json.loads(cli("--registry", small_registry, "leaderboard", "--runs-dir", runs, "--format", "json").output)
    assert {(r["model"], r["prior"]) for r in js} == {("identity_ae", p) for p in ("identity_gmm8", "kde", "native")}
    models = {m["name"]: m for m in json.loads(cli("--registry", small_registry, "list", "models", "--json").output)}
    assert models["identity_kde"]["family"] == "composite" and models["identity_kde"]["base"] == "identity_ae"


@pytest.mark.slow
def test_decoder_only_models_get_reversed_codes(plugin, small_registry, cli, tmp_path):
    runs = tmp_path / "runs"
    res = run(cli, small_registry, runs, "--models", "doubler", "--priors", "kde")
    assert res.exit_code == 0, res.output
    folder = records.run_dir(runs, "eight_gaussians", "smoke", "doubler", 0)
    codes = torch.load(folder / "priors" / "codes.pt", weights_only=True)
    assert codes["source"] == "reversal"
    from lpbench_datasets.synthetic import EightGaussians

    x = EightGaussians({"n_train": 1000, "n_test": 300}).load("train", seed=0).x
    assert torch.allclose(codes["train"], x / 2, atol=1e-3)  # G(z) = 2z reversed: z = x / 2
    prec = json.loads((folder / "priors" / "kde" / "run.json").read_text())
    assert prec["status"] == "completed" and prec["metrics"]["emd"] < 0.8


def test_usage_errors_exit_2(plugin, small_registry, cli, tmp_path, project_registry, write_registry):
    res = run(cli, small_registry, tmp_path / "runs", "--models", "identity_ae", "--priors", "gmn")
    assert res.exit_code == 2 and "gmm" in res.output  # did you mean
    project_registry.setdefault("composites", {})["vae"] = {"base": "identity_ae", "prior": "kde"}
    clash = write_registry(project_registry, "clash.yaml")
    res = run(cli, clash, tmp_path / "runs", "--models", "vae")
    assert res.exit_code == 2 and "both a registered model" in res.output


def test_the_old_name_of_the_code_gan_prior_is_a_usage_error_naming_the_new_one(
    plugin, small_registry, cli, tmp_path, project_registry, write_registry
):
    """The prior "pgan" shared its name with the pgan model; it is "code_gan" now."""
    res = run(cli, small_registry, tmp_path / "runs", "--models", "identity_ae", "--priors", "pgan")
    assert res.exit_code == 2 and "'code_gan'" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "runs").exists()  # refused before anything ran
    project_registry.setdefault("composites", {})["ae_code_gan"] = {"base": "identity_ae", "prior": "pgan"}
    old = write_registry(project_registry, "old.yaml")
    res = run(cli, old, tmp_path / "runs", "--models", "ae_code_gan")
    assert res.exit_code == 2 and "'code_gan'" in res.output
    assert get_plugins().get("prior", "code_gan").name == "code_gan"
    # settings under the old name in a registry are an error too, not settings nobody reads
    project_registry["priors"]["pgan"] = project_registry["priors"].pop("code_gan")
    stale = write_registry(project_registry, "stale.yaml")
    res = run(cli, stale, tmp_path / "runs", "--models", "identity_ae", "--priors", "gmm")
    assert res.exit_code == 2 and "priors.pgan" in res.output and "now called 'code_gan'" in res.output


def test_list_priors(cli):
    items = {i["name"]: i for i in json.loads(cli("list", "priors", "--json").output)}
    assert {"normal", "gmm", "kde"} <= set(items)
    assert items["gmm"]["plugin"] == "lpbench_models" and items["gmm"]["defaults"]["n_components"] == 10
    assert issubclass(get_plugins().get("prior", "kde"), Prior)


def ring(n, seed):
    g = torch.Generator().manual_seed(seed)
    angle = torch.rand(n, generator=g) * 2 * math.pi
    r = 2.0 + 0.1 * torch.randn(n, generator=g)
    return torch.stack([r * angle.cos(), r * angle.sin()], 1)


@pytest.mark.slow
def test_code_gan_prior_learns_a_non_gaussian_code_set_and_resumes_exactly(tmp_path):
    from lpbench import Budget
    from lpbench_models.priors.code_gan import CodeGANPrior

    codes, held = ring(1000, 0), ring(1000, 1)
    budget = Budget("t", epochs=1, batch_size=100, eval_samples=10, aux_epochs=20)

    def fit(run_dir, stop=None):
        torch.manual_seed(0)
        prior = CodeGANPrior(2, {"hidden": 64})
        c = PriorContext(seed=0, run_dir=run_dir, total_steps=0, batch_size=100, budget=budget, checkpoint_every=50)
        if stop is not None:  # an interrupted fit: the budget's steps cut short
            c.budget = Budget("t", epochs=1, batch_size=100, eval_samples=10, aux_epochs=stop / 10)
        prior.fit(codes, c)
        return prior, c

    prior, c = fit(tmp_path / "a")
    assert c.total_steps == 200  # 20 passes over 1000 codes in batches of 100 (App. E)
    z = prior.sample(1000, torch.Generator().manual_seed(0))
    normal = NormalPrior(2).sample(1000, torch.Generator().manual_seed(0))
    assert mmd(held, z) < 0.5 * mmd(held, normal)
    assert torch.equal(z, roundtrip(prior, CodeGANPrior, 2).sample(1000, torch.Generator().manual_seed(0)))

    fit(tmp_path / "b", stop=100)
    resumed, _ = fit(tmp_path / "b")
    assert torch.equal(
        resumed.sample(50, torch.Generator().manual_seed(5)), prior.sample(50, torch.Generator().manual_seed(5))
    )


@pytest.mark.slow
def test_flow_prior_beats_normal_in_heldout_likelihood_on_a_non_gaussian_set(tmp_path):
    from lpbench import Budget
    from lpbench_models.priors.flow import FlowPrior

    codes, held = ring(2000, 0), ring(1000, 1)
    budget = Budget("t", epochs=1, batch_size=200, eval_samples=10, aux_epochs=10)
    prior = FlowPrior(2, {"hidden": 16, "blocks": 2, "lr": 3e-3})
    c = PriorContext(seed=0, run_dir=tmp_path, total_steps=budget.aux_steps(len(codes)), batch_size=200, budget=budget)
    prior.fit(codes, c)
    flow_nll = -prior.log_prob(held).mean().item()
    normal_nll = -NormalPrior(2).log_prob(held).mean().item()
    assert flow_nll < normal_nll - 0.5, (flow_nll, normal_nll)
    z = prior.sample(1000, torch.Generator().manual_seed(0))
    assert mmd(held, z) < 0.5 * mmd(held, NormalPrior(2).sample(1000, torch.Generator().manual_seed(0)))
    clone = roundtrip(prior, FlowPrior, 2)
    assert torch.allclose(clone.log_prob(held[:20]), prior.log_prob(held[:20]))
    assert [r["step"] for r in c.curves][-1] == c.total_steps - 1  # the budget's aux steps were run


@pytest.mark.slow
def test_two_stage_prior_moves_towards_a_shifted_scaled_gaussian(tmp_path):
    """A short fit: the mean is learned and the samples are far closer to the codes than N(0, I).
    (Its variances converge slowly — γ starts at 1 and dimensions below it collapse first, Dai &
    Wipf 2019 §4 — so a fast test does not check them.)"""
    from lpbench import Budget
    from lpbench_models.priors.two_stage import TwoStagePrior

    g = torch.Generator().manual_seed(0)
    codes = torch.randn(2000, 3, generator=g) * torch.tensor([0.5, 2.0, 1.0]) + torch.tensor([3.0, -1.0, 0.0])
    budget = Budget("t", epochs=1, batch_size=200, eval_samples=10, aux_epochs=40)
    torch.manual_seed(0)
    prior = TwoStagePrior(3, {"hidden": 64, "depth": 2, "lr": 1e-3})
    prior.fit(
        codes,
        PriorContext(seed=0, run_dir=tmp_path, total_steps=budget.aux_steps(len(codes)), batch_size=200, budget=budget),
    )
    z = prior.sample(4000, torch.Generator().manual_seed(1))
    np.testing.assert_allclose(z.mean(0), [3.0, -1.0, 0.0], atol=0.25)
    normal = NormalPrior(3).sample(4000, torch.Generator().manual_seed(1))
    assert mmd(codes, z) < 0.3 * mmd(codes, normal)
    clone = roundtrip(prior, TwoStagePrior, 3)
    assert torch.equal(
        clone.sample(10, torch.Generator().manual_seed(2)), prior.sample(10, torch.Generator().manual_seed(2))
    )


def test_gap_is_positive_when_samples_score_worse_than_the_ceiling_in_either_direction():
    from lpbench.prior_axis import gaps

    prov = {"fid": {"metric": "fid"}, "is": {"metric": "is"}, "is_std": {"metric": "is"}}
    out = gaps(
        {"fid": 10.0, "is": 5.0, "is_std": 0.5},
        {"fid": 2.0, "is": 8.0, "is_std": 0.1},
        {"fid": False, "is": True, "is_std": True},
        prov,
    )
    assert out == {"fid": 8.0, "is": 3.0}  # companions (is_std) have no gap
