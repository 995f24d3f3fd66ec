"""Precision and recall for distributions (Sajjadi et al. 2018), as its reference prd_score.py:
mini-batch k-means (scikit-learn, 20 clusters, n_init 10) on the union of the two embeddings,
the PRD curve over 1001 angles averaged over 10 clusterings, F_8 (recall) and F_1/8 (precision).
The k-means runs are seeded (the reference leaves them unseeded) so evaluations repeat exactly."""

from __future__ import annotations

import os

from lpbench import DataError, Metric


class PRD(Metric):
    name = "prd"
    description = (
        "Precision/recall for distributions (Sajjadi et al. 2018): prd_recall = F_8, "
        "prd_precision = F_1/8; curve saved as prd_curve.json in the run folder"
    )
    higher_is_better = True
    needs = ("features",)
    defaults = {"num_clusters": 20, "num_angles": 1001, "num_runs": 10, "beta": 8.0, "kmeans_n_init": 10}

    def compute(self, ev):
        layer = ev.extractor.layer_for(self.name) if ev.extractor is not None else "features"
        gen, ref = ev.features("generated")[layer], ev.features("reference")[layer]
        if len(gen) != len(ref):
            raise DataError(
                f"prd needs equal set sizes (reference algorithm); got {len(gen)} generated "
                f"and {len(ref)} reference samples"
            )
        s = self.settings
        if len(gen) + len(ref) < s["num_clusters"]:
            raise DataError(f"prd needs at least {s['num_clusters']} points in the union of both sets")
        precision, recall = prd_curve(gen, ref, s["num_clusters"], s["num_angles"], s["num_runs"], s["kmeans_n_init"])
        f_beta, f_beta_inv = max_f_beta_pair(precision, recall, s["beta"])
        if ev.out_dir is not None:  # the run's figures and the report plot it (prd_curve.png)
            save_curve(precision, recall, os.path.join(str(ev.out_dir), "prd_curve.json"))
        return {"prd_recall": f_beta, "prd_precision": f_beta_inv}


def cluster_histograms(eval_data, ref_data, num_clusters, seed, n_init=10):
    """Cluster the union of both sets; → (eval histogram, ref histogram), each summing to 1."""
    import numpy as np
    from sklearn.cluster import MiniBatchKMeans

    data = np.vstack([eval_data, ref_data])
    labels = MiniBatchKMeans(n_clusters=num_clusters, n_init=n_init, random_state=seed).fit(data).labels_
    e = np.bincount(labels[: len(eval_data)], minlength=num_clusters) / len(eval_data)
    r = np.bincount(labels[len(eval_data) :], minlength=num_clusters) / len(ref_data)
    return e, r


def prd_from_histograms(eval_dist, ref_dist, num_angles=1001, epsilon=1e-10):
    """α(λ) = Σ min(λ·ref, eval), β(λ) = α(λ)/λ for λ = tan of num_angles angles in (0, π/2)."""
    import numpy as np

    slopes = np.tan(np.linspace(epsilon, np.pi / 2 - epsilon, num_angles))
    precision = np.minimum(ref_dist[None, :] * slopes[:, None], eval_dist[None, :]).sum(axis=1)
    recall = precision / slopes
    if max(precision.max(), recall.max()) > 1.001:
        raise ValueError("PRD: precision or recall above 1; the histograms do not sum to 1")
    return np.clip(precision, 0, 1), np.clip(recall, 0, 1)


def prd_curve(eval_data, ref_data, num_clusters=20, num_angles=1001, num_runs=10, n_init=10):
    """The PRD curve averaged over ``num_runs`` clusterings seeded 0..num_runs−1."""
    import numpy as np

    curves = [
        prd_from_histograms(*cluster_histograms(eval_data, ref_data, num_clusters, run, n_init), num_angles)
        for run in range(num_runs)
    ]
    return np.mean([c[0] for c in curves], axis=0), np.mean([c[1] for c in curves], axis=0)


def max_f_beta_pair(precision, recall, beta=8.0, epsilon=1e-10):
    """(max F_β, max F_1/β) over the curve: F_β weights recall, F_1/β precision."""
    import numpy as np

    def f(b):
        return (1 + b**2) * precision * recall / (b**2 * precision + recall + epsilon)

    return float(np.max(f(beta))), float(np.max(f(1.0 / beta)))


def save_curve(precision, recall, path):
    """Write {"precision": [...], "recall": [...]} atomically: the file contract the figures read."""
    from lpbench import store

    store.atomic_write_json(
        path, {"precision": [float(v) for v in precision], "recall": [float(v) for v in recall]}, what="PRD curve"
    )
