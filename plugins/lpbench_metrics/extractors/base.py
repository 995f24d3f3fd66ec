"""The extractors backed by a torch-fidelity feature extractor: images go in as uint8, every layer
the metrics read comes out of one forward pass, through torch-fidelity's own batching loop
(feature_pass.py). A network is loaded once per process, weights file and device."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import ClassVar

from lpbench import FeatureExtractor

_SHA_CACHE: dict = {}
_MODULES: dict = {}


def to_uint8(x):
    """Float images in [0, 1] → uint8, the input torch-fidelity's extractors expect (round to
    nearest: a uint8 image read as x/255 maps back to itself exactly)."""
    import torch

    if x.dtype == torch.uint8:
        return x
    return x.detach().float().cpu().mul(255.0).round_().clamp_(0, 255).to(torch.uint8)


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _sha256(path) -> str:
    p = Path(path)
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _SHA_CACHE:
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
        from .feature_pass import extract

        u8 = to_uint8(x)
        if self.rgb and u8.shape[1] == 1:
            u8 = u8.repeat(1, 3, 1, 1)
        return extract(self.module(device), u8, device, self.batch_size)
