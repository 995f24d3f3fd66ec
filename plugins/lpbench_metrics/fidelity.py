"""fid, is, kid through torch-fidelity's own code, on feature extractors that produce every layer
those metrics (and prd, emd) need in one forward pass.

Extractors: ``inception-v3-compat`` (torch-fidelity's Inception-v3, the standard for FID/IS/KID)
and ``digits_cnn`` (a small classifier trained by lpbench on digits' train split, shipped in the
package, registered with torch-fidelity as a custom feature extractor so the offline scores go
through exactly the same code). The metrics compute from the shared features with torch-fidelity's
functions: fid_featuresdict_to_statistics/fid_statistics_to_metric, isc_featuresdict_to_metric,
kid_featuresdict_to_metric.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from lpbench import DataError, FeatureExtractor, LpbenchError, Metric, store

INCEPTION_ENV = "LPBENCH_INCEPTION_WEIGHTS"
_SHA_CACHE: dict = {}
_MODULES: dict = {}


def to_uint8(x):
    """Float images in [0, 1] → uint8, the input torch-fidelity's extractors expect (round to
    nearest: a uint8 image read as x/255 maps back to itself exactly)."""
    import torch

    if x.dtype == torch.uint8:
        return x
    return x.detach().float().cpu().mul(255.0).round_().clamp_(0, 255).to(torch.uint8)


def _sha256(path) -> str:
    p = Path(path)
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _SHA_CACHE:
        from ._fidelity_nets import file_sha256

        _SHA_CACHE[key] = file_sha256(p)
    return _SHA_CACHE[key]


class FidelityFeatures(FeatureExtractor):
    """Base of the extractors backed by a torch-fidelity FeatureExtractorBase."""

    kinds = ("image",)
    fidelity_name: ClassVar[str] = ""
    layers: ClassVar[tuple] = ()  # every layer produced, all in one forward pass
    rgb: ClassVar[bool] = False  # repeat grayscale images to 3 channels (Inception's input)
    batch_size: ClassVar[int] = 64  # torch-fidelity's default batch size

    def weights_path(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def weights_id(self) -> str:
        return "sha256:" + _sha256(self.weights_path())

    def _register(self) -> None:
        """Register the torch-fidelity class under ``fidelity_name`` if it is not built in."""

    def module(self, device="cpu"):
        """The torch-fidelity feature extractor, loaded once per process, weights and device (a
        grid of runs evaluates with one network; Inception's weights take a while to load)."""
        key = (self.fidelity_name, self.layers, self.weights_id(), str(device))
        if key not in _MODULES:
            from torch_fidelity.utils import create_feature_extractor

            self._register()
            fe = create_feature_extractor(
                self.fidelity_name,
                list(self.layers),
                cuda=False,
                verbose=False,
                feature_extractor_weights_path=str(self.weights_path()),
            )
            _MODULES[key] = fe.to(device)
        return _MODULES[key]

    def extract(self, x, device="cpu"):
        from ._fidelity_nets import extract

        u8 = to_uint8(x)
        if self.rgb and u8.shape[1] == 1:
            u8 = u8.repeat(1, 3, 1, 1)
        return extract(self.module(device), u8, device, self.batch_size)


class InceptionV3Features(FidelityFeatures):
    name = "inception-v3-compat"
    description = (
        "torch-fidelity's Inception-v3 (TF-compatible): pool3 2048-d features for FID/KID/PRD/EMD, "
        "logits for IS; weights via --inception-weights or LPBENCH_INCEPTION_WEIGHTS offline"
    )
    fidelity_name = "inception-v3-compat"
    layers = ("2048", "logits_unbiased")
    # torch-fidelity's defaults for this extractor (get_default_feature_layer_for_metric)
    metric_layers = {"fid": "2048", "kid": "2048", "is": "logits_unbiased", "prd": "2048", "emd": "2048"}
    rgb = True

    def weights_path(self) -> str:
        if "_weights" not in self.__dict__:
            self._weights = resolve_inception_weights(self.options.get("inception_weights"))
        return self._weights


def resolve_inception_weights(explicit=None) -> str:
    """The Inception weights file: --inception-weights, else $LPBENCH_INCEPTION_WEIGHTS, else
    torch-hub's cache, else downloaded there. Offline without a file → a clear LpbenchError."""
    import socket

    from torch.hub import download_url_to_file, get_dir
    from torch_fidelity.feature_extractor_inceptionv3 import URL_INCEPTION_V3

    given = explicit or os.environ.get(INCEPTION_ENV)
    if given:
        if not Path(given).is_file():
            source = "--inception-weights" if explicit else INCEPTION_ENV
            raise LpbenchError(f"Inception weights file {given} (from {source}) does not exist")
        return str(given)
    cached = Path(get_dir()) / "checkpoints" / URL_INCEPTION_V3.rsplit("/", 1)[-1]
    if cached.is_file():
        return str(cached)
    cached.parent.mkdir(parents=True, exist_ok=True)
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(30)
    try:
        download_url_to_file(URL_INCEPTION_V3, str(cached), progress=False)
    except Exception as e:  # URLError, timeouts, HTTP errors: all mean "not available here"
        raise LpbenchError(
            f"the Inception-v3 weights are not on this machine and could not be downloaded "
            f"({type(e).__name__}: {e}). Download {URL_INCEPTION_V3} where the network allows and pass "
            f"--inception-weights PATH (or set {INCEPTION_ENV}=PATH), or put it at {cached}; or "
            f"evaluate with an offline extractor (datasets.<name>.evaluation.feature_extractor in the registry)."
        ) from None
    finally:
        socket.setdefaulttimeout(old)
    return str(cached)


class DigitsCNNFeatures(FidelityFeatures):
    name = "digits_cnn"
    description = (
        "Small CNN classifier trained by lpbench on digits' train split (lpbench train-evaluator); "
        "64-d penultimate features for FID/KID/PRD/EMD, 10 logits for IS; offline"
    )
    fidelity_name = "lpbench-digits-cnn"
    layers = ("features", "logits")
    metric_layers = {"fid": "features", "kid": "features", "is": "logits", "prd": "features", "emd": "features"}
    trainable = True
    # Training settings (registry.yaml: extractors.<name> overrides them, with sources).
    train_defaults = {
        "width": 64,
        "pool": 4,
        "shift": 0,
        "features": "relu",
        "epochs": 40,
        "batch_size": 64,
        "lr": 1e-3,
        "weight_decay": 1e-4,
        "seed": 0,
    }
    dataset = "digits"  # whose train split the packaged weights were trained on

    def weights_path(self) -> str:
        path = self.options.get("weights") or self.default_weights_path()
        if not Path(path).is_file():
            raise LpbenchError(
                f"{self.name} weights {path} are missing; run 'lpbench train-evaluator "
                f"--dataset {self.dataset} --packaged'"
            )
        return str(path)

    def _register(self):
        from ._fidelity_nets import register_with_torch_fidelity

        register_with_torch_fidelity()

    @classmethod
    def default_weights_path(cls) -> Path:
        """The packaged weights: lpbench_metrics/weights/<name>.pt."""
        from ._fidelity_nets import WEIGHTS_DIR

        return WEIGHTS_DIR / f"{cls.name}.pt"

    @classmethod
    def train(cls, train, test, settings: dict, out, log=None) -> dict:
        """Train the classifier on ``train`` (a labelled DataSplit) and write ``out`` (weights) and
        ``out`` with .json (settings, test accuracy, sha256). Returns that JSON record."""
        import io
        import json

        import torch

        from ._fidelity_nets import file_sha256, train_classifier

        if train.y is None or test.y is None:
            raise DataError(f"{cls.name} is a classifier: its training set needs labels")
        num_classes = int(max(train.y.max(), test.y.max())) + 1
        ckpt, acc = train_classifier(
            train.x,
            train.y,
            test.x,
            test.y,
            num_classes=num_classes,
            width=settings["width"],
            epochs=settings["epochs"],
            batch_size=settings["batch_size"],
            lr=settings["lr"],
            weight_decay=settings["weight_decay"],
            seed=settings["seed"],
            pool=settings["pool"],
            shift=settings["shift"],
            features=settings["features"],
            log=log,
        )
        buf = io.BytesIO()
        torch.save(ckpt, buf)
        out = store.atomic_write_bytes(out, buf.getvalue(), what="extractor weights")
        info = {
            "extractor": cls.name,
            "dataset": train.dataset,
            "train_size": len(train),
            "test_size": len(test),
            "test_accuracy": acc,
            "settings": settings,
            "sha256": file_sha256(out),
            "torch": torch.__version__,
            "bytes": out.stat().st_size,
        }
        out.with_suffix(".json").write_text(json.dumps(info, indent=2) + "\n")
        return info


class MNIST5kCNNFeatures(DigitsCNNFeatures):
    name = "mnist5k_cnn"
    description = (
        "Small CNN classifier trained by lpbench on mnist5k's train split (lpbench train-evaluator); "
        "64-d penultimate features for FID/KID/PRD/EMD, 10 logits for IS; offline"
    )
    dataset = "mnist5k"


# -------------------------------------------------------------------------------------- metrics


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
