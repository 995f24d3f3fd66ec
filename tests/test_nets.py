"""lpbench.nets: the standardized networks' weight initialization (architecture `init`)."""

import pytest
import torch
from torch import nn

from lpbench import nets
from lpbench.registry import Registry, parse_overrides

CONV = {"type": "conv", "conv_channels": [64, 128], "fc_hidden": 1024}
MLP = {
    "type": "mlp",
    "decoder_hidden": [128, 128],
    "encoder_hidden": [128, 128, 128],
    "discriminator_hidden": [128, 128, 128],
    "discriminator_activation": "tanh",
}


def _all_nets(arch, shape, latent=10):
    return {
        "encoder": nets.encoder(arch, shape, 2 * latent),
        "decoder": nets.decoder(arch, latent, shape),
        "discriminator": nets.discriminator(arch, shape),
        "discriminator (spectral norm)": nets.discriminator(arch, shape, spectral_norm=True),
    }


def _weight(layer):
    """The layer's own weight: under spectral norm, the parameter the normalization divides."""
    if nn.utils.parametrize.is_parametrized(layer, "weight"):
        return layer.parametrizations.weight.original
    return layer.weight


@pytest.mark.parametrize("arch, shape", [(CONV, (1, 28, 28)), (CONV, (1, 8, 8)), (MLP, (2,))])
def test_normal_init_draws_the_glf_codes_weights_and_leaves_batchnorm_alone(arch, shape):
    torch.manual_seed(0)
    for name, net in _all_nets({**arch, "init": "normal_0.02"}, shape).items():
        layers = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))]
        assert layers, name
        for layer in layers:
            w = _weight(layer).detach()
            assert float(w.mean().abs()) < 0.01, name
            if w.numel() >= 1000:  # enough draws for the sample std to sit near 0.02
                assert float(w.std()) == pytest.approx(0.02, rel=0.1), (name, layer)
            assert layer.bias is None or not layer.bias.detach().any(), (name, layer)
        for bn in (m for m in net.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))):
            assert bool((bn.weight == 1).all()) and not bn.bias.detach().any()


@pytest.mark.parametrize("arch, shape", [(CONV, (1, 8, 8)), (MLP, (2,))])
def test_default_init_is_torchs_and_draws_no_extra_random_numbers(arch, shape):
    """An architecture without `init` (every record made before it existed) builds the same
    weights as `init: torch`, and leaves the generator where it would be: no run changes."""
    built = {}
    for key, a in (("absent", arch), ("torch", {**arch, "init": "torch"})):
        torch.manual_seed(0)
        nns = _all_nets(a, shape)
        built[key] = ({n: net.state_dict() for n, net in nns.items()}, torch.rand(3))
    (a_states, a_next), (b_states, b_next) = built["absent"], built["torch"]
    assert torch.equal(a_next, b_next)
    for name in a_states:
        assert a_states[name].keys() == b_states[name].keys()
        assert all(torch.equal(a_states[name][k], b_states[name][k]) for k in a_states[name])
    # and the GLF code's init does differ from it
    torch.manual_seed(0)
    glf = nets.encoder({**arch, "init": "normal_0.02"}, shape, 4).state_dict()
    assert any(not torch.equal(glf[k], a_states["encoder"][k]) for k in glf)


def test_unknown_init_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="init must be one of torch, normal_0.02, got 'xavier'"):
        nets.decoder({**CONV, "init": "xavier"}, 10, (1, 8, 8))


def test_init_is_an_architecture_setting_of_every_dataset():
    from lpbench.plugins import get_plugins

    reg, plugins = Registry.load(), get_plugins()
    for dataset in ("digits", "mnist5k", "eight_gaussians"):
        assert reg.resolve("vae", dataset, "smoke", plugins, []).model_config.architecture["init"] == "torch"
    over = parse_overrides(["architecture.init=normal_0.02"], ["glf", "vae"])
    for model in ("glf", "vae"):
        arch = reg.resolve(model, "mnist5k", "smoke", plugins, over).model_config.architecture
        assert arch["init"] == "normal_0.02"
