"""GAN-based models with learned or reshaped priors (issue 4), the masked/weighted resampling,
generator reversal, and the modes/hq metrics."""

import numpy as np
import pytest
import torch

import lpbench
from lpbench import Budget, DataSplit, Evaluation, ModelConfig, RunContext
from lpbench.testing import read_json, toy_images
from lpbench_datasets.synthetic import EightGaussians
from lpbench_metrics.modes import HighQuality, ModesCovered
from lpbench_models.aae import AAE, AAELearnedPrior
from lpbench_models.gan import GAN, MaskedGAN, WeightedGAN
from lpbench_models.pgan import PGAN
from lpbench_models.prior_resampling import masked_indices, unit_scores, weighted_indices

MODELS = [GAN, MaskedGAN, WeightedGAN, PGAN, AAE, AAELearnedPrior]
TINY = {
    "points": {
        "type": "mlp",
        "encoder_hidden": [16, 16],
        "decoder_hidden": [16, 16],
        "discriminator_hidden": [16, 16],
        "activation": "relu",
        "discriminator_activation": "tanh",
    },
    "image": {"type": "conv", "conv_channels": [4, 8], "fc_hidden": 16},
}
FAST = {  # small pre-samples, reversal and secondary nets keep every model at a few steps' cost
    "presample": 64,
    "reversal_steps": 20,
    "prior_hidden": 16,
    "prior_batch": 16,
    "code_hidden": 16,
}


def make(cls, kind="points", **hp):
    shape = (1, 8, 8) if kind == "image" else (2,)
    hparams = {**cls.defaults, **{k: v for k, v in FAST.items() if k in cls.defaults}, **hp}
    return cls(ModelConfig(hparams, TINY[kind], 3, kind, shape, num_classes=10 if kind == "image" else 8))


def toy(kind="points", n=96):
    if kind == "image":
        return toy_images(n, labelled=True)
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 8, (n,), generator=g)
    x = EightGaussians().centers()[y] + 0.02 * torch.randn(n, 2, generator=g)
    return DataSplit(x, y, "points", "toy", "train")


BUDGET = Budget("t", epochs=1, batch_size=16, eval_samples=16, aux_epochs=0.5)


# ------------------------------------------------------------------------------ resampling


def test_masked_resampling_keeps_the_top_r_and_draws_them_uniformly():
    scores = torch.tensor([0.9, 0.1, 0.5, 0.8, 0.3, 0.7, 0.2, 0.6, 0.4, 0.0])
    idx = masked_indices(scores, 0.3, 60_000, torch.Generator().manual_seed(0))
    assert set(idx.tolist()) == {0, 3, 5}  # the 30 % highest-scored
    freq = torch.bincount(idx, minlength=10)[[0, 3, 5]].double() / len(idx)
    assert torch.allclose(freq, torch.full((3,), 1 / 3, dtype=torch.float64), atol=0.01)
    assert set(masked_indices(scores, 1.0, 5000, torch.Generator().manual_seed(1)).tolist()) == set(range(10))
    with pytest.raises(ValueError, match="rate"):
        masked_indices(scores, 0.0, 4)


def test_weighted_resampling_draws_in_proportion_to_the_weights():
    w = torch.tensor([1.0, 2.0, 3.0, 4.0, 0.0])
    idx = weighted_indices(w, 100_000, torch.Generator().manual_seed(0))
    freq = torch.bincount(idx, minlength=5).double() / len(idx)
    assert torch.allclose(freq, (w / w.sum()).double(), atol=0.006)
    assert freq[4] == 0
    with pytest.raises(ValueError):
        weighted_indices(torch.zeros(3), 4)


def test_score_links_map_into_the_unit_interval():
    s = torch.tensor([-3.0, 0.0, 5.0, 1.0])
    u = unit_scores(s, "minmax", floor=0.01)
    assert u.min() == pytest.approx(0.01) and u.max() == pytest.approx(1.0)
    assert torch.equal(u.argsort(), s.argsort())  # increasing in the score (paper eq. 5)
    # a WGAN critic is defined up to an offset and drifts in scale: the weights must not care
    assert torch.allclose(unit_scores(7 * s - 100, "minmax", 0.01), u)
    assert torch.allclose(unit_scores(s, "probability"), torch.sigmoid(s))
    assert torch.equal(unit_scores(torch.full((4,), 2.0), "minmax"), torch.ones(4))


def test_masked_gan_trains_on_the_codes_the_discriminator_scores_highest():
    torch.manual_seed(0)
    model = make(MaskedGAN, presample=200, rate=0.25)
    z = model.train_latents(500)
    s_kept = model.scores(z)
    s_all = model.scores(model.noise(20_000))
    assert s_kept.min() >= torch.quantile(s_all, 0.70)  # within sampling error of the 75th percentile


def test_the_papers_sigmoid_critic_gives_weights_proportional_to_its_score():
    # masked/weighted paper Table 1 (critic ends in a sigmoid) and §3.1 / Eq. 7: w ∝ s, s ∈ [0, 1]
    s = torch.tensor([0.1, 0.2, 0.3, 0.4])
    assert torch.equal(unit_scores(s, "identity"), s)
    with pytest.raises(ValueError, match="identity"):
        unit_scores(torch.tensor([-0.5, 0.5]), "identity")
    torch.manual_seed(0)
    model = make(WeightedGAN, loss="wgan", critic_output="sigmoid")
    assert model.link() == "identity"
    z = model.noise(300)
    score = model.scores(z)
    assert 0 < score.min() and score.max() < 1
    assert torch.allclose(score, torch.sigmoid(model.D(model.G(z))).flatten())
    # the NS path: s is D's probability σ(logit), and the weights are s itself
    ns = make(WeightedGAN, loss="ns")
    assert ns.link() == "probability"
    logits = ns.scores(z)
    assert torch.allclose(unit_scores(logits, ns.link()), torch.sigmoid(logits))
    with pytest.raises(ValueError, match="critic_output"):
        make(GAN, loss="ns", critic_output="sigmoid")


@pytest.mark.parametrize("cls", [MaskedGAN, WeightedGAN], ids=lambda c: c.name)
def test_masked_and_weighted_indices_do_not_depend_on_batchnorm_state(cls):
    torch.manual_seed(0)
    model = make(cls, "image", presample=64)
    model.G.train(), model.D.train()
    buffers = {
        k: v.clone()
        for net in (model.G, model.D)
        for k, v in net.state_dict().items()
        if "running" in k or "num_batches" in k
    }
    assert buffers
    torch.manual_seed(1)
    z_train_mode = model.train_latents(16)
    after = {k: v for net in (model.G, model.D) for k, v in net.state_dict().items() if k in buffers}
    assert all(torch.equal(buffers[k], after[k]) for k in buffers)  # scoring updated no running statistic
    assert model.G.training and model.D.training  # and left the modes as they were
    model.G.eval(), model.D.eval()
    torch.manual_seed(1)
    assert torch.equal(model.train_latents(16), z_train_mode)  # the same batch whatever the BN mode
    # a code's score is s(z) alone, not a function of the other pre-sampled codes
    z = model.noise(64)
    assert torch.allclose(model.scores(z)[:5], model.scores(z[:5]), atol=1e-6)


def test_the_papers_scale_tanh_generator_and_radius_inside_the_unit_square():
    # masked/weighted paper Table 1: the generator ends in tanh, so samples lie in (−1, 1)²
    arch = {**TINY["points"], "decoder_output": "tanh"}
    model = GAN(ModelConfig({**GAN.defaults, "prior": "uniform"}, arch, 2, "points", (2,)))
    x = model.decode(100 * torch.randn(500, 2))
    assert x.abs().max() <= 1 and isinstance(model.G[-1], torch.nn.Tanh)  # float32 tanh saturates at ±1
    data = EightGaussians({"radius": 0.8}).load("train", 0)
    assert data.x.abs().max() < 1 and EightGaussians({"radius": 0.8}).centers().norm(dim=1).max() == pytest.approx(0.8)
    with pytest.raises(ValueError, match="decoder_output"):
        GAN(ModelConfig(dict(GAN.defaults), {**arch, "decoder_output": "relu"}, 2, "points", (2,)))


def test_gan_prior_sigma_is_moment_matched_to_its_prior():
    assert make(GAN, prior="uniform").prior_sigma == pytest.approx(3**-0.5)  # Var U(−1, 1) = 1/3
    assert make(GAN, prior="normal").prior_sigma == 1.0


# -------------------------------------------------------------------------------- models


@pytest.mark.parametrize("kind", ["points", "image"])
@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.name)
def test_each_model_trains_a_few_steps_with_the_right_shapes(cls, kind, tmp_path):
    torch.manual_seed(0)
    data = toy(kind)
    model = make(cls, kind)
    ctx = RunContext(seed=0, run_dir=tmp_path, total_steps=BUDGET.steps(len(data)), log_every=1)
    model.fit(data, BUDGET, ctx)
    ctx.finish()
    assert ctx.curves and all(np.isfinite(v) for row in ctx.curves for v in row.values())
    assert (tmp_path / "curves.json").exists() and read_json(tmp_path / "curves.json")
    s = model.sample(10, torch.Generator().manual_seed(1))
    assert s.shape == (10, *data.item_shape) and s.dtype == torch.float32 and torch.isfinite(s).all()
    if kind == "image":
        assert 0 <= s.min() and s.max() <= 1
    z = model.sample_prior(7, torch.Generator().manual_seed(2))
    assert z.shape == (7, 3)
    assert model.decode(z).shape == (7, *data.item_shape)
    if model.has("encode"):
        assert model.encode(data.batch(torch.arange(5))).shape == (5, 3)


def test_pgan_spends_the_budget_in_its_stages_and_reverses_the_training_set(tmp_path):
    torch.manual_seed(0)
    data, model = toy(), make(PGAN)
    ctx = RunContext(seed=0, run_dir=tmp_path, total_steps=BUDGET.steps(len(data)), log_every=1)
    model.fit(data, BUDGET, ctx)
    t1, aux, total = model.stages(len(data), BUDGET, BUDGET.steps(len(data)))
    assert (t1, aux, total) == (5, 3, 6)  # 6 G steps (1 continued on h), 0.5 · 96 / 16 prior steps
    assert ctx.total_steps == total + aux
    steps = [r["step"] for r in ctx.curves]
    assert steps == list(range(total + aux))
    assert all("prior_g_loss" in r for r in ctx.curves if t1 <= r["step"] < t1 + aux)
    assert model.reversed.codes.shape == (len(data), 3) and model.reversed.errors.shape == (len(data),)
    assert model.use_h  # samples come from G(h(z'))
    u = torch.randn(5, 3)
    assert torch.allclose(model.decode_noise(u), model.G(model.H(u)))  # pag_learned reverses G∘h
    notes = ctx.notes["pgan"]  # run.json "training.pgan"
    assert notes["secondary_gan"]["steps"] == aux and notes["secondary_gan"]["allowance"] == aux
    assert not notes["secondary_gan"]["converged"]  # 3 steps: no check happened
    spread = notes["spread"]
    assert len(spread["h_principal_std"]) == len(spread["codes_principal_std"]) == 3
    assert spread["codes_principal_std"] == sorted(spread["codes_principal_std"], reverse=True)
    assert notes["reversal"]["n"] == len(data) and 0 <= notes["reversal"]["converged_fraction"] <= 1


def test_pgan_reversal_max_n_reverses_a_seeded_subset_of_the_training_points(tmp_path):
    data = toy()
    codes = []
    for run in range(2):
        torch.manual_seed(0)
        model = make(PGAN, reversal_max_n=7)
        model.fit(data, BUDGET, RunContext(seed=0, run_dir=tmp_path / str(run), total_steps=BUDGET.steps(len(data))))
        codes.append(model.reversed.codes)
    assert codes[0].shape == (7, 3) and torch.equal(codes[0], codes[1])
    with pytest.raises(ValueError, match="reversal_max_n"):
        make(PGAN, reversal_max_n=-1)


def test_pgan_secondary_gan_stops_when_its_frechet_distance_stops_improving(tmp_path):
    torch.manual_seed(0)
    data = toy()
    # a check every step, windows of one check, and no drop ever counts (a 100 % drop is needed):
    # it stops at the 2nd check
    model = make(PGAN, prior_check_every=1, prior_window=1, prior_min_improvement=1.0)
    budget = Budget("t", epochs=1, batch_size=16, eval_samples=16, aux_epochs=5)
    model.fit(data, budget, RunContext(seed=0, run_dir=tmp_path, total_steps=budget.steps(len(data))))
    assert model.reversed.prior_stopped == 2 and [c[0] for c in model.reversed.prior_checks] == [1, 2]
    aux = model.stages(len(data), budget, budget.steps(len(data)))[1]
    assert aux == 30 and model.summary(aux, 0)["secondary_gan"]["converged"]


def test_pgan_stopping_rule_compares_window_means_so_a_swing_does_not_stop_a_falling_curve():
    from lpbench_models.pgan import stalled

    falling_with_swings = [12, 10, 13, 9, 12, 9, 11, 8, 10, 7, 9, 6, 8, 5, 7]  # ±2 around a falling trend
    assert not any(stalled(falling_with_swings[:n], 5, 0.01) for n in range(1, len(falling_with_swings) + 1))
    # the old "no new best in 5 checks" test would have stopped it at its 7th check
    flat_with_swings = [8, 10, 7, 9, 8, 10, 7, 9, 8, 10]
    assert stalled(flat_with_swings, 5, 0.01)
    assert not stalled(flat_with_swings[:9], 5, 0.01)  # two full windows are needed
    assert stalled([10] * 5 + [9.95] * 5, 5, 0.01) and not stalled([10] * 5 + [9.8] * 5, 5, 0.01)


def test_aae_learned_prior_with_conditions(tmp_path):
    for condition in ("supervised", "unsupervised"):
        torch.manual_seed(0)
        model = make(AAELearnedPrior, "image", condition=condition, categories=4)
        ctx = RunContext(seed=0, total_steps=3, log_every=1)
        model.fit(toy("image"), BUDGET, ctx)
        assert all(np.isfinite(r["info"]) and r["info"] > 0 for r in ctx.curves)
    with pytest.raises(ValueError, match="aae_learned_prior"):
        make(AAE, condition="unsupervised")


def test_residual_code_generator_starts_at_the_fixed_prior_it_learns_to_transform():
    torch.manual_seed(0)
    learned, fixed = make(AAELearnedPrior, "image"), make(AAE, "image")
    codes = learned.sample_prior(500, torch.Generator().manual_seed(3))
    assert torch.equal(codes, fixed.sample_prior(500, torch.Generator().manual_seed(3)))
    # after one step f is no longer zero: the prior moves away from N(0, I)
    model = make(AAELearnedPrior, "image")
    model.fit(toy("image"), BUDGET, RunContext(seed=0, total_steps=2, log_every=1))
    assert not torch.equal(model.sample_prior(500, torch.Generator().manual_seed(3)), codes)
    # the plain MLP at its default init: codes far narrower than the N(0, I) they are drawn from
    plain = make(AAELearnedPrior, "image", code_generator="mlp").sample_prior(500, torch.Generator().manual_seed(3))
    assert plain.var(0).sum() < 0.1 * codes.var(0).sum()
    with pytest.raises(ValueError, match="code_generator"):
        make(AAELearnedPrior, code_generator="resnet")


def test_bad_hyperparameters_are_clear_errors():
    with pytest.raises(ValueError, match="loss"):
        make(GAN, loss="hinge")
    with pytest.raises(ValueError, match="rate"):
        make(MaskedGAN, rate=1.5)
    with pytest.raises(ValueError, match="critic_output"):
        make(GAN, critic_output="softmax")


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.name)
def test_checkpoint_restore_gives_identical_samples(cls, tmp_path):
    torch.manual_seed(0)
    model = make(cls, generation="masked") if "generation" in cls.defaults else make(cls)
    model.fit(toy(), BUDGET, RunContext(seed=0, run_dir=tmp_path, total_steps=4))
    clone = make(cls, generation="masked") if "generation" in cls.defaults else make(cls)
    clone.load_state_dict(model.state_dict())
    a = model.sample(32, torch.Generator().manual_seed(3))
    b = clone.sample(32, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


class _Killed(Exception):
    pass


class _KilledAt(RunContext):
    """A run that dies right after step `kill_at`'s checkpoint."""

    def __init__(self, kill_at, **kw):
        super().__init__(**kw)
        self.kill_at = kill_at

    def end_step(self, step, **values):
        super().end_step(step, **values)
        if step + 1 == self.kill_at:
            raise _Killed


@pytest.mark.parametrize(
    "cls,kill_at",
    [(WeightedGAN, 3), (PGAN, 2), (PGAN, 6), (PGAN, 8)],
    ids=["weighted_gan", "pgan-gan", "pgan-prior", "pgan-continued"],
)
def test_resume_from_a_mid_run_checkpoint_matches_an_uninterrupted_run(cls, kill_at, tmp_path):
    data = toy()
    total = BUDGET.steps(len(data))

    def ctx_for(run_dir, kill=None):
        kw = dict(seed=0, run_dir=run_dir, total_steps=total, checkpoint_every=1)
        return _KilledAt(kill, **kw) if kill else RunContext(**kw)

    torch.manual_seed(0)
    full = make(cls)
    full.fit(data, BUDGET, ctx_for(tmp_path / "a"))
    torch.manual_seed(0)
    with pytest.raises(_Killed):
        make(cls).fit(data, BUDGET, ctx_for(tmp_path / "b", kill=kill_at))
    torch.manual_seed(123)  # resume must not depend on the fresh process's RNG
    resumed = make(cls)
    ctx = ctx_for(tmp_path / "b")
    resumed.fit(data, BUDGET, ctx)
    assert ctx.resumed_from == kill_at
    for net, state in full.state_dict().items():
        for k, v in state.items():
            assert torch.allclose(v, resumed.state_dict()[net][k]), (net, k)


# ------------------------------------------------------------------------------- reversal


def _known_generator():
    """G(z) = A₂ tanh(A₁z) into 64 outputs, its Jacobian's singular values ≈ 1.3-3.2: injective,
    and plain gradient descent at the paper's η = 0.05 on ½‖G(z) − x‖² is stable and contracts."""
    g = torch.Generator().manual_seed(0)
    a1 = 0.8 * torch.linalg.qr(torch.randn(3, 3, generator=g))[0]
    a2 = torch.linalg.qr(torch.randn(64, 3, generator=g))[0] @ torch.diag(torch.tensor([4.0, 3.0, 2.0]))
    return lambda z: torch.tanh(z @ a1.T) @ a2.T


@pytest.mark.slow
def test_reversal_at_the_papers_settings_recovers_known_codes_and_stops_early():
    G = _known_generator()
    z_true = 0.5 * torch.randn(40, 3, generator=torch.Generator().manual_seed(2))
    x = G(z_true)
    # PGAN App. E / Algorithm 1: plain gradient descent, η = 0.05, z₀ ~ N(0, 1e-4² I)
    kw = dict(steps=5000, lr=0.05, init_std=1e-4, tol=1e-4, optimizer="sgd", generator=torch.Generator().manual_seed(1))
    rev = lpbench.reverse(G, x, 3, **kw)
    assert rev.codes.shape == (40, 3) and rev.errors.shape == (40,)
    assert bool(rev.converged.all())  # every code met the convergence test...
    assert int(rev.steps.max()) < 1000  # ...long before the cap: "until converged" stops early
    assert torch.allclose(rev.codes, z_true, atol=5e-3)  # G is injective: the codes themselves come back
    assert rev.errors.max() < 1e-5
    kw["generator"] = torch.Generator().manual_seed(1)
    rev7 = lpbench.reverse(G, x, 3, batch_size=7, **kw)  # batching changes no code (up to float rounding,
    # which at the loss floor can move a code's stop by one test window)
    assert torch.allclose(rev7.codes, rev.codes, atol=1e-5) and (rev7.steps == rev.steps).float().mean() >= 0.9


def test_one_reversal_step_is_algorithm_1s_step_on_the_summed_loss():
    G = _known_generator()
    x = G(torch.randn(5, 3, generator=torch.Generator().manual_seed(4)))
    z0 = torch.randn(5, 3, generator=torch.Generator().manual_seed(5)) * 1e-4
    z = z0.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(0.5 * (G(z) - x).pow(2).sum(), z)  # ½‖G(z) − x‖², summed over the 64 outputs
    rev = lpbench.reverse(G, x, 3, steps=1, lr=0.05, init_std=1e-4, generator=torch.Generator().manual_seed(5))
    assert torch.allclose(rev.codes, z0 - 0.05 * grad, atol=1e-7)
    # a per-output mean would have moved it 2/64 as far: the difference is measurable
    assert (rev.codes - z0).norm() > 10 * (2 / 64) * (0.05 * grad).norm()


def test_reversal_with_adam_is_an_option_and_bad_settings_are_refused():
    G = _known_generator()
    z_true = 0.5 * torch.randn(20, 3, generator=torch.Generator().manual_seed(2))
    rev = lpbench.reverse(
        G, G(z_true), 3, steps=3000, lr=0.01, tol=0.0, optimizer="adam", generator=torch.Generator().manual_seed(1)
    )
    assert torch.allclose(rev.codes, z_true, atol=1e-2)
    with pytest.raises(ValueError, match="optimizer"):
        lpbench.reverse(G, G(z_true), 3, optimizer="lbfgs")
    with pytest.raises(ValueError, match="lr > 0"):
        lpbench.reverse(G, G(z_true), 3, lr=0.0)


# -------------------------------------------------------------------------------- metrics


def _ev(samples, data=None):
    ds = EightGaussians()
    return Evaluation("eight_gaussians", "points", samples, samples, data=ds if data is None else data)


def test_modes_and_hq_on_real_collapsed_and_missing_samples():
    ds = EightGaussians()
    real = ds.load("test", seed=0).x[:1000]
    modes, hq = ModesCovered(), HighQuality()
    assert modes.compute(_ev(real)) == {"modes": 8}
    # a 2-D Gaussian keeps 1 − exp(−9/2) = 98.9 % of its mass within 3σ of its center
    assert hq.compute(_ev(real))["hq"] == pytest.approx(100 * (1 - np.exp(-4.5)), abs=1.0)
    collapsed = ds.centers()[torch.zeros(1000, dtype=torch.long)] + 0.01 * torch.randn(1000, 2)
    assert modes.compute(_ev(collapsed)) == {"modes": 1}
    assert hq.compute(_ev(collapsed))["hq"] == 100.0
    assert hq.compute(_ev(torch.zeros(1000, 2)))["hq"] == 0.0 and modes.compute(_ev(torch.zeros(1000, 2)))["modes"] == 0


def test_a_mode_needs_enough_samples_to_count():
    c = EightGaussians().centers()
    # 995 samples on mode 0, 5 on mode 1: 5 < 0.8 % of 1000 = 8, so mode 1 is not covered...
    x = torch.cat([c[[0]].repeat(995, 1), c[[1]].repeat(5, 1)])
    assert ModesCovered().compute(_ev(x)) == {"modes": 1}
    # ...but 8 are enough
    x = torch.cat([c[[0]].repeat(992, 1), c[[1]].repeat(8, 1)])
    assert ModesCovered().compute(_ev(x)) == {"modes": 2}


def test_mode_metrics_need_a_dataset_with_known_modes():
    ev = Evaluation("digits", "points", torch.zeros(10, 2), torch.zeros(10, 2))
    with pytest.raises(lpbench.LpbenchError, match="centers"):
        ModesCovered().compute(ev)


@pytest.mark.slow
def test_run_and_score_evaluate_modes_and_hq_from_the_dataset(cli, tmp_path):
    runs = tmp_path / "runs"
    res = cli(
        "run",
        "--models",
        "weighted_gan",
        "--dataset",
        "eight_gaussians",
        "--budget",
        "smoke",
        "--set",
        "data.n_train=2000",
        "--set",
        "budget.eval_samples=100",
        "--runs-dir",
        runs,
        "--quiet",
    )
    assert res.exit_code == 0, res.output
    rec = read_json(runs / "eight_gaussians/smoke/weighted_gan/seed0/run.json")
    assert rec["status"] == "completed", rec["error"]
    assert {"emd", "modes", "hq"} <= set(rec["metrics"])
    real = EightGaussians().load("train", seed=5).x[:500].numpy()
    np.save(tmp_path / "real.npy", real)
    res = cli("score", tmp_path / "real.npy", "--dataset", "eight_gaussians", "--metrics", "modes,hq", "--json")
    assert res.exit_code == 0, res.output
    import json

    values = json.loads(res.output)
    assert values["modes"] == 8 and values["hq"] > 95
