"""Reading samples made by anything (.npy/.npz arrays, folders of PNGs) for `lpbench score`."""
from __future__ import annotations

from pathlib import Path

from .errors import DataError

IMAGE_SUFFIXES = (".png",)


def load_samples(path, kind: str, shape: tuple, what: str = "samples"):
    """→ float tensor in data space: images [N, C, H, W] in [0, 1]; points [N, D]."""
    import numpy as np
    import torch

    path = Path(path)
    if not path.exists():
        raise DataError(f"{what} file {path} does not exist")
    if path.is_dir():
        arr = _read_png_folder(path, shape)
    elif path.suffix == ".npy":
        arr = _np_load(path, np.load)
    elif path.suffix == ".npz":
        def first_array(p, allow_pickle):
            with np.load(p, allow_pickle=allow_pickle) as z:
                if not z.files:
                    raise DataError(f"{path} holds no arrays")
                return z[z.files[0]]
        arr = _np_load(path, first_array)
    else:
        raise DataError(f"{path}: expected a .npy or .npz array file or a folder of PNG images")

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


def _np_load(path, loader):
    try:
        return loader(path, allow_pickle=False)
    except DataError:
        raise
    except Exception as e:
        raise DataError(f"cannot read {path} as a NumPy array ({type(e).__name__}: {e})") from None


def _read_png_folder(folder: Path, shape):
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"{folder} holds no .png images")
    mode = "L" if shape[0] == 1 else "RGB"
    out = []
    for p in files:
        try:
            with Image.open(p) as im:
                a = np.asarray(im.convert(mode))
        except (UnidentifiedImageError, OSError) as e:
            raise DataError(f"cannot decode image {p} ({e})") from None
        out.append(a[None] if a.ndim == 2 else a.transpose(2, 0, 1))
    sizes = {a.shape for a in out}
    if len(sizes) > 1:
        raise DataError(f"images in {folder} differ in size: {sorted(sizes)}")
    return np.stack(out)
