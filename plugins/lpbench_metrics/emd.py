"""Earth mover's distance: exact optimal transport (POT) with Euclidean ground cost."""
from lpbench import Metric


class EMD(Metric):
    name = "emd"
    description = ("Exact earth mover's distance (POT emd2, Euclidean cost) between equal-size sets: points "
                   "for 2-D data, the evaluator's features for images; emd_floor: real vs real at the same n")
    higher_is_better = False
    needs = ("features",)
    defaults = {"num_iter_max": 10_000_000, "floor": True}

    def compute(self, ev):
        layer = ev.extractor.layer_for(self.name) if ev.extractor is not None else "features"
        out = {"emd": emd(ev.features("generated")[layer], ev.features("reference")[layer],
                          self.settings["num_iter_max"])}
        # The floor: what a perfect model scores at this sample size, from two disjoint real sets.
        # Only for raw points (no extra feature pass) and when the split holds 2n samples.
        held = ev.held_out_reference
        if self.settings["floor"] and ev.kind == "points" and held is not None and len(held) == len(ev.reference):
            feats = ev.extractor.extract(held, device=ev.device)[layer] if ev.extractor is not None else held
            out["emd_floor"] = emd(feats, ev.features("reference")[layer], self.settings["num_iter_max"])
        return out


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
