"""Pictures saved in run folders (matplotlib with the Agg backend: no display needed)."""
from __future__ import annotations

import io
from pathlib import Path

from .store import atomic_write_bytes

SAMPLES_PNG = "samples.png"


def _figure_bytes(fig) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def save_samples_figure(samples, kind: str, folder: Path, reference=None, name: str = SAMPLES_PNG) -> str:
    """A grid of generated images, or a scatter of generated points over the real ones."""
    import matplotlib

    matplotlib.use("Agg")
    if kind == "image":
        from torchvision.utils import make_grid, save_image

        x = samples[:64]
        buf = io.BytesIO()
        save_image(make_grid(x, nrow=8, padding=1, pad_value=1.0), buf, format="png")
        atomic_write_bytes(Path(folder) / name, buf.getvalue())
        return name
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 4))
    if reference is not None:
        ax.scatter(reference[:, 0], reference[:, 1], s=2, c="tab:blue", alpha=0.4, label="data")
    ax.scatter(samples[:, 0], samples[:, 1], s=2, c="tab:red", alpha=0.4, label="generated")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", markerscale=4, fontsize=7)
    atomic_write_bytes(Path(folder) / name, _figure_bytes(fig))
    return name
