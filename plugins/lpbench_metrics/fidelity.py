"""fid, is, kid through torch-fidelity's own code: the metrics compute from the features the
dataset's extractor produced (lpbench_metrics/extractors/: Inception-v3, or the offline digits
and mnist5k classifiers) with torch-fidelity's functions — fid_featuresdict_to_statistics /
fid_statistics_to_metric, isc_featuresdict_to_metric, kid_featuresdict_to_metric.
"""

from __future__ import annotations

from lpbench import DataError, LpbenchError, Metric


def fidelity_features(ev, metric: str, key: str):
    """(generated, reference) feature dicts as torch tensors, and the layer ``key`` reads."""
    import torch

    ex = ev.extractor
    if ex is None or key not in getattr(ex, "metric_layers", {}):
        have = "no feature extractor" if ex is None else f"feature extractor '{ex.name}'"
        raise LpbenchError(
            f"metric '{metric}' needs a classifier feature extractor (inception-v3-compat, digits_cnn); "
            f"dataset '{ev.dataset}' is evaluated with {have} "
            f"(registry: datasets.{ev.dataset}.evaluation.feature_extractor)"
        )
    layer = ex.layer_for(key)

    def as_torch(d):
        return {layer: torch.from_numpy(d[layer])}

    return as_torch(ev.features("generated")), lambda: as_torch(ev.features("reference")), layer


class FID(Metric):
    name = "fid"
    description = "Fréchet Inception Distance (torch-fidelity) on the dataset's feature extractor"
    higher_is_better = False
    needs = ("features",)
    kinds = ("image",)

    def compute(self, ev):
        from torch_fidelity.metric_fid import KEY_METRIC_FID, fid_featuresdict_to_statistics, fid_statistics_to_metric

        gen, ref, layer = fidelity_features(ev, self.name, "fid")
        s1 = fid_featuresdict_to_statistics(gen, layer)
        s2 = fid_featuresdict_to_statistics(ref(), layer)
        return {"fid": fid_statistics_to_metric(s1, s2, False)[KEY_METRIC_FID]}


class IS(Metric):
    name = "is"
    description = "Inception Score (torch-fidelity; 10 splits) on the dataset's classifier logits"
    higher_is_better = True
    needs = ("features",)
    kinds = ("image",)
    defaults = {"isc_splits": 10, "samples_shuffle": True, "rng_seed": 2020}

    def compute(self, ev):
        from torch_fidelity.metric_isc import KEY_METRIC_ISC_MEAN, KEY_METRIC_ISC_STD, isc_featuresdict_to_metric

        gen, _, layer = fidelity_features(ev, self.name, "is")
        if len(gen[layer]) < self.settings["isc_splits"]:
            raise DataError(f"metric 'is' needs at least isc_splits={self.settings['isc_splits']} samples")
        out = isc_featuresdict_to_metric(gen, layer, verbose=False, **self.settings)
        return {"is": out[KEY_METRIC_ISC_MEAN], "is_std": out[KEY_METRIC_ISC_STD]}


class KID(Metric):
    name = "kid"
    description = (
        "Kernel Inception Distance (torch-fidelity; cubic polynomial kernel, average over 100 subsets "
        "of min(1000, n/2) samples; kid_std: their spread)"
    )
    higher_is_better = False
    needs = ("features",)
    kinds = ("image",)
    defaults = {"kid_subsets": 100, "kid_subset_size": 1000, "rng_seed": 2020}

    def compute(self, ev):
        from torch_fidelity.metric_kid import KEY_METRIC_KID_MEAN, KEY_METRIC_KID_STD, kid_featuresdict_to_metric

        gen, ref, layer = fidelity_features(ev, self.name, "kid")
        ref = ref()
        # The estimator is unbiased for any subset size (only its spread grows). Subsets of at
        # most half the smaller set, drawn afresh each time, differ from one another, so kid_std is
        # the spread of the subset estimates; a subset as large as the set would be the same set
        # every time and its "std" zero (issue 16). The size used is recorded.
        n = min(len(gen[layer]), len(ref[layer]))
        m = min(int(self.settings["kid_subset_size"]), n // 2)
        if m < 2:
            from lpbench import DataError

            raise DataError(f"kid needs at least 4 samples per set (subsets of half the set); got {n}")
        out = kid_featuresdict_to_metric(gen, ref, layer, verbose=False, **{**self.settings, "kid_subset_size": m})
        return {"kid": out[KEY_METRIC_KID_MEAN], "kid_std": out[KEY_METRIC_KID_STD], "kid_subset_size": m}
