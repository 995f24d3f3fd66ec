"""Earth mover's distance: exact optimal transport (POT) with Euclidean ground cost."""
from lpbench import Metric


class EMD(Metric):
    name = "emd"
    description = "Exact earth mover's distance (POT emd2, Euclidean cost) between equal-size sets of features"
    higher_is_better = False
    needs = ("features",)
    defaults = {"num_iter_max": 10_000_000}

    def compute(self, ev):
        return {"emd": emd(ev.features("generated")["features"], ev.features("reference")["features"],
                           self.settings["num_iter_max"])}


def emd(x, y, num_iter_max=10_000_000):
    """EMD between point sets x [n, d] and y [m, d] with uniform weights.

    Euclidean ground cost: POT's default (squared Euclidean) would give W2², not EMD; its
    default iteration cap is too small at a few thousand points.
    """
    import numpy as np
    import ot

    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    a = np.full(len(x), 1.0 / len(x))
    b = np.full(len(y), 1.0 / len(y))
    M = ot.dist(x, y, metric="euclidean")
    return float(ot.emd2(a, b, M, numItermax=int(num_iter_max)))
