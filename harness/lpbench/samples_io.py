"""Reading samples made by anything (.npy/.npz arrays, folders of PNGs) for `lpbench score`."""

from __future__ import annotations

import io
from pathlib import Path

from . import store
from .errors import DataError

IMAGE_SUFFIXES = (".png",)
# Bounds on what `lpbench score` reads (lpbench choice): 20× the largest evaluation set of the
# registry's budgets (10 000 samples at the paper budget), and the bytes 100 000 3×64×64 float32
# images take; a PNG of one sample is a few kB.
MAX_SAMPLES = 200_000
MAX_ARRAY_BYTES = 5 << 30
MAX_PNG_BYTES = 4 << 20


def load_samples(path, kind: str, shape: tuple, what: str = "samples"):
    """→ float tensor in data space: images [N, C, H, W] in [0, 1]; points [N, D]."""
    import numpy as np
    import torch

    path = Path(path)
    if not path.exists():
        raise DataError(f"{what} file {path} does not exist")
    if path.is_dir():
        if kind != "image":
            raise DataError(f"{path} is a folder; {what} of points are read from a .npy or .npz array file")
        arr = _read_png_folder(path, shape, what)
    elif path.suffix == ".npy":
        arr = _np_load(path, np.load, what)
    elif path.suffix == ".npz":

        def first_array(f, allow_pickle):
            with np.load(f, allow_pickle=allow_pickle) as z:
                if not z.files:
                    raise DataError(f"{path} holds no arrays")
                return z[z.files[0]]

        arr = _np_load(path, first_array, what)
    else:
        raise DataError(f"{path}: expected a .npy or .npz array file or a folder of PNG images")
    if arr.ndim == 0 or not 2 <= len(arr) <= MAX_SAMPLES:
        count = "a single value" if arr.ndim == 0 else f"{len(arr)} samples"
        raise DataError(f"{what} in {path}: {count}; scoring needs at least 2 samples (and at most {MAX_SAMPLES})")

    if arr.dtype.kind not in "uif" or arr.dtype.kind == "c":
        raise DataError(f"{what} in {path} have dtype {arr.dtype}; expected uint8 or float")
    x = torch.from_numpy(np.ascontiguousarray(arr))
    if kind == "points":
        if x.dim() != 2 or tuple(x.shape[1:]) != tuple(shape):
            raise DataError(f"{what} in {path} have shape {tuple(x.shape)}; expected [N, {shape[0]}] points")
        x = x.float()
    else:
        if x.dim() == 3 and shape[0] == 1:  # N×H×W grayscale
            x = x.unsqueeze(1)
        if x.dim() == 4 and x.shape[1] not in (1, 3) and x.shape[-1] in (1, 3):
            raise DataError(
                f"{what} in {path} have shape {tuple(x.shape)}, which looks channels-last; "
                f"expected N×C×H×W, i.e. [N, {', '.join(map(str, shape))}] (use arr.transpose(0, 3, 1, 2))"
            )
        if x.dim() != 4 or tuple(x.shape[1:]) != tuple(shape):
            raise DataError(
                f"{what} in {path} have shape {tuple(x.shape)}; expected [N, {', '.join(map(str, shape))}]"
                + (" or [N, H, W]" if shape[0] == 1 else "")
            )
        if arr.dtype == np.uint8:
            x = x.float() / 255.0
        else:
            x = x.float()
            if torch.isfinite(x).all() and (x.min() < 0 or x.max() > 1):
                raise DataError(
                    f"float images in {path} must lie in [0, 1]; got range [{x.min():.3g}, {x.max():.3g}] "
                    "(save uint8 0..255, or divide by 255)"
                )
    if not torch.isfinite(x).all():
        raise DataError(f"{what} in {path} contain NaN or infinite values")
    return x


def _np_load(path, loader, what):
    try:
        data = store.read_bytes(path, what=f"{what} array file", limit=MAX_ARRAY_BYTES)
        return loader(io.BytesIO(data), allow_pickle=False)
    except store.Malformed as e:
        raise DataError(str(e)) from None
    except DataError:
        raise
    except Exception as e:
        raise DataError(f"cannot read {path} as a NumPy array ({type(e).__name__}: {e})") from None


def _read_png_folder(folder: Path, shape, what):
    """The folder's PNGs as one uint8 array. Each image's size is read from its header and must
    be the dataset's before any pixel is decoded, so a decompression bomb is never expanded."""
    import warnings

    import numpy as np
    from PIL import Image, UnidentifiedImageError

    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"{folder} holds no .png images")
    if len(files) > MAX_SAMPLES:
        raise DataError(f"{folder} holds {len(files)} images; {what} are at most {MAX_SAMPLES}")
    mode = "L" if shape[0] == 1 else "RGB"
    height, width = shape[-2], shape[-1]
    out = []
    for p in files:
        try:
            data = store.read_bytes(p, what="PNG image", limit=MAX_PNG_BYTES)
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data), formats=["PNG"]) as im:
                    if im.size != (width, height):
                        raise DataError(
                            f"image {p} is {im.size[0]}×{im.size[1]} pixels; the dataset's images are {width}×{height}"
                        )
                    a = np.asarray(im.convert(mode))
        except store.Malformed as e:
            raise DataError(str(e)) from None
        except (
            UnidentifiedImageError,
            OSError,
            Image.DecompressionBombWarning,
            Image.DecompressionBombError,
            ValueError,
            SyntaxError,
        ) as e:
            raise DataError(f"cannot decode image {p} ({e})") from None
        out.append(a[None] if a.ndim == 2 else a.transpose(2, 0, 1))
    return np.stack(out)
