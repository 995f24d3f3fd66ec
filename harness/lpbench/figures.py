"""Pictures saved in run folders (matplotlib with the Agg backend: no display needed)."""

from __future__ import annotations

import io
from pathlib import Path

from .store import atomic_write_bytes, read_json

SAMPLES_PNG = "samples.png"


def run_title(rec: dict | None) -> str | None:
    """ "model × prior · dataset / budget · seed k" from a run record: the line every figure of a
    run carries, so a PNG seen on its own (a run folder, a paper draft) says what it shows."""
    if not rec or not all(k in rec for k in ("model", "dataset", "budget", "seed")):
        return None
    prior = rec.get("prior")
    model = f"{rec['model']} × {prior}" if prior and prior != "native" else rec["model"]
    return f"{model} · {rec['dataset']} / {rec['budget']} · seed {rec['seed']}"


def folder_title(folder) -> str | None:
    """The title of the run whose folder this is: its run.json is written when the run starts,
    so it names the run before any figure is drawn."""
    try:
        return run_title(read_json(Path(folder) / "run.json", what="run record", missing_ok=True))
    except ValueError:
        return None


def figure_bytes(fig, title: str | None = None) -> bytes:
    import matplotlib.pyplot as plt

    if title:
        # above everything the axes drew; bbox_inches="tight" grows the canvas to include it
        fig.suptitle(title, fontsize=10, fontweight="bold", y=1.0, va="bottom")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def save_samples_figure(samples, kind: str, folder: Path, reference=None, name: str = SAMPLES_PNG) -> str:
    """A grid of generated images, or a scatter of generated points over the real ones.

    The image grid is the samples' own pixels (1-pixel padding), like `lpbench sample`'s: the
    report enlarges it by nearest-neighbour and names the run beside it. The scatter is a plot,
    titled with the run (its folder's run.json)."""
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
    atomic_write_bytes(Path(folder) / name, figure_bytes(fig, folder_title(folder)))
    return name
