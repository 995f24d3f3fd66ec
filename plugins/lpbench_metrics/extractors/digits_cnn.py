"""``digits_cnn``: a small CNN classifier (classifier_net.py) trained by lpbench on digits' train
split and shipped in the package (lpbench_metrics/weights/), registered with torch-fidelity as a
custom feature extractor so the offline scores go through torch-fidelity's own code.
``lpbench train-evaluator`` rebuilds its weights from the registry's settings."""

from __future__ import annotations

from pathlib import Path

from lpbench import DataError, LpbenchError, store

from .base import FidelityFeatures

# the packaged weights: package data of lpbench_metrics (pyproject.toml), beside this folder
WEIGHTS_DIR = Path(__file__).parent.parent / "weights"


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
        from .classifier_net import register_with_torch_fidelity

        register_with_torch_fidelity()

    @classmethod
    def default_weights_path(cls) -> Path:
        """The packaged weights: lpbench_metrics/weights/<name>.pt."""
        return WEIGHTS_DIR / f"{cls.name}.pt"

    @classmethod
    def train(cls, train, test, settings: dict, out, log=None) -> dict:
        """Train the classifier on ``train`` (a labelled DataSplit) and write ``out`` (weights) and
        ``out`` with .json (settings, test accuracy, sha256). Returns that JSON record."""
        import json

        import torch

        from .base import file_sha256
        from .classifier_net import train_classifier

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
        out = store.atomic_write_torch(out, ckpt, what="extractor weights")
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
