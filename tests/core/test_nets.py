"""The modified MLP, PirateNet and FactorizedLinear: their maps, hidden features and SFLI on them."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

import sfli
from sfli import hidden_features
from sfli.init import first_linear, sfli_
from sfli.nets import MLP, FactorizedLinear, ModifiedMLP, PirateNet
from sfli.pirate import FourierEmbedding, PeriodicEmbedding

DOMAIN = [(0.0, 1.0), (-1.0, 1.0)]


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def randomize_(model: nn.Module, seed: int = 0) -> nn.Module:
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen(seed)) * 0.5)
    return model


def x2(n: int = 20) -> torch.Tensor:
    return torch.rand(n, 2, generator=gen(5))


# ---------------------------------------------------------------- the modified MLP

def test_modified_mlp_is_the_gated_formula():
    model = randomize_(ModifiedMLP(2, 6, 3, 2, "tanh", generator=gen()))
    x = x2()
    u, v = torch.tanh(model.encoder_u(x)), torch.tanh(model.encoder_v(x))
    h = torch.tanh(model.hidden[0](x))
    hs = [h]
    for layer in model.hidden[1:]:
        z = torch.tanh(layer(h))
        h = (1 - z) * u + z * v
        hs.append(h)
    torch.testing.assert_close(model(x), model.output(h))
    feats = hidden_features(model, x)
    assert list(feats) == ["hidden_1", "hidden_2", "hidden_3"]
    for got, want in zip(feats.values(), hs):
        torch.testing.assert_close(got, want.detach())


def test_modified_mlp_sfli_acts_on_w1():
    model = ModifiedMLP(2, 16, 2, generator=gen())
    assert first_linear(model)[1] is model.first is model.hidden[0]
    before_u = model.encoder_u.weight.clone()
    sfli.apply_sfli(model, DOMAIN, generator=gen(1))
    want = sfli_(nn.Linear(2, 16), DOMAIN, "tanh", generator=gen(1))
    torch.testing.assert_close(model.first.weight, want.weight)
    assert torch.equal(model.encoder_u.weight, before_u)  # the encoders are left alone
    same = ModifiedMLP(2, 16, 2, generator=gen())
    assert all(torch.equal(a, b) for a, b in zip(model.output.parameters(), same.output.parameters()))


# ---------------------------------------------------------------- PirateNet

def manual_pirate(model: PirateNet, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """PirateNet written out with the literal gates f⊙U + (1 − f)⊙V; returns u and the features of every layer."""
    act = torch.tanh
    phi = x
    if model.periodic is not None:
        cols = []
        for i in range(x.shape[1]):
            k = 2 * math.pi / model.periodic.periods[i] if i in model.periodic.periods else None
            cols += [torch.cos(k * x[:, i:i + 1]), torch.sin(k * x[:, i:i + 1])] if k else [x[:, i:i + 1]]
        phi = torch.cat(cols, dim=1)
    if model.fourier is not None:
        phi = torch.cat([torch.cos(phi @ model.fourier.B), torch.sin(phi @ model.fourier.B)], dim=1)
    u, v = act(model.encoder_u(phi)), act(model.encoder_v(phi))
    h = act(model.input_layer(phi)) if model.input_layer is not None else phi
    feats = [h] if model.input_layer is not None else []
    for block in model.blocks:
        f = act(block.dense1(h))
        z1 = f * u + (1 - f) * v
        g = act(block.dense2(z1))
        z2 = g * u + (1 - g) * v
        out = act(block.dense3(z2))
        h = block.alpha * out + (1 - block.alpha) * h
        feats += [z1, z2, h]
    return model.output(h), feats


@pytest.mark.parametrize("options", [{"fourier_scale": None}, {"fourier_scale": 2.0},
                                     {"periods": {1: 2.0}, "fourier_scale": 1.0, "rwf": (1.0, 0.1)},
                                     {"periods": {0: 1.0}, "fourier_scale": None, "rwf": (0.5, 0.2)}])
def test_pirate_net_is_the_formula_and_its_features_are_every_layer_input(options):
    model = randomize_(PirateNet(2, 8, 2, 1, "tanh", generator=gen(), **options), seed=2)
    assert all(float(b.alpha.detach()) != 0 for b in model.blocks)
    x = x2()
    u, feats = manual_pirate(model, x)
    torch.testing.assert_close(model(x), u)
    got = hidden_features(model, x)
    assert len(got) == 3 * 2 + (model.input_layer is not None)
    for g, want in zip(got.values(), feats):
        torch.testing.assert_close(g, want.detach())


def test_pirate_net_starts_as_a_linear_read_out_of_the_stream():
    model = PirateNet(2, 8, 3, generator=gen(), fourier_scale=None)
    assert all(float(b.alpha.detach()) == 0 for b in model.blocks)
    x = x2()
    torch.testing.assert_close(model(x), model.output(torch.tanh(model.input_layer(x))))
    assert all(float(layer.bias.detach().abs().max()) == 0 for layer in model.modules() if isinstance(layer, nn.Linear))


def test_pirate_net_same_generator_same_net():
    a, b = (PirateNet(2, 8, 2, generator=gen(3), periods={0: 1.0}, rwf=(1.0, 0.1)) for _ in range(2))
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    assert float(a.fourier.B.std()) == pytest.approx(1.0, rel=0.5)
    assert "fourier.B" in dict(a.named_buffers()) and "fourier.B" not in dict(a.named_parameters())


def test_pirate_net_sfli():
    model = PirateNet(2, 16, 2, generator=gen(), fourier_scale=None)
    assert first_linear(model)[1] is model.first is model.input_layer
    sfli.apply_sfli(model, DOMAIN, generator=gen(1))
    want = sfli_(nn.Linear(2, 16), DOMAIN, "tanh", generator=gen(1))
    torch.testing.assert_close(model.first.weight, want.weight)
    with_fourier = PirateNet(2, 16, 2, generator=gen())
    assert with_fourier.first is with_fourier.blocks[0].dense1
    sfli.apply_sfli(with_fourier, DOMAIN)  # the layer reads Fourier features: SFLI on their image (placement)


def test_pirate_net_with_rwf_sfli_refactorizes_inside():
    model = PirateNet(2, 16, 2, generator=gen(), fourier_scale=None, rwf=(1.0, 0.1))
    assert isinstance(model.first, FactorizedLinear) and first_linear(model)[1] is model.first
    sfli.apply_sfli(model, DOMAIN, generator=gen(1))  # sets W and refactorizes
    want = sfli_(nn.Linear(2, 16), DOMAIN, "tanh", generator=gen(1))
    torch.testing.assert_close(model.first.effective_weight, want.weight)
    assert float(model.first.log_scale.detach().mean()) == pytest.approx(1.0, abs=0.1)


def test_pirate_net_bad_arguments():
    with pytest.raises(ValueError, match="width must be even"):
        PirateNet(2, 7, 1)
    with pytest.raises(ValueError, match="periods must map input axes in \\[0, 2\\)"):
        PirateNet(2, 8, 1, periods={2: 1.0})
    with pytest.raises(ValueError, match="periods must be positive"):
        PeriodicEmbedding(2, {0: -1.0})
    with pytest.raises(ValueError, match="rwf must be \\(mean, std\\) or None"):
        PirateNet(2, 8, 1, rwf=1.0)
    with pytest.raises(ValueError, match="fourier_scale must be a positive number"):
        FourierEmbedding(2, 8, scale=0.0)
    with pytest.raises(ValueError, match="init='sfli' needs the domain"):
        PirateNet(2, 8, 1, init="sfli")
    with pytest.raises(ValueError, match="depth must be a positive integer"):
        PirateNet(2, 8, 0)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        PirateNet(2, 8, 1, activation="swish")


# ---------------------------------------------------------------- random weight factorization

def test_factorized_linear_keeps_the_function_and_is_an_nn_linear():
    layer = FactorizedLinear(3, 5, mean=1.0, std=0.1)
    assert isinstance(layer, nn.Linear) and torch.equal(layer.effective_weight, layer.weight)  # s = 0 at first
    x = torch.rand(4, 3)
    before = layer(x).detach().clone()
    full = layer.weight.detach().clone()
    layer.refactorize_(gen())
    s = layer.log_scale.detach()
    assert float(s.std()) > 0 and float((s - 1).abs().max()) < 0.5
    torch.testing.assert_close(layer.effective_weight, full)
    torch.testing.assert_close(layer(x), before)
    torch.testing.assert_close(layer.weight * torch.exp(s)[:, None], full)
    assert {n for n, _ in layer.named_parameters()} == {"weight", "bias", "log_scale"}
    assert "rwf=(mean=1, std=0.1)" in repr(layer)
    with pytest.raises(ValueError, match="rwf needs a finite mean and std ≥ 0"):
        FactorizedLinear(2, 2, std=-1.0)


def test_every_net_trains_with_fit_and_tracks_ranks():
    from sfli.problems import Regression, sine_product_sum
    from sfli.train import fit, torch_threads

    problem = Regression(sine_product_sum((1,)), DOMAIN, n_train=64)
    models = (ModifiedMLP(2, 8, 2, generator=gen()), PirateNet(2, 8, 1, generator=gen(), rwf=(1.0, 0.1)),
              MLP(2, 8, 2, generator=gen()))
    with torch_threads(1):
        histories = [fit(model, problem, steps=20, lr=1e-2, quadrature_n=16, n_log=5) for model in models]
    for model, h in zip(models, histories):
        assert h.loss[-1] < h.loss[0] and h.meta["engine"] == "none"
        assert len(h.ranks) == len(hidden_features(model, torch.rand(3, 2)))
