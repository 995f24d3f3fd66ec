"""The figures every run folder gets after evaluation, chosen from what the model can do.

Which figure a run gets depends only on the model's capabilities (``encode``, ``decode``,
``sample_prior``) and the data kind, never on the model's name, so every model family gets the
pictures its source papers argue with:

- ``curves_plot``: each logged loss over training steps (curves.json).
- ``density`` (2-D data): a heatmap of the generated distribution over the real mixture
  (masked/weighted-prior GAN paper, Fig. 2).
- ``latent_tsne``: t-SNE (scikit-learn) of encoded — or, for decoder-only models, reversed
  (PGAN paper, Alg. 1) — test codes coloured by label, with prior samples overlaid (PGAN paper
  Fig. 2; learned-prior AAE paper Fig. 4).
- ``singular_values``: singular-value spectrum of those codes next to the prior's (PGAN Fig. 8).
- ``prior_disagreement``: the 20 prior samples farthest from every data-induced code, decoded
  (PGAN paper §4.2).
- ``interpolations`` (images): decoded straight lines between pairs of codes.
- ``reconstructions`` (images, ``encode`` and ``decode``): test items above their reconstructions.
- ``nearest_neighbours`` (images): generated samples beside their nearest training images, with
  the distances real held-out items have to theirs: a memorization check (sample-quality metrics
  score a copy of the training set as perfect; Meehan et al. 2020).
- ``prd_plot``: the run's PRD curve with its F_8/F_1/8 point, when a metric saved
  ``prd_curve.json`` (see ``read_prd_curve``).

Every figure is titled with the run (model, dataset, budget, seed: ``figures.run_title``), so a
PNG read on its own says what it shows.

Every figure is drawn from a subsample (sizes below) so the set costs seconds, and each one is
isolated: a figure that fails is logged and listed in ``run.json``'s ``figure_errors``; it never
fails a run whose training and evaluation completed.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

from .figures import figure_bytes, folder_title
from .store import atomic_write_bytes, read_json

log = logging.getLogger("lpbench.figures")

# lpbench: sizes chosen so the whole set takes seconds on a CPU; figures, not measurements.
CODES_N = 250  # test items encoded (or reversed) for the latent figures
PRIOR_N = 100  # prior samples overlaid on the t-SNE / used for the spectrum
DISAGREEMENT_POOL = 2000  # prior samples ranked by distance to the data-induced codes
DISAGREEMENT_SHOW = 20  # PGAN paper §4.2 shows the 20 farthest
# Reversal of a decoder-only model (PGAN Alg. 1: lr 0.05, init N(0, 1e-4²)) for a figure only,
# bounded at 100 steps so it stays cheap, with Adam (lpbench.reverse's documented option): in so
# few steps Adam's unit-scale steps spread the codes further than plain gradient descent. These
# codes are drawn, never scored; the pag metric runs Algorithm 1 itself.
REVERSAL_N = 100
REVERSAL_STEPS = 100
REVERSAL_OPTIMIZER = "adam"
INTERP_PAIRS = 8
INTERP_STEPS = 10
RECON_N = 10  # test items shown above their reconstructions
NN_SAMPLES = 8  # generated samples checked against the training set
NN_K = 3  # nearest training images shown per sample
NN_TRAIN = 20_000  # training images searched (all of digits and mnist5k; a fixed subset beyond)
NN_HELDOUT = 200  # held-out test items whose nearest-training distance is the yardstick
# Image grids are drawn at an integer number of screen pixels per data pixel (nearest-neighbour),
# so an 8×8 digit is about 48 px wide and no pixel is smeared or unevenly sized.
GRID_TARGET_PX = 900
GRID_MAX_SCALE = 8
TSNE_PERPLEXITY = 30.0  # scikit-learn's default
TSNE_ITERATIONS = 500  # half scikit-learn's default: the layout of a few hundred points has settled by then

# The report's order and captions for every figure a run folder can hold (artifact name → caption).
CAPTIONS = {
    "samples": "Generated samples (images: a grid; 2-D data: generated points over the data).",
    "density": "Heatmap of the generated distribution over the real mixture (masked/weighted-prior GAN paper, Fig. 2).",
    "curves_plot": "Training curves: each logged loss over steps.",
    "latent_tsne": "Latent space: t-SNE of data-induced codes coloured by label, prior samples overlaid "
    "(PGAN paper Fig. 2, learned-prior AAE paper Fig. 4).",
    "singular_values": "Singular values of the data-induced codes next to the prior's, each normalized by √N "
    "(PGAN paper Fig. 8).",
    "prior_disagreement": "Prior–data disagreement: the 20 prior samples farthest from every data-induced code, "
    "decoded (PGAN paper §4.2).",
    "interpolations": "Interpolations: decoded straight lines between pairs of latent codes.",
    "reconstructions": "Reconstructions: test items (top row of each pair) and decode(encode(x)) below them.",
    "nearest_neighbours": "Memorization check: generated samples (left, framed) beside their nearest training "
    "images by pixel distance; a sample much closer to a training image than held-out "
    "real images are is a copy.",
    "prd_plot": "PRD curve (precision and recall for distributions, Sajjadi et al. 2018) saved by the prd metric; "
    "the star marks (F_8, F_1/8), the recall and precision the leaderboard reports.",
}
FILES = {
    "density": "density.png",
    "curves_plot": "training_curves.png",
    "latent_tsne": "latent_tsne.png",
    "singular_values": "singular_values.png",
    "prior_disagreement": "prior_disagreement.png",
    "interpolations": "interpolations.png",
    "reconstructions": "reconstructions.png",
    "nearest_neighbours": "nearest_neighbours.png",
    "prd_plot": "prd_curve.png",
}


class _Skip(Exception):
    """This figure does not apply to the run (a missing capability, too few codes)."""


def make_run_figures(
    model, *, kind: str, samples, reference, test, folder, seed: int, device: str = "cpu", curves=None, train=None
) -> tuple[dict, dict]:
    """Draw every figure that applies. Returns ({artifact name: file name}, {name: error}).

    ``train`` (the training split) enables the memorization check. Each figure is titled with the
    run named by the folder's run.json (written when the run starts), else with the model and seed.
    """
    import matplotlib

    matplotlib.use("Agg")
    folder = Path(folder)
    title = folder_title(folder) or f"{getattr(model, 'name', '') or 'model'} · {test.dataset} · seed {seed}"
    latent = _Latent(model, test, seed, device)
    jobs = {
        "curves_plot": lambda: training_curves_figure(curves if curves is not None else _read_curves(folder)),
        "density": lambda: density_figure(samples, reference) if kind == "points" else _skip("2-D data only"),
        "latent_tsne": lambda: latent_tsne_figure(
            latent.codes(), latent.labels(), latent.prior(PRIOR_N), seed, latent.source
        ),
        "singular_values": lambda: singular_values_figure(
            latent.codes(), latent.prior(len(latent.codes())), latent.source
        ),
        "prior_disagreement": lambda: prior_disagreement_figure(latent, kind, reference),
        "interpolations": lambda: interpolation_figure(latent) if kind == "image" else _skip("images only"),
        "reconstructions": lambda: reconstruction_figure(latent) if kind == "image" else _skip("images only"),
        "nearest_neighbours": lambda: (
            nearest_neighbours_figure(samples, train, test) if kind == "image" else _skip("images only")
        ),
        "prd_plot": lambda: _run_prd_figure(folder, seed),
    }
    artifacts, errors = {}, {}
    for name, job in jobs.items():
        try:
            png = figure_bytes(job(), title)
        except _Skip:
            continue
        except Exception as e:  # a figure must never fail a completed run
            errors[name] = f"{type(e).__name__}: {e}"
            log.warning("figure %s failed: %s", name, errors[name], exc_info=log.isEnabledFor(logging.DEBUG))
            continue
        atomic_write_bytes(folder / FILES[name], png)
        artifacts[name] = FILES[name]
    return artifacts, errors


def _skip(why: str):
    raise _Skip(why)


def _read_curves(folder: Path):
    path = folder / "curves.json"
    return read_json(path, what="training curves", missing_ok=True) or []


# ------------------------------------------------------------------------------ the latent side


class _Latent:
    """Data-induced codes, labels and prior samples of one model, computed once, on demand."""

    def __init__(self, model, test, seed: int, device: str):
        self.model, self.test, self.seed, self.device = model, test, seed, device
        self._codes = self._labels = None
        self.source = None

    def _generator(self, offset: int):
        import torch

        return torch.Generator().manual_seed(self.seed * 1_000_003 + 20_000 + offset)

    def _subset(self, n: int):
        import torch

        perm = torch.randperm(len(self.test), generator=torch.Generator().manual_seed(0))[:n]
        x = self.test.as_float(self.test.x[perm])
        y = None if self.test.y is None else self.test.y[perm].cpu().numpy()
        return x, y

    def codes(self):
        """[N, d] numpy codes of a fixed test subset: encoded, or reversed through the decoder."""
        if self._codes is not None:
            return self._codes
        import torch

        m = self.model
        if m.has("encode"):
            x, y = self._subset(CODES_N)
            with torch.no_grad():
                z = torch.cat([_cpu(m.encode(b.to(self.device))) for b in x.split(256)])
            self.source = "encoded"
        elif m.has("decode"):
            from .reversal import reverse

            x, y = self._subset(REVERSAL_N)
            z = reverse(
                lambda c: m.decode(c),
                x.to(self.device),
                m.latent_dim,
                steps=REVERSAL_STEPS,
                optimizer=REVERSAL_OPTIMIZER,
                generator=self._generator(1),
            ).codes
            z = _cpu(z)
            self.source = "reversed"
        else:
            _skip("the model has neither encode nor decode")
        self._codes, self._labels = z.numpy(), y
        return self._codes

    def labels(self):
        self.codes()
        return self._labels

    def prior(self, n: int):
        if not self.model.has("sample_prior"):
            _skip("the model has no sample_prior")
        import torch

        with torch.no_grad():
            return _cpu(self.model.sample_prior(n, self._generator(2))).numpy()

    def decode(self, z):
        if not self.model.has("decode"):
            _skip("the model has no decode")
        import torch

        z = torch.as_tensor(z, dtype=torch.float32)
        with torch.no_grad():
            return torch.cat([_cpu(self.model.decode(b.to(self.device))) for b in z.split(256)])


def _cpu(t):
    return t.detach().float().cpu()


# ----------------------------------------------------------------------------------- the figures


# Each returns a matplotlib figure; make_run_figures titles it with the run and saves it.


def training_curves_figure(curves):
    import matplotlib.pyplot as plt

    keys = list(dict.fromkeys(k for row in curves or [] for k in row if k != "step"))
    if not keys:
        _skip("no curves were logged")
    cols = min(3, len(keys))
    rows = math.ceil(len(keys) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.6 * rows), squeeze=False)
    for ax, key in zip(axes.flat, keys):
        pts = [(r["step"], r[key]) for r in curves if key in r]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], lw=1.2)
        ax.set_title(key, fontsize=10)
        ax.set_xlabel("step", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(keys) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def density_figure(samples, reference):
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import LogNorm

    gen, ref = np.asarray(samples, dtype=float), np.asarray(reference, dtype=float)
    both = np.vstack([gen, ref])
    lo, hi = np.percentile(both, 0.5, axis=0), np.percentile(both, 99.5, axis=0)
    pad = 0.15 * (hi - lo).max()
    lim = [(lo[0] - pad, hi[0] + pad), (lo[1] - pad, hi[1] + pad)]
    fig, ax = plt.subplots(figsize=(4.4, 4))
    # the real mixture underneath in grey; empty bins stay transparent (cmin=1) so it shows
    ax.scatter(ref[:, 0], ref[:, 1], s=1, c="0.6", alpha=0.5, label="data", zorder=1)
    *_, im = ax.hist2d(gen[:, 0], gen[:, 1], bins=80, range=lim, cmap="viridis", norm=LogNorm(), cmin=1, zorder=2)
    fig.colorbar(im, ax=ax, label="generated samples per bin")
    ax.set_aspect("equal")
    ax.set_title("generated density", fontsize=9)
    ax.legend(loc="upper right", markerscale=6, fontsize=7)
    return fig


def latent_tsne_figure(codes, labels, prior, seed: int, source: str | None = None):
    import matplotlib.pyplot as plt
    import numpy as np

    both = np.vstack([codes, prior])
    if both.shape[1] > 2:
        from sklearn.manifold import TSNE

        perplexity = min(TSNE_PERPLEXITY, (len(both) - 1) / 3)
        import inspect

        # scikit-learn < 1.5 calls the iteration count n_iter
        iters = "max_iter" if "max_iter" in inspect.signature(TSNE).parameters else "n_iter"
        emb = TSNE(
            n_components=2, perplexity=perplexity, init="pca", random_state=seed, **{iters: TSNE_ITERATIONS}
        ).fit_transform(both)
        title = f"t-SNE of {source or ''} codes and prior samples"
    else:  # a 2-D latent space is its own picture
        emb = both[:, :2] if both.shape[1] == 2 else np.hstack([both, np.zeros_like(both)])
        title = f"{source or ''} codes and prior samples (latent space)"
    c, p = emb[: len(codes)], emb[len(codes) :]
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    if labels is not None:
        sc = ax.scatter(c[:, 0], c[:, 1], c=labels, cmap="tab10", s=7, alpha=0.85, label="data codes")
        fig.colorbar(sc, ax=ax, label="label")
    else:
        ax.scatter(c[:, 0], c[:, 1], s=7, c="tab:blue", alpha=0.7, label="data codes")
    ax.scatter(p[:, 0], p[:, 1], s=14, c="black", marker="x", linewidths=0.7, label="prior samples")
    ax.legend(loc="best", fontsize=7)
    ax.set_title(title.replace("  ", " "), fontsize=9)
    ax.set_xticks([]), ax.set_yticks([])
    return fig


def singular_values(z):
    """Singular values of the N×d code matrix divided by √N (the scale PAG compares)."""
    import numpy as np

    z = np.asarray(z, dtype=np.float64)
    return np.linalg.svd(z, compute_uv=False) / math.sqrt(len(z))


def singular_values_figure(codes, prior, source: str | None = None):
    import matplotlib.pyplot as plt
    import numpy as np

    if len(codes) < codes.shape[1]:
        _skip("fewer codes than latent dimensions")
    sc, sp = singular_values(codes), singular_values(prior)
    fig, ax = plt.subplots(figsize=(4.6, 3.2))
    idx = np.arange(1, len(sc) + 1)
    ax.plot(idx, sc, "o-", ms=3, label=f"{source or 'data'} codes")
    ax.plot(idx, sp, "s--", ms=3, label="prior samples")
    ax.set_yscale("log")
    ax.set_xlabel("index (sorted)", fontsize=8)
    ax.set_ylabel("singular value / √N", fontsize=8)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return fig


def farthest_prior_samples(codes, prior, k: int):
    """Indices of the k prior samples farthest from their nearest data-induced code, farthest first,
    and those distances."""
    import numpy as np
    from sklearn.neighbors import NearestNeighbors

    dist, _ = NearestNeighbors(n_neighbors=1).fit(codes).kneighbors(prior)
    dist = dist[:, 0]
    order = np.argsort(-dist, kind="stable")[:k]
    return order, dist[order]


def prior_disagreement_figure(latent: _Latent, kind: str, reference):
    import matplotlib.pyplot as plt

    codes, prior = latent.codes(), latent.prior(DISAGREEMENT_POOL)
    idx, dist = farthest_prior_samples(codes, prior, DISAGREEMENT_SHOW)
    x = latent.decode(prior[idx])
    if kind == "image":
        return _image_grid_figure(
            x,
            nrow=5,
            title=f"{len(idx)} of {len(prior)} prior samples farthest from the data codes "
            f"(distance {dist[-1]:.3g}–{dist[0]:.3g})",
        )
    fig, ax = plt.subplots(figsize=(4.2, 4))
    ref = reference.numpy() if hasattr(reference, "numpy") else reference
    ax.scatter(ref[:, 0], ref[:, 1], s=1, c="tab:blue", alpha=0.3, label="data")
    ax.scatter(x[:, 0], x[:, 1], s=22, c="tab:red", marker="x", label=f"{len(idx)} farthest prior samples, decoded")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7, markerscale=1.5)
    return fig


def interpolation_figure(latent: _Latent):
    import numpy as np

    try:
        ends = latent.codes()
    except _Skip:
        ends = latent.prior(2 * INTERP_PAIRS)
    pairs = min(INTERP_PAIRS, len(ends) // 2)
    if pairs == 0:
        _skip("no codes to interpolate")
    a, b = ends[:pairs], ends[pairs : 2 * pairs]
    t = np.linspace(0.0, 1.0, INTERP_STEPS)[None, :, None]
    z = ((1 - t) * a[:, None, :] + t * b[:, None, :]).reshape(-1, a.shape[1])
    return _image_grid_figure(latent.decode(z), nrow=INTERP_STEPS, title="each row: a straight line in latent space")


def reconstruction_figure(latent: _Latent):
    """Test items above their reconstructions, two rows per block of RECON_N."""
    import torch

    if not (latent.model.has("encode") and latent.model.has("decode")):
        _skip("reconstructions need encode and decode")
    x, _ = latent._subset(RECON_N)
    with torch.no_grad():
        rec = latent.decode(_cpu(latent.model.encode(x.to(latent.device))))
    mse = float(((rec - x) ** 2).mean())
    return _image_grid_figure(
        torch.cat([x, rec.reshape(x.shape)]),
        nrow=len(x),
        title=f"top: {len(x)} test items; bottom: their reconstructions (pixel MSE {mse:.3g})",
    )


def nearest_training_images(samples, train_x, k: int):
    """(indices [n, k], distances [n, k]) of each sample's k nearest training images, by Euclidean
    distance between pixel vectors in [0, 1]."""
    from sklearn.neighbors import NearestNeighbors

    flat = lambda a: a.reshape(len(a), -1).numpy()  # noqa: E731
    dist, idx = NearestNeighbors(n_neighbors=k).fit(flat(train_x)).kneighbors(flat(samples))
    return idx, dist


def nearest_neighbours_figure(samples, train, test):
    """NN_SAMPLES generated images, each beside its NN_K nearest training images and their distances;
    the subtitle gives the same distance for held-out test images, the yardstick for "a copy"."""
    import matplotlib.pyplot as plt
    import numpy as np
    import torch

    if train is None:
        _skip("no training split given")
    g = torch.Generator().manual_seed(0)
    pool = train.x if len(train) <= NN_TRAIN else train.x[torch.randperm(len(train), generator=g)[:NN_TRAIN]]
    pool = train.as_float(pool).cpu()
    shown = samples[:NN_SAMPLES].float().cpu().clamp(0, 1)
    idx, dist = nearest_training_images(shown, pool, NN_K)
    held = test.as_float(test.x[torch.randperm(len(test), generator=g)[:NN_HELDOUT]]).cpu()
    held_d = nearest_training_images(held, pool, 1)[1][:, 0]
    gen_d = nearest_training_images(samples.float().cpu().clamp(0, 1), pool, 1)[1][:, 0]
    cols, per = 2, NN_K + 1  # two blocks side by side keep the figure about as wide as tall
    rows = math.ceil(len(shown) / cols)
    fig, axes = plt.subplots(rows, cols * per, figsize=(1.05 * cols * per, 1.25 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i in range(len(shown)):
        r, c0 = i % rows, (i // rows) * per
        cells = [(shown[i], "sample", True)] + [(pool[j], f"d = {d:.2f}", False) for j, d in zip(idx[i], dist[i])]
        for c, (img, label, framed) in enumerate(cells):
            ax = axes[r, c0 + c]
            ax.imshow(_hwc(img), cmap="gray" if img.shape[0] == 1 else None, vmin=0, vmax=1, interpolation="nearest")
            ax.set_title(label, fontsize=8, color="tab:red" if framed else "black")
            if framed:  # a frame marks the generated image (axis off hides spines, so draw one)
                ax.add_patch(
                    plt.Rectangle(
                        (-0.5, -0.5), img.shape[-1], img.shape[-2], fill=False, edgecolor="tab:red", linewidth=2
                    )
                )
    fig.text(
        0.5,
        0.0,
        f"nearest-training distance (pixels, L2): generated median {np.median(gen_d):.2f}, "
        f"min {gen_d.min():.2f} (n={len(gen_d)}); held-out real median {np.median(held_d):.2f}, "
        f"min {held_d.min():.2f} (n={len(held_d)})",
        ha="center",
        va="top",
        fontsize=8,
    )
    fig.tight_layout()
    return fig


def _hwc(img):
    """[C, H, W] tensor → what imshow draws: [H, W] for one channel, [H, W, C] otherwise."""
    a = img.numpy()
    return a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)


def grid_scale(width_px: int) -> int:
    """Screen pixels per data pixel for an image grid width_px wide (integer: nearest-neighbour)."""
    return max(1, min(GRID_MAX_SCALE, GRID_TARGET_PX // max(1, width_px)))


def _image_grid_figure(x, nrow: int, title: str):
    import matplotlib.pyplot as plt
    from torchvision.utils import make_grid

    grid = make_grid(x.clamp(0, 1), nrow=nrow, padding=1, pad_value=1.0).permute(1, 2, 0).numpy()
    h, w = grid.shape[:2]
    k = grid_scale(w)
    fig = plt.figure(figsize=(w * k / 100, h * k / 100 + 0.3))  # figure_bytes saves at 100 dpi
    ax = fig.add_axes((0, 0, 1, h * k / 100 / (h * k / 100 + 0.3)))
    ax.imshow(grid, interpolation="nearest")
    ax.set_title(title, fontsize=8)
    ax.axis("off")
    return fig


# -------------------------------------------------------------------------------- PRD comparison

PRD_CURVE = "prd_curve.json"


def read_prd_curve(folder):
    """The PRD curve a run saved as ``prd_curve.json`` ({"precision": [...], "recall": [...]}), or None."""
    path = Path(folder) / PRD_CURVE
    if not path.exists():
        return None
    try:
        data = read_json(path, what="PRD curve")
        p, r = [float(v) for v in data["precision"]], [float(v) for v in data["recall"]]
    except (ValueError, KeyError, TypeError) as e:
        log.warning("ignoring unreadable %s (%s)", path, e)
        return None
    if len(p) != len(r) or not p:
        log.warning("ignoring %s: precision and recall differ in length or are empty", path)
        return None
    return p, r


def _run_prd_figure(folder, seed):
    curve = read_prd_curve(folder)
    if curve is None:
        _skip("the run saved no PRD curve")
    return prd_figure({f"seed {seed}": curve})


PRD_BETA = 8.0  # Sajjadi et al. 2018: F_8 weighs recall, F_1/8 precision


def f_beta_point(precision, recall, beta: float = PRD_BETA) -> tuple[float, float]:
    """(F_β, F_1/β) of a PRD curve: each the maximum over the curve of
    (1 + b²)·p·r / (b²·p + r), as the prd metric reports them (prd_recall, prd_precision)."""
    import numpy as np

    p, r = np.asarray(precision, dtype=float), np.asarray(recall, dtype=float)

    def f(b):
        return float(np.max((1 + b * b) * p * r / (b * b * p + r + 1e-10)))

    return f(beta), f(1.0 / beta)


def prd_figure(curves: dict):
    """One model's PRD curves, one per seed ({label: (precision, recall)}), each with its
    (F_8, F_1/8) point starred: recall on x, precision on y, as in Sajjadi et al.'s Fig. 1."""
    import matplotlib.pyplot as plt

    if not curves:
        _skip("no PRD curve")
    fig, ax = plt.subplots(figsize=(4.2, 3.9))
    for i, (label, (p, r)) in enumerate(curves.items()):
        color = f"C{i % 10}"
        f8, f18 = f_beta_point(p, r)
        ax.plot(r, p, lw=1.4, color=color, label=f"{label}: F8 {f8:.3f}, F1/8 {f18:.3f}")
        ax.plot([f8], [f18], marker="*", ms=13, color=color, markeredgecolor="black", markeredgewidth=0.6)
    ax.set_xlim(0, 1.02), ax.set_ylim(0, 1.02)
    ax.set_xlabel("recall  (★ x: F_8)", fontsize=9)
    ax.set_ylabel("precision  (★ y: F_1/8)", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower left")
    return fig
