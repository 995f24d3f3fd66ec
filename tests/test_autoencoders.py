"""The autoencoder family (issue 3): every model trains, samples, saves and resumes; the latent
priors (flow, GMM, second-stage VAE) are exact where they claim to be."""

import math

import numpy as np
import pytest
import torch

from lpbench import Budget, ModelConfig, RunContext
from lpbench.plugins import get_plugins
from lpbench.registry import Registry
from lpbench.testing import toy_images

MODELS = ["vae", "rae", "wae_gan", "wae_mmd", "two_stage_vae", "glf", "glf_regularized", "vae_flow_prior"]
ARCH = {"type": "conv", "conv_channels": [8, 16], "fc_hidden": 32}
# Small hidden widths keep the tests fast; the registry's values are what runs use.
SMALL = {
    "two_stage_vae": {"second_hidden": 32, "lr": 1e-3, "second_lr": 1e-3},
    "wae_gan": {"adversary_hidden": [32, 32]},
    "glf": {"flow_hidden": 16},
    "glf_regularized": {"flow_hidden": 16},
    "vae_flow_prior": {"flow_hidden": 16},
}


def make(name, latent=4, **hp):
    cls = get_plugins().get("model", name)
    return cls(ModelConfig({**cls.defaults, **SMALL.get(name, {}), **hp}, ARCH, latent, "image", (1, 8, 8)))


def fit(model, data, run_dir, epochs=20, aux_epochs=20, stop_at=None, checkpoint_every=1000, total=None):
    budget = Budget("t", epochs=epochs, batch_size=32, eval_samples=16, aux_epochs=aux_epochs)
    ctx = RunContext(
        seed=0,
        run_dir=run_dir,
        total_steps=total or budget.steps(len(data)),
        log_every=1,
        checkpoint_every=checkpoint_every,
    )
    if stop_at is not None:

        def stop(step, tot, row):
            if step > stop_at:
                raise KeyboardInterrupt

        ctx._progress = stop
        with pytest.raises(KeyboardInterrupt):
            model.fit(data, budget, ctx)
    else:
        model.fit(data, budget, ctx)
    return ctx


def _decreases(curves, key):
    v = [r[key] for r in curves if key in r]
    first, last = np.mean(v[:5]), np.mean(v[-5:])
    return last < first - 0.2 * abs(first), (first, last)


@pytest.mark.parametrize("name", MODELS)
def test_model_trains_samples_and_has_latent_capabilities(name, tmp_path):
    torch.manual_seed(0)
    data = toy_images()
    model = make(name)
    ctx = fit(model, data, tmp_path, epochs=10, aux_epochs=10)
    # Two-stage VAE's loss carries (D/2)·log γ, which moves slowly with γ: its squared error is
    # the quantity that must fall within a few steps.
    key = "sse" if name == "two_stage_vae" else "loss"
    ok, vals = _decreases(ctx.curves, key)
    assert ok, f"{name}: {key} did not decrease {vals}"
    if name == "two_stage_vae":
        # (the second stage's own learning is tested on codes it can learn in a few steps below)
        assert sum("loss2" in r for r in ctx.curves) == Budget("t", 10, 32, 16).steps(128)
        assert ctx.curves[-1]["step"] == ctx.total_steps - 1 == 2 * Budget("t", 10, 32, 16).steps(128) - 1
    with torch.no_grad():
        s = model.sample(10, torch.Generator().manual_seed(1))
        z = model.sample_prior(7, torch.Generator().manual_seed(1))
        codes = model.encode(data.batch(torch.arange(5)))
        out = model.decode(torch.zeros(3, 4))
    assert s.shape == (10, 1, 8, 8) and s.dtype == torch.float32
    assert 0 <= s.min() and s.max() <= 1 and torch.isfinite(s).all()
    assert z.shape == (7, 4) and codes.shape == (5, 4) and out.shape == (3, 1, 8, 8)
    assert set(type(model).capabilities()) == {"encode", "decode", "sample_prior"}
    # Deterministic codes: encoding twice gives the same codes (posterior means for VAEs).
    with torch.no_grad():
        assert torch.equal(codes, model.encode(data.batch(torch.arange(5))))


@pytest.mark.parametrize("name", MODELS)
def test_checkpoint_restore_gives_identical_samples(name, tmp_path):
    torch.manual_seed(0)
    model = make(name)
    fit(model, toy_images(), tmp_path, epochs=2, aux_epochs=2)
    buf = __import__("io").BytesIO()
    torch.save(model.state_dict(), buf)  # what the runner writes as model.pt
    buf.seek(0)
    torch.manual_seed(99)  # a clone starts from other weights
    clone = make(name)
    clone.load_state_dict(torch.load(buf, weights_only=True))
    with torch.no_grad():
        a = model.sample(16, torch.Generator().manual_seed(3))
        b = clone.sample(16, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


@pytest.mark.parametrize(
    "name,stop_at", [("rae", 6), ("two_stage_vae", 3), ("two_stage_vae", 11), ("glf", 6), ("wae_gan", 6)]
)
def test_resume_matches_an_uninterrupted_run(name, stop_at, tmp_path):
    """Killed mid-run (for two_stage_vae: in stage 1, then in stage 2), resumed in a fresh model
    and process RNG: same final weights and the same ex-post prior."""
    data = toy_images(64)
    torch.manual_seed(0)
    full = make(name)
    fit(full, data, tmp_path / "a", epochs=4, aux_epochs=4)
    torch.manual_seed(0)
    fit(make(name), data, tmp_path / "b", epochs=4, aux_epochs=4, stop_at=stop_at, checkpoint_every=2)
    torch.manual_seed(123)
    resumed = make(name)
    ctx = fit(resumed, data, tmp_path / "b", epochs=4, aux_epochs=4, checkpoint_every=2)
    assert ctx.resumed_from is not None and 0 < ctx.resumed_from <= stop_at
    _assert_same(full.state_dict(), resumed.state_dict())
    with torch.no_grad():
        assert torch.allclose(
            full.sample(8, torch.Generator().manual_seed(5)),
            resumed.sample(8, torch.Generator().manual_seed(5)),
            atol=1e-6,
        )


def _assert_same(a, b, where=""):
    if isinstance(a, dict):
        assert set(a) == set(b), where
        for k in a:
            _assert_same(a[k], b[k], f"{where}.{k}")
    elif torch.is_tensor(a):
        assert torch.allclose(a.double(), b.double(), atol=1e-6), where
    else:
        assert a == b, where


def test_two_stage_budget_counts_stage_two_from_aux_epochs(tmp_path):
    model = make("two_stage_vae")
    ctx = fit(model, toy_images(64), tmp_path, epochs=2, aux_epochs=3)
    steps = [r["step"] for r in ctx.curves]
    assert ctx.total_steps == 4 + 6 and steps == list(range(10))
    assert all("loss" in r for r in ctx.curves[:4]) and all("loss2" in r for r in ctx.curves[4:])


# ------------------------------------------------------------------------------------- flow


def _random_flow(dim=4, seed=0):
    """A flow as the GLF code builds it (BatchNorm subnets, clamp 2), with larger random weights
    than its N(0, 0.05²) start and BatchNorm running statistics moved off their initial values,
    in eval mode (a fixed function of z)."""
    from lpbench_models.priors.latent_flow import LatentFlow

    torch.manual_seed(seed)
    flow = LatentFlow(dim, hidden=8, blocks=4, init_std=0.4).double()
    with torch.no_grad():
        for _ in range(5):
            flow(torch.randn(64, dim, dtype=torch.float64) * 1.5 + 0.3)
    return flow.eval()


def test_flow_is_built_as_the_glf_code_builds_it():
    """Blocks of two couplings with Linear-ReLU-BN-Linear-ReLU-BN-Linear nets, one permutation per
    block, every parameter drawn from N(0, 0.05²)."""
    from lpbench_models.priors.latent_flow import LatentFlow

    torch.manual_seed(0)
    flow = LatentFlow(20, hidden=64, blocks=4)
    assert len(flow.blocks) == 4 and len([n for n, _ in flow.named_buffers() if n.startswith("perm")]) == 4
    kinds = [type(m).__name__ for m in flow.blocks[0].s1]
    assert kinds == ["Linear", "ReLU", "BatchNorm1d", "Linear", "ReLU", "BatchNorm1d", "Linear"]
    params = torch.cat([p.flatten() for p in flow.parameters()])
    assert params.std().item() == pytest.approx(0.05, rel=0.05) and abs(params.mean().item()) < 0.005
    assert flow.blocks[0].clamp == 2.0


def test_flow_is_exactly_invertible():
    flow = _random_flow(6)
    z = torch.randn(50, 6, dtype=torch.float64) * 2
    eps, _ = flow(z)
    assert not torch.allclose(eps, z, atol=1e-2)
    assert torch.allclose(flow.inverse(eps), z, atol=1e-10)
    assert torch.allclose(flow(flow.inverse(z))[0], z, atol=1e-10)
    # in train mode too (BatchNorm on the batch): each subnet sees the same batch both ways
    flow.train()
    eps, _ = flow(z)
    assert torch.allclose(flow.inverse(eps), z, atol=1e-8)


def test_flow_log_scale_is_soft_clamped():
    from lpbench_models.priors.latent_flow import CouplingBlock

    block = CouplingBlock(4, 8, clamp=2.0)
    s = torch.tensor([-1e6, -3.0, 0.0, 3.0, 1e6])
    a = block._log_scale(s)
    assert (a.abs() < 2.0).all() and a[2] == 0 and a[3] == pytest.approx(2 * 2 / math.pi * math.atan(1.5))


def test_flow_log_det_equals_brute_force_jacobian():
    from torch.autograd.functional import jacobian

    flow = _random_flow(4)
    z = torch.randn(5, 4, dtype=torch.float64)
    _, logdet = flow(z)
    for i in range(5):
        J = jacobian(lambda v: flow(v[None])[0][0], z[i])
        assert logdet[i].item() == pytest.approx(torch.linalg.slogdet(J)[1].item(), abs=1e-9)


def test_flow_nll_is_a_normalized_density():
    """In 2-D the flow's density integrates to 1 on a grid (the change of variables is right)."""
    flow = _random_flow(2, seed=1)
    g = torch.linspace(-10, 10, 401, dtype=torch.float64)
    zz = torch.stack(torch.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    with torch.no_grad():
        p = (-flow.nll(zz)).exp().sum() * (g[1] - g[0]) ** 2
    assert p.item() == pytest.approx(1.0, abs=1e-3)


@pytest.mark.slow
def test_flow_prior_ex_post_fit_raises_the_likelihood(tmp_path):
    from lpbench import PriorContext
    from lpbench_models.priors.flow import FlowPrior

    torch.manual_seed(0)
    codes = torch.randn(512, 3) * torch.tensor([3.0, 0.3, 1.0]) + 2
    prior = FlowPrior(3, {"lr": 1e-2}).build()
    before = prior.log_prob(codes).mean().item()
    prior.fit(codes, PriorContext(seed=0, total_steps=500, batch_size=128))
    assert prior.log_prob(codes).mean().item() > before + 1.0
    s = prior.sample(4000, torch.Generator().manual_seed(1))
    assert torch.allclose(s.mean(0), codes.mean(0), atol=0.3)


def test_glf_stops_the_nll_gradient_at_the_codes_and_regularized_glf_does_not():
    data = toy_images(32).batch(torch.arange(32))
    for name, reaches_encoder in (("glf", False), ("glf_regularized", True)):
        model = make(name, beta=0.0)  # β = 0: the loss is the NLL alone
        opts = model.make_optimizers()
        for o in opts.values():  # a zero learning rate leaves the weights; the gradients remain
            for g in o.param_groups:
                g["lr"] = 0.0
        model.train_step(data, opts)
        grads = [p.grad for p in model.enc.parameters()]
        has = any(g is not None and g.abs().sum() > 0 for g in grads)
        assert has == reaches_encoder, name
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.prior.flow.parameters())


def test_second_stage_vae_learns_correlated_codes():
    from lpbench import PriorContext
    from lpbench_models.priors.two_stage import TwoStagePrior

    torch.manual_seed(0)
    A = torch.tensor([[1.0, 0.0, 0.0], [0.9, 0.3, 0.0], [-0.5, 0.2, 0.4]])
    codes = torch.randn(2048, 3) @ A.T + torch.tensor([1.0, -2.0, 0.5])
    stage = TwoStagePrior(3, {"hidden": 32, "depth": 2, "lr": 3e-3})
    ctx = PriorContext(seed=0, total_steps=400, batch_size=128, log_every=1)
    stage.fit(codes, ctx)
    losses = [row["loss"] for row in ctx.curves]
    assert np.mean(losses[-20:]) < np.mean(losses[:20]) - 1.0
    s = stage.sample(4000, torch.Generator().manual_seed(1))
    assert torch.allclose(s.mean(0), codes.mean(0), atol=0.2)
    assert torch.corrcoef(s.T)[0, 1] > 0.6  # the codes' correlation (0.95) is learned, not N(0, I)


# -------------------------------------------------------------------------------------- GMM


def _clusters(n=600, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], dtype=float)
    return torch.from_numpy(centers[rng.integers(0, 4, n)] + rng.normal(0, 0.5, (n, 2))).float()


@pytest.mark.slow
def test_gmm_seeded_fit_is_reproducible_and_survives_a_state_dict():
    from lpbench import PriorContext
    from lpbench_models.priors.gmm import GMMPrior

    z = _clusters()
    a, b = GMMPrior(2, {"n_components": 4}), GMMPrior(2, {"n_components": 4})
    a.fit(z, PriorContext(seed=7))
    b.fit(z, PriorContext(seed=7))
    for k, v in a.state_dict().items():
        if torch.is_tensor(v):
            assert torch.equal(v, b.state_dict()[k]), k
    c = GMMPrior(2)
    c.load_state_dict(a.state_dict())
    assert torch.equal(a.sample(50, torch.Generator().manual_seed(1)), c.sample(50, torch.Generator().manual_seed(1)))
    assert torch.allclose(a.log_prob(z), c.log_prob(z))


def test_gmm_samples_are_shuffled_not_grouped_by_component():
    from lpbench import PriorContext
    from lpbench_models.priors.gmm import GMMPrior

    prior = GMMPrior(2, {"n_components": 4})
    prior.fit(_clusters(), PriorContext(seed=0))
    s = prior.sample(400, torch.Generator().manual_seed(0))
    labels = prior.gmm.predict(s.double().numpy())
    # Grouped output changes label at most 3 times; shuffled output changes it ~300 times.
    assert (np.diff(labels) != 0).sum() > 200
    assert len(set(labels[:40])) == 4  # the first few samples already cover every component


def test_rae_gmm_is_rae_with_the_gmm_prior_fitted_on_the_training_codes(tmp_path):
    """rae_gmm is a composite (registry.yaml): the rae model, then the gmm prior on its training codes."""
    from lpbench import PriorContext

    reg, plugins = Registry.load(), get_plugins()
    assert reg.composites["rae_gmm"]["base"] == "rae" and reg.composites["rae_gmm"]["prior"] == "gmm"
    settings = reg.prior_settings("gmm", plugins)
    assert settings["n_components"] == 10 and settings["covariance_type"] == "full"  # Ghosh et al. 2020 §4
    torch.manual_seed(0)
    model = make("rae")
    data = toy_images()
    fit(model, data, tmp_path, epochs=2)
    with torch.no_grad():
        codes = model.encode(data.batch(torch.arange(len(data)))).cpu()
    prior = plugins.get("prior", "gmm")(model.latent_dim, {**settings, "n_components": 3})
    prior.fit(codes, PriorContext(seed=0))
    s = prior.sample(4000, torch.Generator().manual_seed(0))
    assert torch.allclose(s.mean(0), codes.mean(0), atol=0.1 * codes.std().item() + 1e-3)


@pytest.mark.parametrize("decay", ["all", "deconv_kernels"])
def test_rae_decoder_decay_reaches_exactly_the_parameters_it_names(decay):
    """RAE-L2's λ (as Adam weight decay 2λ) on every decoder parameter (the registry's), or on the
    transposed-convolution kernels alone (the RAE code's kernel_regularizer); never the encoder."""
    model = make("rae", decoder_weight_decay=0.25, decoder_decay=decay)
    kernels = {id(m.weight) for m in model.dec.modules() if isinstance(m, torch.nn.ConvTranspose2d)}
    assert len(kernels) == len(ARCH["conv_channels"])
    wd = {id(p): g["weight_decay"] for g in model.make_optimizers()["ae"].param_groups for p in g["params"]}
    assert all(wd[id(p)] == 0 for p in model.enc.parameters())
    for p in model.dec.parameters():
        assert wd[id(p)] == (0.5 if decay == "all" or id(p) in kernels else 0)
    with pytest.raises(ValueError, match="decoder_decay must be one of all, deconv_kernels"):
        make("rae", decoder_decay="kernels")


def test_a_run_recorded_before_a_setting_existed_is_rebuilt_with_the_behaviour_it_had(cli, tmp_path):
    """load_model fills a hyperparameter the record predates with the model's ``predates`` value
    (else its default), so `lpbench evaluate` and the studies can read runs older than a setting."""
    import json

    from lpbench.runner import load_model
    from lpbench.testing import TINY_RUN

    runs = tmp_path / "runs"
    assert cli("run", "--models", "rae", "--seeds", "0", *TINY_RUN, "--runs-dir", runs).exit_code == 0
    folder = next(runs.glob("*/*/rae/seed0"))
    rec = json.loads((folder / "run.json").read_text())
    del rec["config"]["hparams"]["decoder_decay"]
    (folder / "run.json").write_text(json.dumps(rec))
    model, _ = load_model(folder)
    assert model.hp["decoder_decay"] == "all"
    assert model.sample(5, torch.Generator().manual_seed(0)).shape[0] == 5


# -------------------------------------------------------------------------------------- WAE


def test_imq_mmd_is_unbiased_near_zero_and_grows_with_a_shift():
    from lpbench_models.wae import imq_mmd

    g = torch.Generator().manual_seed(0)
    same = [imq_mmd(torch.randn(64, 4, generator=g), torch.randn(64, 4, generator=g), c=8.0).item() for _ in range(50)]
    shifted = imq_mmd(torch.randn(64, 4, generator=g) + 1.5, torch.randn(64, 4, generator=g), c=8.0).item()
    assert abs(np.mean(same)) < 3 * np.std(same) / np.sqrt(50)
    assert shifted > 10 * np.std(same)


def test_wae_prior_sigma_follows_the_prior_variance_hparam():
    m = make("wae_mmd", prior_var=4.0)
    assert m.prior_sigma == 2.0
    assert make("wae_gan").prior_sigma == 1.0
    z = m.sample_prior(20000, torch.Generator().manual_seed(0))
    assert z.std().item() == pytest.approx(2.0, rel=0.02)


def test_every_model_resolves_from_the_registry_on_every_dataset():
    reg, plugins = Registry.load(), get_plugins()
    for name in MODELS:
        assert name in reg.models, f"{name} has no registry entry"
        for ds in reg.datasets:
            reg.resolve(name, ds, None, plugins)


def test_beta_weighs_the_per_example_sum_of_squared_errors():
    """GLF §3.2 / the authors' code: loss = β·Σ_pixels (x̂ − x)² + NLL, per example, batch mean —
    β is the decoder's inverse variance whatever the image size."""
    x = toy_images(16).batch(torch.arange(16))
    torch.manual_seed(0)
    model = make("glf", beta=3.0)
    opts = model.make_optimizers()
    for o in opts.values():
        for g in o.param_groups:
            g["lr"] = 0.0
    out = model.train_step(x, opts)
    with torch.no_grad():
        sse = (model.dec(model.enc(x)) - x).pow(2).sum() / len(x)
        nll = model.prior.flow.nll(model.enc(x)).mean()
    assert out["rec"].item() == pytest.approx(sse.item(), rel=1e-5)
    assert out["nll"].item() == pytest.approx(nll.item(), rel=1e-5)
    assert out["loss"].item() == pytest.approx(3.0 * sse.item() + nll.item(), rel=1e-5)
    vfp = make("vae_flow_prior", beta=400.0)
    out = vfp.train_step(x, vfp.make_optimizers())
    assert out["loss"].item() == pytest.approx(
        400.0 * out["rec"].item() + out["nll"].item() + out["neg_entropy"].item(), rel=1e-5
    )
