"""MNIST, Fashion-MNIST, CIFAR-10 and CelebA through torchvision.datasets, held in memory as uint8.

Files live under the data root (constructor argument, else $LPBENCH_DATA_ROOT, else
~/.cache/lpbench/data) in torchvision's own layout, so a folder torchvision already filled works
as is. Missing files are downloaded where the network allows; otherwise, and for truncated or
corrupt files, a DataError says which file, where it belongs and what to do.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import threading
from pathlib import Path
from typing import ClassVar

from lpbench import DataError, Dataset, DataSplit

DATA_ROOT_ENV = "LPBENCH_DATA_ROOT"
DEFAULT_DATA_ROOT = "~/.cache/lpbench/data"

log = logging.getLogger(__name__)


def default_data_root() -> Path:
    return Path(os.environ.get(DATA_ROOT_ENV) or DEFAULT_DATA_ROOT).expanduser()


def _one_line(e: BaseException, limit: int = 300) -> str:
    text = " ".join(f"{type(e).__name__}: {e}".split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _corrupt(path, e: BaseException | str) -> DataError:
    reason = e if isinstance(e, str) else _one_line(e)
    return DataError(f"{path} is truncated or corrupt ({reason}). Delete it and download it again.")


# ------------------------------------------------------------- torchvision classes, adapted


def _mnist_load_data(self):
    """MNIST._load_data, reading each file on its own so a bad one is named in the error."""
    from torchvision.datasets.mnist import read_image_file, read_label_file

    prefix = "train" if self.train else "t10k"
    out = []
    for kind, reader in (("images-idx3", read_image_file), ("labels-idx1", read_label_file)):
        path = os.path.join(self.raw_folder, f"{prefix}-{kind}-ubyte")
        try:
            out.append(reader(path))
        # torchvision parses with asserts, view() and frombuffer: a short file surfaces as any of these.
        except (AssertionError, RuntimeError, ValueError, TypeError, IndexError, OSError) as e:
            raise _corrupt(path, e) from e
    images, labels = out
    if len(images) != len(labels):
        raise DataError(
            f"{self.raw_folder}: {prefix}-images-idx3-ubyte holds {len(images)} images but "
            f"{prefix}-labels-idx1-ubyte holds {len(labels)} labels; one of them is truncated or "
            "from another release. Delete both and download them again."
        )
    return images, labels


def _cifar_files(self) -> list[str]:
    return [name for name, _ in self.train_list + self.test_list] + [self.meta["filename"]]


def _cifar_check_integrity(self) -> bool:
    # torchvision compares every batch file's md5 with the official release. We check only that
    # the files exist: the md5 of the archive is still verified by torchvision when it downloads
    # it, while per-file md5s would reject every hand-made copy in the real format (the tests
    # write tiny ones). Truncated or corrupt files are caught when they are unpickled instead.
    folder = os.path.join(self.root, self.base_folder)
    return all(os.path.isfile(os.path.join(folder, name)) for name in _cifar_files(self))


_CELEBA_ANNOTATIONS = (
    "list_eval_partition.txt",
    "identity_CelebA.txt",
    "list_bbox_celeba.txt",
    "list_landmarks_align_celeba.txt",
    "list_attr_celeba.txt",
)


def _celeba_check_integrity(self) -> bool:
    # As for CIFAR-10: torchvision checks the md5 of each annotation file, which it also verifies
    # after its own download; for files put in place by hand we check existence and let parsing
    # catch damage, so copies in the real format (tests) load.
    folder = os.path.join(self.root, self.base_folder)
    return all(os.path.isfile(os.path.join(folder, f)) for f in _CELEBA_ANNOTATIONS) and os.path.isdir(
        os.path.join(folder, "img_align_celeba")
    )


def _celeba_load_csv(self, filename, header=None):
    from torchvision.datasets import CelebA

    path = os.path.join(self.root, self.base_folder, filename)
    try:
        return CelebA._load_csv(self, filename, header)
    # A truncated table has a short last row (ragged → ValueError) or a missing header (IndexError).
    except (ValueError, IndexError, TypeError, RuntimeError, UnicodeDecodeError) as e:
        raise _corrupt(path, e) from e


@functools.cache
def torchvision_class(name: str) -> type:
    """torchvision.datasets.<name> with the file checks above. Built on first use so importing
    this module does not import torchvision."""
    import torchvision.datasets as tvd

    base = getattr(tvd, name)
    if name in ("MNIST", "FashionMNIST"):
        body = {"_load_data": _mnist_load_data}
    elif name == "CIFAR10":
        # md5 None: check_integrity then tests existence only (same reason as _check_integrity).
        body = {"_check_integrity": _cifar_check_integrity, "meta": {**base.meta, "md5": None}}
    elif name == "CelebA":
        body = {"_check_integrity": _celeba_check_integrity, "_load_csv": _celeba_load_csv}
    else:
        raise KeyError(name)
    # Keep torchvision's class name: MNIST derives its folder (root/<ClassName>/raw) from it.
    return type(name, (base,), {**body, "__module__": __name__})


# ------------------------------------------------------------------------------ base class


class TorchvisionImages(Dataset):
    """An image dataset read by a torchvision.datasets class into one uint8 tensor per split."""

    kind = "image"
    defaults: ClassVar[dict] = {}
    tv_name: ClassVar[str] = ""  # the torchvision.datasets class

    def __init__(self, settings: dict | None = None, data_root=None, download: bool = True):
        super().__init__(settings, data_root)
        self.root = Path(data_root).expanduser() if data_root is not None else default_data_root()
        # Off in tests and on machines without network, where an attempt can only fail (or hang).
        self.download = download

    # What each dataset defines.
    def folder(self) -> Path:
        """Where the files torchvision reads live."""
        raise NotImplementedError

    def required_files(self) -> list[str]:
        """Names, relative to folder(), that torchvision needs before it reads anything."""
        raise NotImplementedError

    def instructions(self) -> str:
        """How to get the files by hand."""
        raise NotImplementedError

    def tv_kwargs(self, split: str) -> dict:
        return {"train": split == "train"}

    def to_split(self, tv, split: str) -> DataSplit:
        raise NotImplementedError

    def unreadable(self, e: Exception) -> DataError:
        """A DataError for a read that failed in a way no file-specific check caught."""
        return DataError(
            f"{self.name}: could not read the files in {self.folder()} ({_one_line(e)}). One of them "
            f"is probably truncated or corrupt: delete it and download it again. {self.instructions()}"
        )

    # Shared.
    def missing_files(self) -> list[str]:
        return [f for f in self.required_files() if not (self.folder() / f).exists()]

    def check_split(self, split: str) -> None:
        if split not in ("train", "test"):
            raise ValueError(f"{self.name} has splits 'train' and 'test', not {split!r}")

    def torchvision_dataset(self, split: str):
        """The torchvision dataset for the split, downloading missing files if allowed."""
        cls = torchvision_class(self.tv_name)
        attempt = self.download and bool(self.missing_files())
        try:
            return cls(str(self.root), download=attempt, **self.tv_kwargs(split))
        except DataError:
            raise
        except Exception as e:
            missing = self.missing_files()
            if not missing:
                raise self.unreadable(e) from e
            why = f"Automatic download failed ({_one_line(e)})." if attempt else "Automatic download is off."
            raise DataError(
                f"{self.name}: {', '.join(missing)} missing in {self.folder()}. {why} {self.instructions()}"
            ) from e

    def load(self, split: str, seed: int = 0) -> DataSplit:
        self.check_split(split)
        return self.to_split(self.torchvision_dataset(split), split)

    def where(self) -> str:
        return f"(the data root is {self.root}; set ${DATA_ROOT_ENV} to use another)"


# ----------------------------------------------------------------------- MNIST and Fashion


class _IdxDataset(TorchvisionImages):
    shape = (1, 28, 28)
    num_classes = 10
    source: ClassVar[str] = ""

    def folder(self) -> Path:
        return self.root / self.tv_name / "raw"

    def required_files(self) -> list[str]:
        return [f"{p}-{k}-ubyte" for p in ("train", "t10k") for k in ("images-idx3", "labels-idx1")]

    def instructions(self) -> str:
        return (
            f"Put {', '.join(self.required_files())} (uncompressed) in {self.folder()}: download the "
            f".gz files from {self.source} and gunzip them {self.where()}."
        )

    def to_split(self, tv, split: str) -> DataSplit:
        import torch

        x = tv.data
        if x.dtype != torch.uint8 or x.dim() != 3 or tuple(x.shape[1:]) != self.shape[1:]:
            raise DataError(
                f"{self.name}: the {split} images in {self.folder()} are {tuple(x.shape)} {x.dtype}, "
                f"expected [N, 28, 28] uint8; the files are from another dataset. {self.instructions()}"
            )
        y = tv.targets.to(torch.int64)
        if len(y) and (int(y.min()) < 0 or int(y.max()) >= self.num_classes):
            raise DataError(
                f"{self.name}: the {split} labels in {self.folder()} leave 0..{self.num_classes - 1}; "
                f"the labels file is corrupt or from another dataset. {self.instructions()}"
            )
        return DataSplit(x.unsqueeze(1).contiguous(), y, kind=self.kind, dataset=self.name, split=split)


class MNIST(_IdxDataset):
    name = "mnist"
    description = "MNIST handwritten digits, 28x28 grayscale (60k train / 10k test), via torchvision."
    tv_name = "MNIST"
    source = "https://ossci-datasets.s3.amazonaws.com/mnist/"


class FashionMNIST(_IdxDataset):
    name = "fashion_mnist"
    description = "Fashion-MNIST clothing images, 28x28 grayscale (60k train / 10k test), via torchvision."
    tv_name = "FashionMNIST"
    source = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"


# -------------------------------------------------------------------------------- CIFAR-10


class CIFAR10(TorchvisionImages):
    name = "cifar10"
    description = "CIFAR-10 natural images, 32x32 RGB (50k train / 10k test), via torchvision."
    tv_name = "CIFAR10"
    shape = (3, 32, 32)
    num_classes = 10

    def folder(self) -> Path:
        return self.root / "cifar-10-batches-py"

    def required_files(self) -> list[str]:
        return [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]

    def instructions(self) -> str:
        return (
            f"Download https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz and extract it in "
            f"{self.root}, which puts {', '.join(self.required_files())} in {self.folder()} {self.where()}."
        )

    def unreadable(self, e: Exception) -> DataError:
        # torchvision unpickles all batches in one loop, so its error does not say which file
        # failed: look for it (only on this failure path, so loading stays a single pass).
        for name in self.required_files():
            problem = _cifar_problem(self.folder() / name, meta=name == "batches.meta")
            if problem:
                return _corrupt(self.folder() / name, problem)
        return super().unreadable(e)

    def to_split(self, tv, split: str) -> DataSplit:
        import torch

        x = torch.from_numpy(tv.data).permute(0, 3, 1, 2).contiguous()  # torchvision holds NHWC
        y = torch.as_tensor(tv.targets, dtype=torch.int64)
        files = "data_batch_1..5" if split == "train" else "test_batch"
        if len(y) != len(x):
            raise DataError(
                f"{self.name}: {files} in {self.folder()} hold {len(x)} images but {len(y)} labels; "
                "a batch file is corrupt. Delete it and download it again."
            )
        if len(y) and (int(y.min()) < 0 or int(y.max()) >= self.num_classes):
            raise DataError(
                f"{self.name}: labels in {files} in {self.folder()} leave 0..9; a batch file is "
                "corrupt. Delete it and download it again."
            )
        return DataSplit(x, y, kind=self.kind, dataset=self.name, split=split)


def _cifar_problem(path: Path, meta: bool) -> str | None:
    """Why a CIFAR-10 pickle cannot be read, or None if it looks right."""
    try:
        with open(path, "rb") as f:
            entry = pickle.load(f, encoding="latin1")
    except Exception as e:  # any unpickling failure means a damaged file
        return _one_line(e)
    if not isinstance(entry, dict):
        return f"holds a {type(entry).__name__}, not a dict"
    if meta:
        return None if "label_names" in entry else "no 'label_names' entry"
    if "data" not in entry or "labels" not in entry:
        return "no 'data'/'labels' entries"
    size = getattr(entry["data"], "size", None)
    if not isinstance(size, int) or size % (3 * 32 * 32):
        return "its 'data' is not a whole number of 3x32x32 images"
    if size // (3 * 32 * 32) != len(entry["labels"]):
        return f"{size // 3072} images but {len(entry['labels'])} labels"
    return None


# ---------------------------------------------------------------------------------- CelebA

_CELEBA_ALIGNED_SIZE = (178, 218)  # width, height of every image in img_align_celeba
_CELEBA_CROP = 140  # GLF paper App. B (pre-processing of its [38], Lucic et al.): center 140x140 crop...
_CELEBA_SIZE = 64  # ...resized to 64x64
_CELEBA_CACHE_VERSION = "1"  # bump when decoding changes, so old caches are not reused


class CelebA(TorchvisionImages):
    name = "celeba"
    description = "CelebA aligned faces, center 140x140 crop resized to 64x64 RGB, official train/test partition."
    tv_name = "CelebA"
    shape = (3, _CELEBA_SIZE, _CELEBA_SIZE)
    num_classes = None

    def folder(self) -> Path:
        return self.root / "celeba"

    def required_files(self) -> list[str]:
        return ["img_align_celeba", *_CELEBA_ANNOTATIONS]

    def instructions(self) -> str:
        return (
            f"Put img_align_celeba/ (the aligned 178x218 JPEGs 000001.jpg... from img_align_celeba.zip) "
            f"and {', '.join(_CELEBA_ANNOTATIONS)} in {self.folder()}; they are on the CelebA Google "
            "Drive linked from https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html (torchvision's "
            f"download needs `pip install gdown` and often hits Google Drive's quota) {self.where()}."
        )

    def unreadable(self, e: Exception) -> DataError:
        return DataError(
            f"{self.name}: could not read the annotation files in {self.folder()} ({_one_line(e)}). "
            f"They must all list the same images, so one of {', '.join(_CELEBA_ANNOTATIONS)} is "
            "probably truncated: delete it and download it again."
        )

    def tv_kwargs(self, split: str) -> dict:
        # torchvision selects by the official list_eval_partition.txt codes: train 0, test 2
        # (1, valid, is not used here). No targets: the faces are used unlabelled.
        return {"split": split, "target_type": []}

    def cache_path(self, split: str) -> Path | None:
        """The decoded split's cache file; its name changes with the partition file and the
        decoding settings, so a stale cache is never read. None while the partition is missing."""
        partition = self.folder() / "list_eval_partition.txt"
        if not partition.is_file():
            return None
        h = hashlib.sha256(
            f"{_CELEBA_CACHE_VERSION}|{split}|{_CELEBA_CROP}|{_CELEBA_SIZE}|".encode() + partition.read_bytes()
        )
        return self.folder() / "lpbench_cache" / f"{split}_{_CELEBA_SIZE}px_{h.hexdigest()[:16]}.pt"

    def load(self, split: str, seed: int = 0) -> DataSplit:
        self.check_split(split)
        path = self.cache_path(split)
        x = self._read_cache(path) if path is not None else None
        if x is None:
            tv = self.torchvision_dataset(split)
            x = self.decode(tv.filename, split)
            path = self.cache_path(split)  # the download may have just created the partition file
            if path is not None:
                self._write_cache(path, x)
        return DataSplit(x, None, kind=self.kind, dataset=self.name, split=split)

    def decode(self, filenames, split: str):
        """Crop and resize every image of the split once, in threads (PIL releases the GIL)."""
        import numpy as np
        import torch

        images = self.folder() / "img_align_celeba"
        out = np.empty((len(filenames), *self.shape), dtype=np.uint8)
        log.info("celeba: decoding %d %s images from %s (cached after the first load)", len(filenames), split, images)
        failed = threading.Event()

        def work(start: int, stop: int) -> None:
            for i in range(start, stop):
                if failed.is_set():
                    return
                try:
                    out[i] = _celeba_image(images / filenames[i])
                except BaseException:
                    failed.set()
                    raise

        workers = max(1, min(8, os.cpu_count() or 1))
        chunk = max(1, -(-len(filenames) // (workers * 4)))
        if workers == 1 or len(filenames) <= chunk:
            work(0, len(filenames))
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(workers) as pool:
                futures = [
                    pool.submit(work, s, min(s + chunk, len(filenames))) for s in range(0, len(filenames), chunk)
                ]
                for f in futures:
                    f.result()
        return torch.from_numpy(out)

    def _read_cache(self, path: Path):
        import torch

        if not path.is_file():
            return None
        try:
            x = torch.load(path, weights_only=True)
        except Exception as e:  # a cache cut short by a crash: it is ours, so rebuild it
            log.warning("celeba: ignoring unreadable cache %s (%s); decoding again", path, _one_line(e))
            return None
        if not (isinstance(x, torch.Tensor) and x.dtype == torch.uint8 and tuple(x.shape[1:]) == self.shape):
            log.warning("celeba: ignoring cache %s of unexpected shape/type; decoding again", path)
            return None
        return x

    def _write_cache(self, path: Path, x) -> None:
        from lpbench import store

        try:  # atomic: a concurrent reader sees the old file or the whole new one
            store.atomic_write_torch(path, x, what="decoded-image cache")
        except OSError as e:  # store.WriteError is one; a read-only data root only costs speed
            log.warning("celeba: could not write the cache %s (%s); the next load decodes again", path, e)


def _celeba_image(path: Path):
    """One aligned CelebA image → uint8 [3, 64, 64]: center 140x140 crop, bilinear resize."""
    import numpy as np
    import torchvision.transforms.functional as TF
    from PIL import Image
    from torchvision.transforms import InterpolationMode

    try:
        with Image.open(path) as img:
            if img.size != _CELEBA_ALIGNED_SIZE:
                raise DataError(
                    f"{path} is {img.size[0]}x{img.size[1]}, expected the aligned {_CELEBA_ALIGNED_SIZE[0]}x"
                    f"{_CELEBA_ALIGNED_SIZE[1]} CelebA images (img_align_celeba.zip); the crop is defined on those."
                )
            rgb = img.convert("RGB")  # decodes the whole file: truncation shows up here
    except FileNotFoundError as e:
        raise DataError(
            f"{path} is listed in list_eval_partition.txt but missing: extract img_align_celeba.zip again."
        ) from e
    except (OSError, SyntaxError, ValueError) as e:  # PIL's errors for undecodable data
        raise _corrupt(path, e) from e
    rgb = TF.resize(
        TF.center_crop(rgb, [_CELEBA_CROP, _CELEBA_CROP]),
        [_CELEBA_SIZE, _CELEBA_SIZE],
        interpolation=InterpolationMode.BILINEAR,
        antialias=True,
    )
    return np.asarray(rgb, dtype=np.uint8).transpose(2, 0, 1)
