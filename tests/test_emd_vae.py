"""The core's real model and metric: vae and emd."""

import numpy as np
import pytest
import torch

from lpbench import Budget, DataSplit, ModelConfig, RunContext
from lpbench.testing import toy_images
from lpbench_metrics.emd import emd
from lpbench_models.vae import VAE


def test_emd_of_a_shift_is_its_length():
    x = np.random.default_rng(0).normal(size=(300, 2))
    v = np.array([0.3, -0.4])
    assert emd(x, x + v) == pytest.approx(np.linalg.norm(v), rel=1e-9)


def test_emd_equals_assignment_cost():
    from scipy.optimize import linear_sum_assignment
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(200, 3)), rng.normal(1.0, 2.0, size=(200, 3))
    M = cdist(x, y)
    r, c = linear_sum_assignment(M)
    assert emd(x, y) == pytest.approx(M[r, c].mean(), rel=1e-9)


def _arch(kind):
    if kind == "points":
        return {"type": "mlp", "encoder_hidden": [32, 32], "decoder_hidden": [32, 32], "activation": "relu"}
    return {"type": "conv", "conv_channels": [8, 16], "fc_hidden": 32}


def make_vae(kind="image", **hp):
    shape = (1, 8, 8) if kind == "image" else (2,)
    defaults = {**VAE.defaults, **({"likelihood": "gaussian", "decoder_sigma": 0.1} if kind == "points" else {}), **hp}
    return VAE(ModelConfig(defaults, _arch(kind), 4, kind, shape))


@pytest.mark.parametrize("kind", ["image", "points"])
def test_vae_loss_decreases_and_samples_have_the_right_form(kind, tmp_path):
    torch.manual_seed(0)
    data = toy_images() if kind == "image" else DataSplit(torch.randn(256, 2) * 0.5 + 1, None, "points", "toy", "train")
    model = make_vae(kind)
    budget = Budget("t", epochs=30, batch_size=32, eval_samples=16)
    ctx = RunContext(seed=0, run_dir=tmp_path, total_steps=budget.steps(len(data)), log_every=1)
    model.fit(data, budget, ctx)
    losses = [r["loss"] for r in ctx.curves]
    assert np.mean(losses[-10:]) < 0.8 * np.mean(losses[:10])
    s = model.sample(10, torch.Generator().manual_seed(1))
    assert s.shape == (10, *data.item_shape) and s.dtype == torch.float32
    if kind == "image":
        assert 0 <= s.min() and s.max() <= 1
    assert model.encode(data.batch(torch.arange(5))).shape == (5, 4)
    assert model.decode(torch.zeros(3, 4)).shape == (3, *data.item_shape)


def test_vae_checkpoint_restore_gives_identical_samples(tmp_path):
    model = make_vae()
    ctx = RunContext(seed=0, run_dir=tmp_path, total_steps=5)
    model.fit(toy_images(), Budget("t", 5, 32, 16), ctx)
    clone = make_vae()
    clone.load_state_dict(model.state_dict())
    a = model.sample(8, torch.Generator().manual_seed(3))
    b = clone.sample(8, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_vae_resume_from_a_mid_run_checkpoint_matches_an_uninterrupted_run(tmp_path):
    data, budget = toy_images(), Budget("t", epochs=4, batch_size=32, eval_samples=16)
    total = budget.steps(len(data))

    def train(run_dir, stop_at=None):
        torch.manual_seed(0)
        model = make_vae()
        ctx = RunContext(seed=0, run_dir=run_dir, total_steps=stop_at or total, checkpoint_every=5)
        model.fit(data, budget, ctx)
        return model

    full = train(tmp_path / "a")
    train(tmp_path / "b", stop_at=10)  # "killed" after step 10's checkpoint
    torch.manual_seed(123)  # resume must not depend on the fresh process's RNG
    resumed = make_vae()
    ctx = RunContext(seed=0, run_dir=tmp_path / "b", total_steps=total, checkpoint_every=5)
    resumed.fit(data, budget, ctx)
    assert ctx.resumed_from == 10
    for k, v in full.state_dict()["decoder"].items():
        assert torch.allclose(v, resumed.state_dict()["decoder"][k]), k
