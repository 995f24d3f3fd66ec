"""Built-in datasets: synthetic, bundled, and torchvision-backed ones read from tiny files the tests
write in each dataset's real on-disk format."""

from __future__ import annotations

import math
import os
import pickle
import subprocess
import sys
from pathlib import Path
from urllib.error import URLError

import numpy as np
import pytest
import torch

import lpbench_datasets
from lpbench import DataError, Dataset, DataSplit
from lpbench.plugins import Plugins
from lpbench.testing import make_idx_dataset, write_idx
from lpbench_datasets.digits import Digits
from lpbench_datasets.synthetic import EightGaussians
from lpbench_datasets.torchvision_sets import CIFAR10, MNIST, CelebA, FashionMNIST, default_data_root

ALL = {"eight_gaussians", "digits", "mnist5k", "mnist", "fashion_mnist", "cifar10", "celeba"}


# ------------------------------------------------------------------------------ registration


def test_registers_every_dataset_through_the_hook():
    plugins = Plugins(load_entry_points=False)
    plugins.register(lpbench_datasets, "datasets")
    assert set(plugins.all("dataset")) == ALL
    assert all(not info.errors for info in plugins.report())
    for name in ALL:
        cls = plugins.get("dataset", name)
        assert issubclass(cls, Dataset) and cls.description and "\n" not in cls.description
        assert isinstance(cls.defaults, dict)
        assert cls.kind in ("image", "points") and len(cls.shape) == (3 if cls.kind == "image" else 1)


def test_importing_and_registering_does_not_import_torch():
    code = (
        "import sys, lpbench_datasets\n"
        "found = []\n"
        "lpbench_datasets.register_datasets(register=found.append)\n"
        "assert len(found) == 7, found\n"
        "heavy = [m for m in ('torch', 'torchvision', 'sklearn') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("cls", [EightGaussians, Digits])
def test_unknown_split_is_a_value_error(cls):
    with pytest.raises(ValueError, match="valid"):
        cls().load("valid")


# ---------------------------------------------------------------------------- eight gaussians


def test_eight_gaussians_has_eight_distinct_modes_on_the_circle():
    centers = EightGaussians().centers()
    assert centers.shape == (8, 2) and centers.dtype == torch.float32
    assert torch.allclose(centers.norm(dim=1), torch.full((8,), 2.0), atol=1e-6)
    angles = torch.atan2(centers[:, 1], centers[:, 0]).double() % (2 * math.pi)
    expected = torch.tensor([2 * math.pi * k / 8 for k in range(8)], dtype=torch.float64)
    # The linspace(0, 2π, 8) mistake gives 7 distinct centers with gaps of 2π/7: this fails for it.
    gaps = (angles.sort().values - expected).abs()
    assert torch.all((gaps < 1e-6) | ((gaps - 2 * math.pi).abs() < 1e-6)), angles
    assert torch.cdist(centers, centers).add(torch.eye(8) * 10).min() > 1.5  # 2·2·sin(π/8) ≈ 1.53


def test_eight_gaussians_samples_sit_on_their_labelled_mode_with_std_002():
    ds = EightGaussians()
    data = ds.load("train", seed=0)
    assert isinstance(data, DataSplit)
    assert (data.kind, data.dataset, data.split) == ("points", "eight_gaussians", "train")
    assert data.x.shape == (20000, 2) and data.x.dtype == torch.float32
    assert data.y.dtype == torch.int64
    assert torch.equal(torch.cdist(data.x, ds.centers()).argmin(dim=1), data.y)
    counts = torch.bincount(data.y, minlength=8)
    assert counts.numel() == 8 and counts.min() > 20000 / 8 * 0.9
    residual = data.x - ds.centers()[data.y]
    assert residual.mean(dim=0).abs().max() < 0.002
    assert ds.std == 0.02
    assert residual.std(dim=0).sub(0.02).abs().max() < 0.001
    assert len(ds.load("test", seed=0)) == 5000


def test_eight_gaussians_is_a_function_of_seed_and_split():
    ds = EightGaussians({"n_train": 500, "n_test": 500})
    a, b = ds.load("train", seed=3), ds.load("train", seed=3)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    assert not torch.equal(a.x, ds.load("train", seed=4).x)
    assert not torch.equal(a.x, ds.load("test", seed=3).x)
    # With seed + offset streams, seed s's test set would be seed s+1's training set.
    assert not torch.equal(ds.load("test", seed=3).x, ds.load("train", seed=4).x)


def test_eight_gaussians_settings():
    ds = EightGaussians({"modes": 3, "radius": 1.0, "n_train": 300})
    assert torch.allclose(ds.centers()[1], torch.tensor([math.cos(2 * math.pi / 3), math.sin(2 * math.pi / 3)]))
    data = ds.load("train", seed=1)
    assert data.x.shape == (300, 2) and set(data.y.tolist()) == {0, 1, 2}
    for bad in ({"modes": 0}, {"std": -1.0}, {"n_test": 2.5}):
        with pytest.raises(DataError, match=next(iter(bad))):
            EightGaussians(bad)


# ------------------------------------------------------------------------------------ digits


def test_digits_splits_are_stratified_deterministic_and_cover_everything():
    from sklearn.datasets import load_digits

    train, test = Digits().load("train"), Digits().load("test", seed=7)
    assert (train.kind, train.dataset, train.split, test.split) == ("image", "digits", "train", "test")
    assert len(train) + len(test) == 1797 and len(test) == 360
    for part in (train, test):
        assert part.x.dtype == torch.uint8 and part.item_shape == (1, 8, 8) and part.y.dtype == torch.int64
        assert int(part.x.min()) == 0 and int(part.x.max()) == 255
    # Every image appears in exactly one split, with its value mapping v → round(v·255/16).
    ref = load_digits()
    expected = sorted(
        (np.rint(img * 255 / 16).astype(np.uint8).tobytes(), int(t)) for img, t in zip(ref.images, ref.target)
    )
    got = sorted((x.numpy().tobytes(), int(y)) for part in (train, test) for x, y in zip(part.x, part.y))
    assert got == expected
    assert set(np.unique(train.x.numpy())) <= {round(v * 255 / 16) for v in range(17)}
    # Stratified: each class is 20 % test, give or take the rounding of one image.
    totals = np.bincount(ref.target, minlength=10)
    assert np.all(np.abs(np.bincount(test.y.numpy(), minlength=10) - 0.2 * totals) <= 1)
    # The run seed does not move images between splits; split_seed does.
    assert torch.equal(Digits().load("test", seed=0).x, test.x)
    assert not torch.equal(Digits({"split_seed": 1}).load("test").x, test.x)
    with pytest.raises(DataError, match="test_fraction"):
        Digits({"test_fraction": 1.5})


# ------------------------------------------------------------------------- MNIST and Fashion


IDX_SETS = [(MNIST, "MNIST", "mnist"), (FashionMNIST, "FashionMNIST", "fashion_mnist")]


@pytest.mark.parametrize("cls,folder,name", IDX_SETS)
def test_idx_datasets_round_trip(tmp_path, cls, folder, name):
    arrays = make_idx_dataset(tmp_path, folder, np.random.default_rng(0))
    for split, prefix in (("train", "train"), ("test", "t10k")):
        data = cls(data_root=tmp_path).load(split)
        images, labels = arrays[prefix]
        assert (data.kind, data.dataset, data.split) == ("image", name, split)
        assert data.x.shape == (len(images), 1, 28, 28) and data.x.dtype == torch.uint8
        assert data.x.is_contiguous()
        assert np.array_equal(data.x[:, 0].numpy(), images)
        assert data.y.dtype == torch.int64 and data.y.tolist() == labels.tolist()


@pytest.mark.parametrize("cls,folder,name", IDX_SETS)
def test_idx_missing_files_name_the_folder_and_the_files(tmp_path, cls, folder, name):
    with pytest.raises(DataError) as err:
        cls(data_root=tmp_path, download=False).load("train")
    msg = str(err.value)
    assert str(tmp_path / folder / "raw") in msg and "train-images-idx3-ubyte" in msg and "download is off" in msg


def test_mnist_failed_download_is_explained(tmp_path, monkeypatch):
    def offline(url, *args, **kwargs):
        raise URLError("no network")

    monkeypatch.setattr("torchvision.datasets.mnist.download_and_extract_archive", offline)
    with pytest.raises(DataError) as err:
        MNIST(data_root=tmp_path).load("test")
    msg = str(err.value)
    assert "download failed" in msg and str(tmp_path / "MNIST" / "raw") in msg and "t10k-labels-idx1-ubyte" in msg


@pytest.mark.parametrize("victim", ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"])
def test_mnist_truncated_file_is_named(tmp_path, victim):
    make_idx_dataset(tmp_path, "MNIST", np.random.default_rng(1))
    path = tmp_path / "MNIST" / "raw" / victim
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(DataError, match="truncated or corrupt") as err:
        MNIST(data_root=tmp_path).load("train")
    assert str(path) in str(err.value)
    MNIST(data_root=tmp_path).load("test")  # the other split's files are intact


def test_mnist_images_and_labels_of_different_lengths(tmp_path):
    make_idx_dataset(tmp_path, "MNIST", np.random.default_rng(2))
    write_idx(tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte", np.zeros(3, np.uint8))
    with pytest.raises(DataError, match="holds 4 images but .* holds 3 labels"):
        MNIST(data_root=tmp_path).load("test")


def test_data_root_defaults_to_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LPBENCH_DATA_ROOT", str(tmp_path / "env"))
    assert MNIST().root == default_data_root() == tmp_path / "env"
    monkeypatch.delenv("LPBENCH_DATA_ROOT")
    assert MNIST().root == Path("~/.cache/lpbench/data").expanduser()
    assert MNIST(data_root=str(tmp_path)).root == tmp_path


# ---------------------------------------------------------------------------------- CIFAR-10


def make_cifar(root: Path, rng) -> dict:
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        # The real layout: rows of 3072 bytes, the R plane then G then B, each row-major 32x32.
        data = rng.integers(0, 256, size=(2, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, size=2)]
        entry = {"batch_label": name, "labels": labels, "data": data, "filenames": ["a.png", "b.png"]}
        (folder / name).write_bytes(pickle.dumps(entry, protocol=2))
        batches[name] = (data, labels)
    meta = {
        "num_cases_per_batch": 2,
        "label_names": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
        "num_vis": 3072,
    }
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return batches


def test_cifar10_round_trip(tmp_path):
    batches = make_cifar(tmp_path, np.random.default_rng(0))
    train, test = CIFAR10(data_root=tmp_path).load("train"), CIFAR10(data_root=tmp_path).load("test")
    assert (train.dataset, train.split, test.split) == ("cifar10", "train", "test")
    assert train.x.shape == (10, 3, 32, 32) and test.x.shape == (2, 3, 32, 32)
    assert train.x.dtype == torch.uint8 and train.y.dtype == torch.int64 and train.x.is_contiguous()
    order = [f"data_batch_{i}" for i in range(1, 6)]
    expected = np.concatenate([batches[n][0] for n in order]).reshape(-1, 3, 32, 32)
    assert np.array_equal(train.x.numpy(), expected)
    assert train.y.tolist() == sum((batches[n][1] for n in order), [])
    assert np.array_equal(test.x.numpy(), batches["test_batch"][0].reshape(-1, 3, 32, 32))
    assert test.y.tolist() == batches["test_batch"][1]


def test_cifar10_missing_and_failed_download(tmp_path, monkeypatch):
    with pytest.raises(DataError) as err:
        CIFAR10(data_root=tmp_path, download=False).load("train")
    assert str(tmp_path / "cifar-10-batches-py") in str(err.value) and "cifar-10-python.tar.gz" in str(err.value)

    def offline(*args, **kwargs):
        raise URLError("no network")

    monkeypatch.setattr("torchvision.datasets.cifar.download_and_extract_archive", offline)
    with pytest.raises(DataError, match="download failed"):
        CIFAR10(data_root=tmp_path).load("test")


@pytest.mark.parametrize("victim,split", [("data_batch_3", "train"), ("batches.meta", "test")])
def test_cifar10_truncated_file_is_named(tmp_path, victim, split):
    make_cifar(tmp_path, np.random.default_rng(1))
    path = tmp_path / "cifar-10-batches-py" / victim
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(DataError, match="truncated or corrupt") as err:
        CIFAR10(data_root=tmp_path).load(split)
    assert str(path) in str(err.value)


# ------------------------------------------------------------------------------------ CelebA

ATTRS = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose "
    "Black_Hair Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee "
    "Gray_Hair Heavy_Makeup High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard "
    "Oval_Face Pale_Skin Pointy_Nose Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair "
    "Wavy_Hair Wearing_Earrings Wearing_Hat Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young"
)
PARTITION = [0, 0, 1, 2, 0, 2]  # official codes: 0 train, 1 valid, 2 test


def make_celeba(root: Path) -> dict:
    """Six aligned 178x218 JPEGs and the five annotation files in their published layout."""
    from PIL import Image

    folder = root / "celeba"
    (folder / "img_align_celeba").mkdir(parents=True)
    names = [f"{i:06d}.jpg" for i in range(1, len(PARTITION) + 1)]
    colors = {}
    for i, name in enumerate(names):
        # The 140x140 center crop (x 19..158, y 39..178) in one color, the rest in a far one:
        # a crop one pixel off would pull the far color into the edge of the 64x64 result.
        inner = np.array([40 + 30 * i, 220 - 30 * i, 100 + 20 * i], dtype=np.uint8)
        img = np.empty((218, 178, 3), np.uint8)
        img[:] = 255 - inner
        img[39:179, 19:159] = inner
        Image.fromarray(img).save(folder / "img_align_celeba" / name, quality=95, subsampling=0)
        colors[name] = inner
    n = len(names)
    rows = lambda values: "".join(f"{name} {values(i)}\n" for i, name in enumerate(names))  # noqa: E731
    (folder / "list_eval_partition.txt").write_text(rows(lambda i: PARTITION[i]))
    (folder / "identity_CelebA.txt").write_text(rows(lambda i: 100 + i))
    (folder / "list_bbox_celeba.txt").write_text(
        f"{n}\nimage_id x_1 y_1 width height\n" + rows(lambda i: "95  71 226 313")
    )
    (folder / "list_landmarks_align_celeba.txt").write_text(
        f"{n}\nlefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y "
        "rightmouth_x rightmouth_y\n" + rows(lambda i: "69  109  106  113   77  142   73  152  108  154")
    )
    (folder / "list_attr_celeba.txt").write_text(
        f"{n}\n{ATTRS} \n" + rows(lambda i: " ".join(["-1", " 1"][(i + k) % 2] for k in range(40)))
    )
    return colors


def test_celeba_crops_resizes_and_uses_the_official_partition(tmp_path):
    colors = make_celeba(tmp_path)
    train = CelebA(data_root=tmp_path).load("train")
    test = CelebA(data_root=tmp_path).load("test")
    assert (train.kind, train.dataset, train.split, test.split) == ("image", "celeba", "train", "test")
    assert train.x.shape == (3, 3, 64, 64) and test.x.shape == (2, 3, 64, 64)
    assert train.x.dtype == torch.uint8 and train.y is None and CelebA.num_classes is None
    for data, picked in ((train, [1, 2, 5]), (test, [4, 6])):
        for img, number in zip(data.x, picked):
            expected = torch.from_numpy(colors[f"{number:06d}.jpg"]).int()[:, None, None]
            # JPEG at quality 95 moves a flat color by a few levels; a misplaced crop by ~70.
            assert (img.int() - expected).abs().max() <= 12, number


def test_celeba_second_load_reads_the_cache(tmp_path, monkeypatch):
    make_celeba(tmp_path)
    first = CelebA(data_root=tmp_path).load("train")
    caches = list((tmp_path / "celeba" / "lpbench_cache").glob("train_*.pt"))
    assert len(caches) == 1

    def no_decoding(*args, **kwargs):
        raise AssertionError("the cached split was decoded again")

    monkeypatch.setattr("PIL.Image.open", no_decoding)
    assert torch.equal(CelebA(data_root=tmp_path).load("train").x, first.x)
    # A damaged cache is ours to rebuild, not the user's problem.
    monkeypatch.undo()
    caches[0].write_bytes(caches[0].read_bytes()[:50])
    assert torch.equal(CelebA(data_root=tmp_path).load("train").x, first.x)
    # A different partition is a different cache entry, never a stale read.
    partition = tmp_path / "celeba" / "list_eval_partition.txt"
    partition.write_text(partition.read_text().replace("000002.jpg 0", "000002.jpg 1"))
    assert len(CelebA(data_root=tmp_path).load("train")) == 2


def test_celeba_missing_and_failed_download(tmp_path, monkeypatch):
    with pytest.raises(DataError) as err:
        CelebA(data_root=tmp_path, download=False).load("train")
    msg = str(err.value)
    assert str(tmp_path / "celeba") in msg and "img_align_celeba" in msg and "list_eval_partition.txt" in msg

    def offline(*args, **kwargs):
        raise RuntimeError("To download files from GDrive, 'gdown' is required.")

    monkeypatch.setattr("torchvision.datasets.celeba.download_file_from_google_drive", offline)
    with pytest.raises(DataError, match="download failed.*gdown"):
        CelebA(data_root=tmp_path).load("test")


def test_celeba_damaged_files_are_named(tmp_path):
    make_celeba(tmp_path)
    image = tmp_path / "celeba" / "img_align_celeba" / "000004.jpg"
    image.write_bytes(image.read_bytes()[:600])
    with pytest.raises(DataError, match="truncated or corrupt") as err:
        CelebA(data_root=tmp_path).load("test")
    assert str(image) in str(err.value)

    image.unlink()
    with pytest.raises(DataError, match="listed in list_eval_partition.txt but missing"):
        CelebA(data_root=tmp_path).load("test")

    from PIL import Image

    Image.new("RGB", (64, 64)).save(image)
    with pytest.raises(DataError, match="expected the aligned 178x218"):
        CelebA(data_root=tmp_path).load("test")

    attrs = tmp_path / "celeba" / "list_attr_celeba.txt"
    attrs.write_text(attrs.read_text()[:-40])
    with pytest.raises(DataError, match="truncated or corrupt") as err:
        CelebA(data_root=tmp_path).load("train")
    assert str(attrs) in str(err.value)


@pytest.mark.parametrize("cls", [MNIST, CIFAR10, CelebA])
def test_torchvision_sets_reject_unknown_splits(tmp_path, cls):
    with pytest.raises(ValueError, match="valid"):
        cls(data_root=tmp_path, download=False).load("valid")
