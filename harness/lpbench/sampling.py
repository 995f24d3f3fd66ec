"""`lpbench sample`: new samples from a saved run, as a picture or an array."""

from __future__ import annotations

import io
import math
from pathlib import Path

from .errors import LpbenchError
from .store import atomic_write_bytes, check_output

# Bounds on `lpbench sample -n` (lpbench choice): an image grid wider than 64 × 64 tiles is
# beyond looking at, and an array is capped at 1 GiB of float32 (2·10⁹ samples was 23 GB).
MAX_SAMPLES = 1_000_000
MAX_GRID = 4096
MAX_ARRAY_BYTES = 1 << 30


def sample_run(run_dir, n: int, out, seed: int = 0, registry=None, plugins=None) -> Path:
    """Rebuild the model saved in run_dir, draw n samples with a generator seeded by ``seed``,
    and write them to ``out`` (.png: an image grid or a 2-D scatter; .npy: the array)."""
    import torch

    from .evaluation import check_samples
    from .figures import save_samples_figure
    from .runner import load_model

    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".png", ".npy"):
        raise LpbenchError(f"--out must end in .png or .npy, not '{out.name}'")
    check_output(out, "--out")
    if not 1 <= n <= (MAX_GRID if suffix == ".png" else MAX_SAMPLES):
        raise LpbenchError(
            f"-n {n}: expected 1 to {MAX_GRID if suffix == '.png' else MAX_SAMPLES} samples for a {suffix} file"
        )
    model, rec = load_model(run_dir, registry, plugins)
    size = n * math.prod(model.config.data_shape) * 4
    if size > MAX_ARRAY_BYTES:
        raise LpbenchError(
            f"-n {n}: {n} samples of shape {tuple(model.config.data_shape)} take {size / 2**30:.1f} GiB; "
            f"at most {MAX_ARRAY_BYTES >> 30} GiB are drawn at once"
        )
    with torch.no_grad():
        x = model.sample(n, torch.Generator().manual_seed(seed))
    x = x.detach().float().cpu() if torch.is_tensor(x) else torch.as_tensor(x, dtype=torch.float32)
    kind = model.config.data_kind
    check_samples(x, kind, tuple(model.config.data_shape), what=f"samples from {run_dir}")
    if suffix == ".npy":
        import numpy as np

        buf = io.BytesIO()
        np.save(buf, x.numpy())
        atomic_write_bytes(out, buf.getvalue())
    elif kind == "image":
        from torchvision.utils import make_grid, save_image

        buf = io.BytesIO()
        save_image(make_grid(x, nrow=math.ceil(math.sqrt(n)), padding=1, pad_value=1.0), buf, format="png")
        atomic_write_bytes(out, buf.getvalue())
    else:
        save_samples_figure(x, kind, out.parent, name=out.name)
    return out
