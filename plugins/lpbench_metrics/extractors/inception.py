"""``inception-v3-compat``: torch-fidelity's TF-compatible Inception-v3, the standard extractor for
FID, IS and KID; its weights come from --inception-weights, $LPBENCH_INCEPTION_WEIGHTS or
torch-hub's cache (downloaded there when the network allows)."""

from __future__ import annotations

import os
from pathlib import Path

from lpbench import LpbenchError

from .base import FidelityFeatures

INCEPTION_ENV = "LPBENCH_INCEPTION_WEIGHTS"


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
