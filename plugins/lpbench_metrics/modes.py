"""Mode coverage and sample quality on mixtures with known modes (eight_gaussians): the standard
companions of EMD on this benchmark (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018).

A sample is *high quality* when it lies within ``sigmas``·std of its nearest mode center; a mode is
*covered* when at least ``min_fraction`` of the samples are high-quality samples of that mode.
The centers and std come from the dataset plugin (``Evaluation.data``: ``centers()``, ``std``),
so they follow the run's data settings.
"""

from lpbench import LpbenchError, Metric


def nearest_mode(points, centers, std: float, sigmas: float):
    """(index of the nearest center, whether it is within sigmas·std) for each point."""
    import numpy as np
    from scipy.spatial.distance import cdist

    dist = cdist(np.asarray(points, dtype=np.float64), np.asarray(centers, dtype=np.float64))
    nearest = dist.argmin(1)
    return nearest, dist[np.arange(len(dist)), nearest] <= sigmas * std


def _mixture(metric, ev):
    data = ev.data
    if data is None or not hasattr(data, "centers") or not hasattr(data, "std"):
        raise LpbenchError(
            f"metric '{metric.name}' needs a dataset with known mode centers and std (a dataset plugin "
            f"with centers() and std, such as eight_gaussians); '{ev.dataset}' has none"
        )
    import numpy as np

    samples = ev.samples.detach().cpu().numpy() if hasattr(ev.samples, "detach") else np.asarray(ev.samples)
    centers = data.centers()
    centers = centers.numpy() if hasattr(centers, "numpy") else np.asarray(centers)
    return samples, centers, float(data.std)


class ModesCovered(Metric):
    name = "modes"
    description = "Number of mixture modes with enough generated samples within 3σ (VEEGAN/PacGAN convention)"
    higher_is_better = True
    needs = ("samples",)
    kinds = ("points",)
    defaults = {"sigmas": 3.0, "min_fraction": 0.008}

    def compute(self, ev):
        import math

        import numpy as np

        samples, centers, std = _mixture(self, ev)
        nearest, good = nearest_mode(samples, centers, std, self.settings["sigmas"])
        counts = np.bincount(nearest[good], minlength=len(centers))
        need = max(1, math.ceil(self.settings["min_fraction"] * len(samples)))
        return {"modes": int((counts >= need).sum())}


class HighQuality(Metric):
    name = "hq"
    description = "Percentage of generated samples within 3σ of some mode's center"
    higher_is_better = True
    needs = ("samples",)
    kinds = ("points",)
    defaults = {"sigmas": 3.0}

    def compute(self, ev):
        samples, centers, std = _mixture(self, ev)
        _, good = nearest_mode(samples, centers, std, self.settings["sigmas"])
        return {"hq": 100.0 * float(good.mean())}
