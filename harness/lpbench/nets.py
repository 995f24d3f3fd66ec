"""The standardized architectures every model is built from (registry.yaml: architectures).

conv: the InfoGAN-style networks of the GLF paper (App. A, after Lucic et al. 2018) —
  encoder Conv(64,4,s2)-ReLU, Conv(128,4,s2)-BN-ReLU, FC(1024)-BN-ReLU, FC(out);
  decoder FC(1024)-BN-ReLU, FC(128·s·s)-BN-ReLU, Deconv(64,4,s2)-BN-ReLU, Deconv(C,4,s2)-Sigmoid,
  s = image size / 4. The GAN generator is this decoder; the discriminator mirrors the encoder
  (LeakyReLU, scalar output, optional spectral norm).
mlp: fully connected nets for 2-D data with the hidden widths named in the registry; the decoder's
  output is linear or, with ``decoder_output: tanh``, bounded to (−1, 1) (masked/weighted paper Table 1).

Both take ``init``: ``torch`` (PyTorch's default initialization; an architecture without the key
gets it) or ``normal_0.02`` — every conv, transposed-conv and linear weight drawn from N(0, 0.02²)
and every bias zero, BatchNorm left at its defaults, as the GLF code initializes its InfoGAN nets
(nalzok/flow-comparison, AE/convAE_infoGAN.py, initialize_weights). It applies to the encoder,
decoder and discriminator alike, so every model on a dataset stays initialized the same way; the
auxiliary nets (mlp: flows, code generators) keep their own.
"""

from __future__ import annotations

import torch
from torch import nn

INITS = ("torch", "normal_0.02")


def _act(name: str) -> nn.Module:
    return {"relu": nn.ReLU(), "lrelu": nn.LeakyReLU(0.2), "tanh": nn.Tanh()}[name]


def _init_of(arch: dict) -> str:
    init = arch.get("init", "torch")
    if init not in INITS:
        raise ValueError(f"architecture init must be one of {', '.join(INITS)}, got {init!r}")
    return init


def _layer(layer: nn.Module, init: str, sn: bool = False) -> nn.Module:
    """A conv, transposed-conv or linear layer initialized as ``init`` says, then wrapped in
    spectral norm if ``sn`` (its power iteration starts from the initialized weight)."""
    if init == "normal_0.02":
        with torch.no_grad():
            layer.weight.normal_(0.0, 0.02)
            if layer.bias is not None:
                layer.bias.zero_()
    return nn.utils.parametrizations.spectral_norm(layer) if sn else layer


def _mlp(sizes, act: str, out_act: nn.Module | None = None, sn: bool = False, init: str = "torch") -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(_layer(nn.Linear(a, b), init, sn))
        if i < len(sizes) - 2:
            layers.append(_act(act))
    if out_act is not None:
        layers.append(out_act)
    return nn.Sequential(*layers)


def mlp(sizes, activation: str = "relu") -> nn.Sequential:
    """A plain MLP (sizes include input and output), for auxiliary nets: flows, code GANs."""
    return _mlp(list(sizes), activation)


def _image_side(shape) -> int:
    c, h, w = shape
    if h != w or h % 4:
        raise ValueError(f"the conv architecture needs square images with side divisible by 4, got {shape}")
    return h // 4


def encoder(arch: dict, shape, out_dim: int) -> nn.Module:
    """Data → out_dim (encoder; out_dim = 2·d for a Gaussian posterior)."""
    if arch["type"] == "mlp":
        return _mlp([shape[0], *arch["encoder_hidden"], out_dim], arch.get("activation", "relu"), init=_init_of(arch))
    return _ConvTrunk(arch, shape, out_dim, act="relu", norm_first=False, sn=False)


def discriminator(arch: dict, shape, out_dim: int = 1, spectral_norm: bool = False) -> nn.Module:
    """Data → out_dim scores (no output activation: losses choose their own link)."""
    if arch["type"] == "mlp":
        hidden = arch.get("discriminator_hidden", arch["encoder_hidden"])
        return _mlp(
            [shape[0], *hidden, out_dim],
            arch.get("discriminator_activation", "relu"),
            sn=spectral_norm,
            init=_init_of(arch),
        )
    return _ConvTrunk(arch, shape, out_dim, act="lrelu", norm_first=False, sn=spectral_norm)


def decoder(arch: dict, latent_dim: int, shape) -> nn.Module:
    """Latent → data (images in [0, 1] through a sigmoid; points unbounded)."""
    if arch["type"] == "mlp":
        out = arch.get("decoder_output", "linear")
        if out not in ("linear", "tanh"):
            raise ValueError(f"architecture decoder_output must be 'linear' or 'tanh', got {out!r}")
        # tanh: the masked/weighted paper's Table 1 generator output, samples inside (−1, 1)^D
        return _mlp(
            [latent_dim, *arch["decoder_hidden"], shape[0]],
            arch.get("activation", "relu"),
            out_act=nn.Tanh() if out == "tanh" else None,
            init=_init_of(arch),
        )
    return _ConvDecoder(arch, latent_dim, shape)


class _ConvTrunk(nn.Module):
    def __init__(self, arch, shape, out_dim, act, norm_first, sn):
        super().__init__()
        c1, c2 = arch.get("conv_channels", [64, 128])
        fc = arch.get("fc_hidden", 1024)
        s = _image_side(shape)
        init = _init_of(arch)

        def wrap(layer):
            return _layer(layer, init, sn)

        # BN fights spectral norm's Lipschitz bound, so an SN critic drops it.
        bn2d = (lambda n: nn.Identity()) if sn else nn.BatchNorm2d
        bn1d = (lambda n: nn.Identity()) if sn else nn.BatchNorm1d
        self.features = nn.Sequential(
            wrap(nn.Conv2d(shape[0], c1, 4, 2, 1)),
            _act(act),
            wrap(nn.Conv2d(c1, c2, 4, 2, 1)),
            bn2d(c2),
            _act(act),
            nn.Flatten(),
            wrap(nn.Linear(c2 * s * s, fc)),
            bn1d(fc),
            _act(act),
        )
        self.head = wrap(nn.Linear(fc, out_dim))

    def forward(self, x, return_features: bool = False):
        h = self.features(x)
        out = self.head(h)
        return (out, h) if return_features else out


class _ConvDecoder(nn.Module):
    def __init__(self, arch, latent_dim, shape):
        super().__init__()
        c1, c2 = arch.get("conv_channels", [64, 128])
        fc = arch.get("fc_hidden", 1024)
        self.s = _image_side(shape)
        self.c2 = c2
        init = _init_of(arch)
        self.fc = nn.Sequential(
            _layer(nn.Linear(latent_dim, fc), init),
            nn.BatchNorm1d(fc),
            nn.ReLU(),
            _layer(nn.Linear(fc, c2 * self.s * self.s), init),
            nn.BatchNorm1d(c2 * self.s * self.s),
            nn.ReLU(),
        )
        self.deconv = nn.Sequential(
            _layer(nn.ConvTranspose2d(c2, c1, 4, 2, 1), init),
            nn.BatchNorm2d(c1),
            nn.ReLU(),
            _layer(nn.ConvTranspose2d(c1, shape[0], 4, 2, 1), init),
        )

    def logits(self, z):
        h = self.fc(z).view(-1, self.c2, self.s, self.s)
        return self.deconv(h)

    def forward(self, z):
        return torch.sigmoid(self.logits(z))
