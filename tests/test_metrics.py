"""The metric suite, each metric checked against an independent computation."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from lpbench import FeatureExtractor, LpbenchError, Model, ModelConfig
from lpbench.evaluation import evaluate
from lpbench.plugins import get_plugins

ROOT = Path(__file__).resolve().parents[1]


def metric(name, **settings):
    import yaml

    reg = dict(yaml.safe_load((ROOT / "registry.yaml").read_text())["metrics"].get(name) or {})
    reg.pop("budgets", None)  # per-budget settings (Registry.metric_settings): the base ones here
    return get_plugins().get("metric", name)({**reg, **settings})


def digits(split):
    return get_plugins().get("dataset", "digits")().load(split)


class Uint8Images(torch.utils.data.Dataset):
    def __init__(self, x):
        self.x = x

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i]


# ------------------------------------------------------------------------------ fid / is / kid


def test_fid_is_kid_equal_torch_fidelity_calculate_metrics_on_the_same_images():
    import torch_fidelity

    from lpbench_metrics.extractors.classifier_net import (
        DIGITS_FIDELITY_NAME,
        DIGITS_WEIGHTS,
        register_with_torch_fidelity,
    )

    ref_u8 = digits("test").x[:200]
    g = torch.Generator().manual_seed(0)
    noisy = digits("train").x[:200].float() + 100 * torch.randn(200, 1, 8, 8, generator=g)
    gen_u8 = noisy.round().clamp(0, 255).to(torch.uint8)  # a "model" that blurs digits with noise

    ours, prov, _ = evaluate(
        {m: metric(m) for m in ("fid", "is", "kid")},
        dataset="digits",
        kind="image",
        samples=gen_u8.float() / 255,
        reference=ref_u8.float() / 255,
        extractor=get_plugins().get("feature_extractor", "digits_cnn")(),
    )
    register_with_torch_fidelity()
    direct = torch_fidelity.calculate_metrics(
        input1=Uint8Images(gen_u8),
        input2=Uint8Images(ref_u8),
        cuda=False,
        fid=True,
        isc=True,
        kid=True,
        feature_extractor=DIGITS_FIDELITY_NAME,
        feature_extractor_weights_path=str(DIGITS_WEIGHTS),
        kid_subset_size=100,
        save_cpu_ram=True,
        cache=False,
        verbose=False,
    )
    assert ours["fid"] == pytest.approx(direct[torch_fidelity.KEY_METRIC_FID], rel=1e-4)
    assert ours["is"] == pytest.approx(direct[torch_fidelity.KEY_METRIC_ISC_MEAN], rel=1e-4)
    assert ours["is_std"] == pytest.approx(direct[torch_fidelity.KEY_METRIC_ISC_STD], rel=1e-4)
    assert ours["kid"] == pytest.approx(direct[torch_fidelity.KEY_METRIC_KID_MEAN], rel=1e-4)
    assert ours["kid_std"] == pytest.approx(direct[torch_fidelity.KEY_METRIC_KID_STD], rel=1e-4)
    # subsets of half the set (issue 16): they differ, so kid_std is a spread, not ~1e-7
    assert ours["kid_subset_size"] == 100 and ours["kid_std"] > 0.05 * ours["kid"]
    assert ours["fid"] > 0.1 and ours["kid"] > 0  # the noisy set is measurably different
    assert prov["fid"]["extractor"] == "digits_cnn" and prov["kid"]["n_reference"] == 200


def test_fid_of_a_set_against_itself_is_zero():
    x = digits("test").x.float() / 255
    out, _, _ = evaluate(
        {"fid": metric("fid")},
        dataset="digits",
        kind="image",
        samples=x,
        reference=x,
        extractor=get_plugins().get("feature_extractor", "digits_cnn")(),
    )
    assert abs(out["fid"]) < 1e-3


class LabelLogits(FeatureExtractor):
    """Confident logits for the label stored in pixel (0, 0): a classifier whose predictions we choose."""

    name = "label_logits"
    metric_layers = {"is": "logits"}

    def extract(self, x, device="cpu"):
        labels = (x[:, 0, 0, 0] * 100).round().long()
        # 40: confident, yet every class keeps a probability > 0 (exactly 0 makes 0·log 0 = NaN in IS)
        return {"logits": (40.0 * torch.nn.functional.one_hot(labels, 10)).double().numpy()}


def _images_with_labels(labels):
    x = torch.zeros(len(labels), 1, 8, 8)
    x[:, 0, 0, 0] = torch.as_tensor(labels, dtype=torch.float32) / 100
    return x


@pytest.mark.parametrize("k", [1, 3, 10])
def test_is_of_confident_uniform_predictions_over_k_classes_is_k(k):
    labels = np.arange(10 * 5 * k) % k  # each of the 10 splits holds every class 5 times
    x = _images_with_labels(labels)
    out, _, _ = evaluate(
        {"is": metric("is", samples_shuffle=False)},
        dataset="t",
        kind="image",
        samples=x,
        reference=x,
        extractor=LabelLogits(),
        use_cache=False,
    )
    assert out["is"] == pytest.approx(k, rel=1e-9)


def test_is_of_constant_predictions_is_one():
    x = _images_with_labels([7] * 100)
    out, _, _ = evaluate(
        {"is": metric("is")},
        dataset="t",
        kind="image",
        samples=x,
        reference=x,
        extractor=LabelLogits(),
        use_cache=False,
    )
    assert out["is"] == pytest.approx(1.0, abs=1e-12)


def test_fidelity_metrics_refuse_extractors_without_the_layer():
    x = torch.rand(20, 1, 8, 8)
    with pytest.raises(LpbenchError, match="needs a classifier feature extractor"):
        evaluate(
            {"fid": metric("fid")},
            dataset="digits",
            kind="image",
            samples=x,
            reference=x,
            extractor=get_plugins().get("feature_extractor", "raw")(),
            use_cache=False,
        )


def test_unknown_metric_setting_is_an_error():
    with pytest.raises(LpbenchError, match="no setting 'num_cluster'"):
        get_plugins().get("metric", "prd")({"num_cluster": 20})


# -------------------------------------------------------------------------- one pass and cache


@pytest.mark.slow
def test_one_feature_pass_for_all_metrics_and_the_reference_is_cached(monkeypatch):
    cls = get_plugins().get("feature_extractor", "digits_cnn")
    calls = []
    original = cls.extract
    monkeypatch.setattr(cls, "extract", lambda self, x, device="cpu": calls.append(len(x)) or original(self, x, device))
    ref = digits("test").x[:120].float() / 255
    gen = digits("train").x[:120].float() / 255
    metrics = {m: metric(m) for m in ("fid", "is", "kid", "prd", "emd")}
    first, _, _ = evaluate(metrics, dataset="digits", kind="image", samples=gen, reference=ref, extractor=cls())
    assert calls == [120, 120]  # generated once, reference once, shared by five metrics
    second, _, _ = evaluate(metrics, dataset="digits", kind="image", samples=gen, reference=ref, extractor=cls())
    assert calls == [120, 120, 120]  # the reference came from the cache
    assert first == second


def test_reference_cache_key_includes_the_weights(tmp_path):
    import shutil

    from lpbench_metrics.extractors.classifier_net import DIGITS_WEIGHTS

    cls = get_plugins().get("feature_extractor", "digits_cnn")
    ckpt = torch.load(DIGITS_WEIGHTS, weights_only=True)
    ckpt["state_dict"]["head.bias"] += 1.0
    other = tmp_path / "other.pt"
    torch.save(ckpt, other)
    same = tmp_path / "same.pt"
    shutil.copy(DIGITS_WEIGHTS, same)
    assert cls().weights_id() == cls({"weights": same}).weights_id()
    assert cls().weights_id() != cls({"weights": other}).weights_id()


def test_reference_cache_key_includes_the_data_settings(monkeypatch, tmp_path):
    # eight Gaussians at radius 0.8 must not be scored against a cached radius-2 reference
    from lpbench.evaluation import reference_cache_key
    from lpbench_datasets.synthetic import EightGaussians

    base = dict(
        dataset="eight_gaussians", split="test", n=100, preprocessing="raw", extractor="raw", weights_id=None, seed=0
    )
    wide, paper = EightGaussians().settings, EightGaussians({"radius": 0.8}).settings
    assert reference_cache_key(**base, data_settings=wide) != reference_cache_key(**base, data_settings=paper)
    monkeypatch.setenv("LPBENCH_CACHE", str(tmp_path))
    raw = get_plugins().get("feature_extractor", "raw")()
    emd = {"emd": metric("emd", floor=False)}
    ref2 = EightGaussians().load("test", 0).x[:100]
    ref08 = EightGaussians({"radius": 0.8}).load("test", 0).x[:100]
    kw = dict(dataset="eight_gaussians", kind="points", extractor=raw, cache_seed=0)
    evaluate(emd, samples=ref2, reference=ref2, data=EightGaussians(), **kw)  # fills the cache at radius 2
    out, _, _ = evaluate(emd, samples=ref08, reference=ref08, data=EightGaussians({"radius": 0.8}), **kw)
    assert out["emd"] == pytest.approx(0.0, abs=1e-6)  # scored against its own radius-0.8 reference


def test_packaged_evaluator_is_small_and_its_record_matches():
    from lpbench_metrics.extractors.base import file_sha256
    from lpbench_metrics.extractors.classifier_net import DIGITS_WEIGHTS

    info = json.loads(DIGITS_WEIGHTS.with_suffix(".json").read_text())
    assert DIGITS_WEIGHTS.stat().st_size <= 300_000
    assert info["sha256"] == file_sha256(DIGITS_WEIGHTS)
    assert info["test_accuracy"] >= 0.95 and info["test_size"] == 360


@pytest.mark.slow
def test_train_evaluator_is_deterministic(cli, tmp_path, project_registry, write_registry):
    project_registry["extractors"]["digits_cnn"]["epochs"] = 1
    reg = write_registry(project_registry)
    outs = []
    for name in ("a", "b"):
        res = cli("--registry", reg, "train-evaluator", "--dataset", "digits", "--out", tmp_path / name / "w.pt", "-q")
        assert res.exit_code == 0, res.output
        info = json.loads((tmp_path / name / "w.json").read_text())
        assert 0.1 < info["test_accuracy"] <= 1 and info["settings"]["epochs"] == 1
        outs.append(info["sha256"])
    assert outs[0] == outs[1]
    assert cli("train-evaluator", "--dataset", "eight_gaussians").exit_code == 2  # raw is not trainable


# --------------------------------------------------------------------------- inception offline


def test_inception_weights_missing_and_not_downloadable_is_a_clear_error(monkeypatch, tmp_path):
    from lpbench_metrics.extractors.inception import resolve_inception_weights

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("LPBENCH_INCEPTION_WEIGHTS", raising=False)
    monkeypatch.setattr(
        "torch_fidelity.feature_extractor_inceptionv3.URL_INCEPTION_V3", "http://127.0.0.1:9/weights-inception.pth"
    )  # nothing listens there
    with pytest.raises(LpbenchError, match="--inception-weights PATH"):
        resolve_inception_weights()
    monkeypatch.setenv("LPBENCH_INCEPTION_WEIGHTS", str(tmp_path / "nope.pth"))
    with pytest.raises(LpbenchError, match="LPBENCH_INCEPTION_WEIGHTS"):
        resolve_inception_weights()
    given = tmp_path / "w.pth"
    given.write_bytes(b"x")
    assert resolve_inception_weights(str(given)) == str(given)


def test_score_with_absent_inception_weights_exits_2(cli, tmp_path):
    imgs = np.random.default_rng(0).integers(0, 256, size=(12, 3, 32, 32), dtype=np.uint8)
    np.save(tmp_path / "x.npy", imgs)
    res = cli(
        "score",
        tmp_path / "x.npy",
        "--dataset",
        "cifar10",
        "--reference",
        tmp_path / "x.npy",
        "--metrics",
        "fid",
        "--inception-weights",
        tmp_path / "missing.pth",
    )
    assert res.exit_code == 2 and "missing.pth" in res.output and "Traceback" not in res.output


# ------------------------------------------------------------------------------------------ prd


def reference_prd(eval_data, ref_data, num_clusters=20, num_angles=1001, num_runs=10, beta=8):
    """The reference algorithm (prd_score.py), written out again in NumPy with seeded k-means."""
    from sklearn.cluster import MiniBatchKMeans

    precisions, recalls = [], []
    for run in range(num_runs):
        data = np.vstack([eval_data, ref_data])
        labels = MiniBatchKMeans(n_clusters=num_clusters, n_init=10, random_state=run).fit(data).labels_
        e = np.histogram(labels[: len(eval_data)], bins=num_clusters, range=[0, num_clusters], density=True)[0]
        r = np.histogram(labels[len(eval_data) :], bins=num_clusters, range=[0, num_clusters], density=True)[0]
        angles = np.linspace(1e-10, np.pi / 2 - 1e-10, num=num_angles)
        slopes = np.tan(angles)
        p = np.minimum(r[None, :] * slopes[:, None], e[None, :]).sum(axis=1)
        precisions.append(np.clip(p, 0, 1))
        recalls.append(np.clip(p / slopes, 0, 1))
    p, r = np.mean(precisions, axis=0), np.mean(recalls, axis=0)

    def f(b):
        return np.max((1 + b**2) * p * r / (b**2 * p + r + 1e-10))

    return f(beta), f(1 / beta)


def _prd(gen, ref, out_dir=None):
    out, _, _ = evaluate(
        {"prd": metric("prd")},
        dataset="t",
        kind="points",
        samples=torch.as_tensor(gen),
        reference=torch.as_tensor(ref),
        extractor=get_plugins().get("feature_extractor", "raw")(),
        use_cache=False,
        out_dir=out_dir,
    )
    return out


def test_prd_equals_the_reference_algorithm(tmp_path):
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(200, 2))
    gen = np.vstack([rng.normal(size=(130, 2)), rng.normal(4.0, 1.0, size=(70, 2))])  # a spurious mode
    out = _prd(gen, ref, out_dir=tmp_path)
    recall, precision = reference_prd(gen, ref)
    assert out["prd_recall"] == pytest.approx(recall, rel=1e-12)
    assert out["prd_precision"] == pytest.approx(precision, rel=1e-12)
    assert out["prd_precision"] < out["prd_recall"]  # the extra mode costs precision
    curve = json.loads((tmp_path / "prd_curve.json").read_text())
    assert len(curve["precision"]) == len(curve["recall"]) == 1001
    assert _prd(gen, ref) == out  # seeded: repeated evaluations agree


def test_prd_of_identical_sets_is_one_and_of_disjoint_sets_is_zero():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 2))
    same = _prd(x, x)
    assert same["prd_recall"] > 0.99 and same["prd_precision"] > 0.99
    apart = _prd(x, x + 100.0)
    assert apart["prd_recall"] < 0.01 and apart["prd_precision"] < 0.01


# ----------------------------------------------------------------------------------- emd floor


def test_emd_floor_is_real_versus_held_out_real():
    from lpbench_metrics.emd import emd

    rng = np.random.default_rng(2)
    ref, gen = (torch.as_tensor(rng.normal(size=(200, 2))) for _ in range(2))
    held = torch.as_tensor(rng.normal(size=(650, 2)))  # three disjoint blocks of 200 (and 50 left over)
    out, prov, _ = evaluate(
        {"emd": metric("emd")},
        dataset="t",
        kind="points",
        samples=gen,
        reference=ref,
        extractor=get_plugins().get("feature_extractor", "raw")(),
        use_cache=False,
        held_out_reference=held,
    )
    floors = [emd(held[k * 200 : (k + 1) * 200].numpy(), ref.numpy()) for k in range(3)]
    assert out["emd_floor_draws"] == 3  # a mean over several draws, not one draw (issue 16)
    assert out["emd_floor"] == pytest.approx(np.mean(floors), rel=1e-12)
    assert out["emd_floor_std"] == pytest.approx(np.std(floors, ddof=1), rel=1e-12) and out["emd_floor_std"] > 0
    assert prov["emd_floor"]["n_reference"] == 200
    out, _, _ = evaluate(
        {"emd": metric("emd")},
        dataset="t",
        kind="points",
        samples=gen,
        reference=ref,
        extractor=get_plugins().get("feature_extractor", "raw")(),
        use_cache=False,
    )
    assert "emd_floor" not in out  # no disjoint real set: no floor


# ------------------------------------------------------------------------------------------ pag


def _kl_to_isotropic(S, sigma):
    """KL(N(0, S) ‖ N(0, σ²I)) = ½ (tr S/σ² − d − ln det S + d ln σ²), via trace and slogdet."""
    d = len(S)
    return 0.5 * (np.trace(S) / sigma**2 - d - np.linalg.slogdet(S)[1] + d * np.log(sigma**2))


def test_pag_equals_the_gaussian_kl_closed_form_in_both_conventions():
    from lpbench_metrics.pag import pag_of_codes

    rng = np.random.default_rng(3)
    scales = np.array([0.5, 1.0, 2.0, 1.5])
    z = rng.normal(size=(500, 4)) * scales  # codes from a known Gaussian N(0, diag scales²)
    sigma = 1.3
    pag, normalized = pag_of_codes(z, sigma)
    assert pag == pytest.approx(_kl_to_isotropic(z.T @ z, sigma), rel=1e-10)  # Eq. 2: ν = raw singular values
    assert normalized == pytest.approx(_kl_to_isotropic(z.T @ z / len(z), sigma), rel=1e-10)  # ν² = s²/N
    big = rng.normal(size=(50_000, 4)) * scales  # and the population value for large N
    r = scales**2 / sigma**2
    assert pag_of_codes(big, sigma)[1] == pytest.approx(0.5 * np.sum(r - 1 - np.log(r)), rel=0.02)
    with pytest.raises(ValueError, match="σ > 0"):
        pag_of_codes(z, 0.0)


def test_pag_of_the_papers_uniform_prior_uses_its_moment_matched_sigma():
    from lpbench_metrics.pag import pag_of_codes

    u = np.random.default_rng(5).uniform(-1, 1, size=(100_000, 2))  # U(−1, 1)², variance 1/3 per axis
    assert pag_of_codes(u, 3**-0.5)[1] == pytest.approx(0.0, abs=2e-3)
    # against σ = 1 (what every GAN used before issue 15): ½·2·(1/3 − 1 − ln 1/3) = 0.432
    assert pag_of_codes(u, 1.0)[1] == pytest.approx(1 / 3 - 1 + np.log(3), abs=5e-3)
    n = len(u)  # Eq. 2 at N: ½ Σ (N/3 / σ² − 1 − ln(N/3 / σ²)) with σ² = 1/3
    assert pag_of_codes(u, 3**-0.5)[0] == pytest.approx(n - 1 - np.log(n), rel=2e-3)


def test_pag_of_standard_normal_codes_matches_the_handbook():
    from lpbench_metrics.pag import pag_of_codes

    z = np.random.default_rng(4).normal(size=(500, 16))
    assert pag_of_codes(z, 1.0)[0] == pytest.approx(3975, rel=0.03)  # handbook §3: 3975 at N = 500


class RandomGenerator(Model):
    """A small random MLP generator with a decoder and nothing else."""

    name = "random_generator"
    prior_sigma = 0.5

    def __init__(self, latent_dim=3):
        super().__init__(ModelConfig({}, {}, latent_dim, "points", (16,)))
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(torch.nn.Linear(latent_dim, 32), torch.nn.Tanh(), torch.nn.Linear(32, 16))

    def decode(self, z):
        return self.net(z)


def test_pag_reverses_known_codes_of_a_random_generator():
    from lpbench_metrics.pag import pag_of_codes

    model = RandomGenerator()
    z = torch.randn(64, 3, generator=torch.Generator().manual_seed(1)) * 0.5
    with torch.no_grad():
        x = model.decode(z)
    pag = metric("pag", steps=3000, lr=0.5, optimizer="sgd", tol=1e-6)
    out, prov, _ = evaluate({"pag": pag}, dataset="t", kind="points", samples=x, reference=x, model=model)
    import lpbench

    rev = lpbench.reverse(model.decode, x, 3, steps=3000, lr=0.5, tol=1e-6, generator=torch.Generator().manual_seed(31))
    assert (rev.codes - z).abs().max() < 0.02  # reversal finds the codes that made the data
    raw, normalized = pag_of_codes(z.numpy(), 0.5)
    assert out["pag"] == pytest.approx(raw, rel=0.02) and out["pag_normalized"] == pytest.approx(normalized, rel=0.02)
    assert out["pag_n"] == 64 and out["pag_d"] == 3 and out["pag_sigma"] == 0.5
    assert out["pag_reversal_mse"] < 1e-5 and out["pag_reversal_converged"] == 1.0
    assert 0 < out["pag_reversal_steps"] < 3000
    assert "pag_learned" not in out  # no learned prior map: nothing to reverse through
    assert list(out)[0] == "pag" and prov["pag"]["extractor"] == "samples"


class LearnedPriorGenerator(RandomGenerator):
    """RandomGenerator fed by a learned prior map h(u) = 2u (pgan's G∘h)."""

    name = "learned_prior_generator"
    prior_sigma = 1.0

    def decode_noise(self, u):
        return self.decode(2 * u)


def test_pag_learned_reverses_through_the_prior_map_into_its_noise():
    from lpbench_metrics.pag import pag_of_codes

    model = LearnedPriorGenerator()
    u = torch.randn(64, 3, generator=torch.Generator().manual_seed(1)) * 0.3
    with torch.no_grad():
        x = model.decode_noise(u)
    out, _, _ = evaluate(
        {"pag": metric("pag", steps=3000, lr=0.5, tol=1e-6)},
        dataset="t",
        kind="points",
        samples=x,
        reference=x,
        model=model,
    )
    # the codes in z are 2u (σ = 1), the codes in u are u (noise σ = 1): both scores, each its own
    assert out["pag"] == pytest.approx(pag_of_codes(2 * u.numpy(), 1.0)[0], rel=0.03)
    assert out["pag_learned"] == pytest.approx(pag_of_codes(u.numpy(), 1.0)[0], rel=0.03)
    assert out["pag_learned_normalized"] == pytest.approx(pag_of_codes(u.numpy(), 1.0)[1], rel=0.03)
    assert out["pag_learned_sigma"] == 1.0 and out["pag_learned_reversal_mse"] < 1e-5


def test_pag_needs_a_decoder_and_enough_points():
    x = torch.randn(10, 16)
    with pytest.raises(LpbenchError, match="needs a model with decode"):
        evaluate({"pag": metric("pag")}, dataset="t", kind="points", samples=x, reference=x)
    with pytest.raises(LpbenchError, match="N ≥ d"):
        evaluate(
            {"pag": metric("pag")}, dataset="t", kind="points", samples=x[:2], reference=x[:2], model=RandomGenerator()
        )


# ---------------------------------------------------------------------------- through the CLI


@pytest.mark.slow
def test_digits_run_and_score_use_the_offline_evaluator(cli, tmp_path, project_registry, write_registry):
    project_registry["metrics"]["pag"]["steps"] = 20  # the reversal itself is tested above
    reg = write_registry(project_registry)
    runs = tmp_path / "runs"
    res = cli(
        "--registry",
        reg,
        "run",
        "--models",
        "vae",
        "--dataset",
        "digits",
        "--budget",
        "smoke",
        "--runs-dir",
        runs,
        "-q",
    )
    assert res.exit_code == 0, res.output
    folder = runs / "digits" / "smoke" / "vae" / "seed0"
    rec = json.loads((folder / "run.json").read_text())
    assert rec["status"] == "completed", rec["error"]
    for k in (
        "fid",
        "is",
        "is_std",
        "kid",
        "kid_std",
        "prd_recall",
        "prd_precision",
        "emd",
        "pag",
        "pag_normalized",
        "pag_n",
        "pag_d",
        "pag_sigma",
        "pag_reversal_mse",
        "pag_reversal_converged",
        "pag_reversal_steps",
    ):
        assert np.isfinite(rec["metrics"][k]), k
    assert rec["metric_provenance"]["fid"]["extractor"] == "digits_cnn"
    assert rec["metric_provenance"]["emd"]["extractor"] == "digits_cnn"
    assert rec["metric_provenance"]["pag"]["extractor"] == "samples"
    assert rec["metrics"]["kid_subset_size"] == 100 and rec["metrics"]["pag_d"] == 10
    assert (folder / "prd_curve.json").exists() and (folder / "prd_curve.png").exists()
    board = (runs / "leaderboard" / "digits" / "smoke.md").read_text()
    # the markdown leaderboard escapes brackets (lpbench.tables): fid \[digits_cnn\]
    assert "fid \\[digits_cnn\\]" in board and "is \\[digits_cnn\\]" in board
    assert "[digits_cnn]" in cli("show", folder).output

    # lpbench score: the same pipeline and reference; pag (needs a model) drops out of the defaults
    from lpbench.runner import load_model

    model, _ = load_model(folder)
    with torch.no_grad():
        samples = model.sample(200, torch.Generator().manual_seed(10_000))
    np.save(tmp_path / "s.npy", samples.numpy())
    res = cli("--registry", reg, "score", tmp_path / "s.npy", "--dataset", "digits", "--json")
    assert res.exit_code == 0, res.output
    scored = json.loads(res.output)
    assert "pag" not in scored
    for k in ("fid", "is", "kid", "prd_recall", "emd"):
        assert scored[k] == pytest.approx(rec["metrics"][k], rel=1e-6), k
    res = cli("score", tmp_path / "s.npy", "--dataset", "digits", "--metrics", "pag")
    assert res.exit_code == 2 and "needs a model with decode" in res.output


@pytest.mark.slow
def test_eight_gaussians_run_records_the_emd_floor(cli, tmp_path, project_registry, write_registry):
    project_registry["metrics"]["pag"]["steps"] = 20
    reg = write_registry(project_registry)
    res = cli(
        "--registry",
        reg,
        "run",
        "--models",
        "vae",
        "--dataset",
        "eight_gaussians",
        "--budget",
        "smoke",
        "--runs-dir",
        tmp_path,
        "-q",
    )
    assert res.exit_code == 0, res.output
    rec = json.loads((tmp_path / "eight_gaussians/smoke/vae/seed0/run.json").read_text())
    assert 0 < rec["metrics"]["emd_floor"] < 0.3  # real vs real at n = 500 (handbook §3: 0.107 at n = 1000)
    board = (tmp_path / "leaderboard" / "eight_gaussians" / "smoke.md").read_text()
    assert "emd_floor" in board.splitlines()[0]


def test_default_metrics_skip_what_the_model_cannot_support():
    from lpbench.evaluation import inapplicable

    class NoDecoder(Model):
        name = "no_decoder"

    pag = metric("pag")
    model = NoDecoder(ModelConfig({}, {}, 2, "points", (2,)))
    assert "lacks decode" in inapplicable({"pag": pag, "emd": metric("emd")}, model)["pag"]
    assert inapplicable({"pag": pag}, RandomGenerator()) == {}
    assert "pag" in inapplicable({"pag": pag}, None)


def test_run_with_absent_inception_weights_exits_2_before_training(cli, tmp_path):
    res = cli(
        "run",
        "--models",
        "vae",
        "--dataset",
        "cifar10",
        "--runs-dir",
        tmp_path,
        "--inception-weights",
        tmp_path / "missing.pth",
    )
    assert res.exit_code == 2 and "missing.pth" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "cifar10").exists()  # nothing ran
