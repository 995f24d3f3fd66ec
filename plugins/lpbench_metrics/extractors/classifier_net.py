"""The network of the digits_cnn and mnist5k_cnn extractors: the small CNN classifier, how it is
trained (``lpbench train-evaluator``), and the torch-fidelity feature-extractor class that wraps it.
Imported only from inside methods (imports torch)."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch_fidelity.feature_extractor_base import FeatureExtractorBase

from lpbench import store

from .digits_cnn import WEIGHTS_DIR

DIGITS_WEIGHTS = WEIGHTS_DIR / "digits_cnn.pt"
DIGITS_FIDELITY_NAME = "lpbench-digits-cnn"


class ClassifierNet(nn.Module):
    """A small CNN classifier for low-resolution grayscale images.

    conv(16)-ReLU-conv(32)-ReLU-maxpool-adaptive-pool(pool×pool)-FC(width)-ReLU ["features"]-
    FC(classes) ["logits"]. About 38k parameters at width 64 and pool 4 (≈150 KB of float32
    weights): small enough to ship in the package. The adaptive pool makes it accept any image
    side ≥ 8; 28×28 digits keep more of their layout at pool 7.
    """

    def __init__(
        self, num_classes: int = 10, width: int = 64, in_channels: int = 1, pool: int = 4, features: str = "relu"
    ):
        super().__init__()
        if features not in ("relu", "linear"):
            raise ValueError(f"features must be 'relu' or 'linear', got {features!r}")
        self.config = {
            "num_classes": num_classes,
            "width": width,
            "in_channels": in_channels,
            "pool": pool,
            "features": features,
        }
        self.trunk = nn.Sequential(
            nn.Conv2d(in_channels, 16, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(pool),
            nn.Flatten(),
            nn.Linear(32 * pool * pool, width),
            nn.ReLU(),
        )
        self.head = nn.Linear(width, num_classes)
        # Set after training so the training set's features have unit RMS: KID's cubic kernel
        # (x·y/d + 1)³ assumes features of order one, as Inception's pool features are; raw
        # penultimate activations (RMS ≈ 9 here) would let the cubic term swamp it.
        self.register_buffer("feature_scale", torch.ones(()))

    def forward(self, x):
        """x: float [B, C, H, W] in [0, 1] → (features [B, width], logits [B, classes]). Features are
        the penultimate layer after its ReLU, or ("linear") before it: ReLU features of a net that
        fits its train set can leave units dead on every image, and a singular feature covariance
        makes FID's matrix square root ill-conditioned (mnist5k_cnn: 30 of 64 dead after the ReLU)."""
        pre = self.trunk[:-1](x)
        post = self.trunk[-1](pre)
        f = pre if self.config.get("features") == "linear" else post
        return f * self.feature_scale, self.head(post)


def to_network_input(x_uint8, in_channels: int):
    """uint8 [B, C, H, W] → float [B, in_channels, H, W] in [0, 1]. Grayscale images arrive
    repeated to three channels (torch-fidelity's convention): average them back."""
    x = x_uint8.float() / 255.0
    if x.shape[1] != in_channels:
        if in_channels == 1:
            x = x.mean(1, keepdim=True)
        else:
            x = x.expand(-1, in_channels, -1, -1) if x.shape[1] == 1 else x
    return x


class ClassifierFidelityExtractor(FeatureExtractorBase):
    """torch-fidelity feature extractor around a ClassifierNet checkpoint.

    Provides "features" (penultimate layer; FID, KID, PRD, EMD) and "logits" (IS), both from one
    forward pass. Weights come from ``feature_extractor_weights_path`` (default: the packaged
    digits classifier).
    """

    def __init__(self, name, features_list, feature_extractor_weights_path=None, **kwargs):
        super().__init__(name, features_list)
        path = Path(feature_extractor_weights_path or DIGITS_WEIGHTS)
        ckpt = store.read_torch(path, what="feature extractor weights")
        self.net = ClassifierNet(**ckpt["config"])
        self.net.load_state_dict(ckpt["state_dict"])
        self.requires_grad_(False)
        self.eval()

    def forward(self, x):
        if not (torch.is_tensor(x) and x.dtype == torch.uint8 and x.dim() == 4):
            raise ValueError("expected images as a uint8 tensor [B, C, H, W]")
        feats, logits = self.net(to_network_input(x, self.net.config["in_channels"]))
        out = {"features": feats, "logits": logits}
        return tuple(out[k] for k in self.features_list)

    @staticmethod
    def get_provided_features_list():
        return "features", "logits"

    @staticmethod
    def get_default_feature_layer_for_metric(metric):
        return {"isc": "logits", "fid": "features", "kid": "features", "prc": "features"}[metric]

    @staticmethod
    def can_be_compiled():
        return False

    @staticmethod
    def get_dummy_input_for_compile():
        return torch.zeros(1, 1, 8, 8, dtype=torch.uint8)


def register_with_torch_fidelity() -> None:
    """Make the classifier available to torch-fidelity's own code (calculate_metrics included)."""
    from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY, register_feature_extractor

    if DIGITS_FIDELITY_NAME not in FEATURE_EXTRACTORS_REGISTRY:
        register_feature_extractor(DIGITS_FIDELITY_NAME, ClassifierFidelityExtractor)


def _shift(x, max_shift: int, g):
    """Each image translated by a random (dy, dx) in [−max_shift, max_shift]², zero-filled: the
    classic augmentation for small digit sets (Simard et al. 2003 use elastic distortions)."""
    if max_shift <= 0:
        return x
    n, _, h, w = x.shape
    pad = nn.functional.pad(x, (max_shift,) * 4)
    d = torch.randint(0, 2 * max_shift + 1, (n, 2), generator=g)
    rows = (d[:, 0, None] + torch.arange(h))[:, :, None]
    cols = (d[:, 1, None] + torch.arange(w))[:, None, :]
    return pad[torch.arange(n)[:, None, None], :, rows, cols].permute(0, 3, 1, 2)


def train_classifier(
    train_x,
    train_y,
    test_x,
    test_y,
    *,
    num_classes,
    width,
    epochs,
    batch_size,
    lr,
    weight_decay,
    seed,
    pool=4,
    shift=0,
    features="relu",
    log=None,
) -> tuple[dict, float]:
    """Train a ClassifierNet on uint8 images with a fixed seed → (checkpoint, test accuracy)."""
    torch.manual_seed(seed)
    net = ClassifierNet(
        num_classes=num_classes, width=width, in_channels=train_x.shape[1], pool=pool, features=features
    )
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay)
    g = torch.Generator().manual_seed(seed)
    x = to_network_input(train_x, train_x.shape[1])
    n = len(x)
    for epoch in range(epochs):
        net.train()
        perm = torch.randperm(n, generator=g)
        for i in range(0, n - batch_size + 1, batch_size):
            idx = perm[i : i + batch_size]
            loss = nn.functional.cross_entropy(net(_shift(x[idx], shift, g))[1], train_y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        if log:
            log(epoch + 1, float(loss))
    net.eval()
    with torch.no_grad():
        net.feature_scale.fill_(1.0 / net(x)[0].pow(2).mean().sqrt())
        pred = net(to_network_input(test_x, test_x.shape[1]))[1].argmax(1)
    acc = float((pred == test_y).float().mean())
    state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    return {"config": net.config, "state_dict": state}, acc
