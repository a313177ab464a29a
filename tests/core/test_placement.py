"""Where SFLI goes (sfli.placement, apply_sfli where=…) and γ for a loss with derivatives (derivative_order)."""
import math

import pytest
import torch
from torch import nn

import sfli
from sfli.init import default_gamma, sfli_
from sfli.nets import MLP, FactorizedLinear, ModifiedMLP, PirateNet
from sfli.placement import WHERE, domain_samples, sfli_features_, sfli_fourier_

DOMAIN = [(0.0, 1.0), (-1.0, 1.0)]


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def crossing_fraction(layer: nn.Linear, features: torch.Tensor) -> float:
    """Share of neurons whose pre-activation changes sign over the features (transition inside the image)."""
    w = layer.effective_weight if isinstance(layer, FactorizedLinear) else layer.weight
    z = features @ w.detach().T.to(features) + layer.bias.detach().to(features)
    return float(((z.min(0).values < 0) & (z.max(0).values > 0)).double().mean())


# ---------------------------------------------------------------- γ for derivatives

def test_default_gamma_k0_is_unchanged_and_k_shrinks_it():
    assert default_gamma("tanh", 64, (-1, 1)) == 31.5  # (m − 1)/|Ω|, as before
    assert default_gamma("sigmoid", 64, (-1, 1)) == 63.0
    assert default_gamma("sin", 64, (-1, 1)) == math.pi * 64 / 4
    assert default_gamma("tanh", 64, (-1, 1), derivative_order=0) == default_gamma("tanh", 64, (-1, 1))
    assert default_gamma("tanh", 64, (-1, 1), derivative_order=2) == pytest.approx(63 ** (1 / 3) / 2)
    assert default_gamma("tanh", 64, (-1, 1), 1) == pytest.approx(63 ** 0.5 / 2)
    assert default_gamma("sin", 64, [(0, 1), (0, 1)], 2) == pytest.approx((math.pi * 8 / 2) ** (1 / 3))
    for bad in (-1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="derivative_order must be an integer ≥ 0"):
            default_gamma("tanh", 8, (0, 1), bad)


def test_sfli_with_derivative_order():
    layer = sfli_(nn.Linear(1, 32).double(), (-1, 1), "tanh", derivative_order=2, generator=gen())
    torch.testing.assert_close(layer.weight.abs(), torch.full((32, 1), 31 ** (1 / 3) / 2, dtype=torch.float64))
    k0 = sfli_(nn.Linear(1, 32).double(), (-1, 1), "tanh", generator=gen())
    torch.testing.assert_close(layer.weight / layer.weight.abs(), k0.weight / k0.weight.abs())  # same directions
    relu2 = sfli_(nn.Linear(2, 16), DOMAIN, "relu", derivative_order=2, generator=gen())
    relu0 = sfli_(nn.Linear(2, 16), DOMAIN, "relu", generator=gen())
    assert torch.equal(relu2.weight, relu0.weight)  # the ReLU γ is an output scale: k does not change it
    with pytest.raises(ValueError, match="derivative_order must be an integer ≥ 0"):
        sfli_(nn.Linear(1, 4), (0, 1), derivative_order=-2)


# ---------------------------------------------------------------- placements

def test_modified_mlp_first_and_encoders():
    model = ModifiedMLP(2, 16, 2, generator=gen())
    before = {n: p.clone() for n, p in model.named_parameters()}
    sfli.apply_sfli(model, DOMAIN, generator=gen(1), where="encoders")
    g = gen(1)
    for layer in (model.first, model.encoder_u, model.encoder_v):  # one generator, in this order
        want = sfli_(nn.Linear(2, 16), DOMAIN, "tanh", generator=g)
        torch.testing.assert_close(layer.weight, want.weight)
        torch.testing.assert_close(layer.bias, want.bias)
    changed = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    assert changed == {f"{n}.{w}" for n in ("hidden.0", "encoder_u", "encoder_v") for w in ("weight", "bias")}
    plain = ModifiedMLP(2, 16, 2, generator=gen())
    sfli.apply_sfli(plain, DOMAIN, generator=gen(1))  # "first": W₁ only
    assert torch.equal(plain.encoder_u.weight, before["encoder_u.weight"])


@pytest.mark.parametrize("options", [{}, {"rwf": (1.0, 0.1)}, {"periods": {1: 2.0}}, {"periods": {0: 1.0}, "rwf": (0.5, 0.1)}])
def test_pirate_net_with_an_embedding_gets_transitions_inside_the_image(options):
    """Today's apply_sfli raised a dimension error here (the layer reads Φ(x), not x)."""
    model = PirateNet(2, 16, 2, generator=gen(), **options)
    for where in ("first", "after_embedding", "encoders"):
        sfli.apply_sfli(model, DOMAIN, generator=gen(1), where=where)
        with torch.no_grad():
            phi = model.embed(domain_samples(sfli.as_box(DOMAIN), 2000, gen(5)).float()).double()
        layers = [model.first] + ([model.encoder_u, model.encoder_v] if where == "encoders" else [])
        for layer in layers:
            assert crossing_fraction(layer, phi) > 0.95, (where, layer)
        assert torch.isfinite(model(torch.rand(4, 2))).all()


def test_after_embedding_is_sfli_when_the_embedding_is_the_identity():
    x = domain_samples(sfli.as_box((-1.0, 1.0)), 500, gen())
    for k in (0, 2):
        layer = sfli_features_(nn.Linear(1, 32).double(), x, 1, "tanh", derivative_order=k, generator=gen())
        torch.testing.assert_close(layer.weight.abs(), torch.full((32, 1), default_gamma("tanh", 32, (-1, 1), k),
                                                                   dtype=torch.float64))
        assert crossing_fraction(layer, x) == 1.0
    with pytest.raises(ValueError, match="features must be N×3"):
        sfli_features_(nn.Linear(3, 4), x, 1)


def test_rwf_layers_get_the_effective_weight_without_a_manual_refactorize():
    """Today apply_sfli wrote V (with s ≈ 1 kept), so W = e^s V was not the SFLI weight."""
    model = PirateNet(2, 16, 2, generator=gen(), fourier_scale=None, rwf=(1.0, 0.1))
    sfli.apply_sfli(model, DOMAIN, generator=gen(1))
    want = sfli_(nn.Linear(2, 16), DOMAIN, "tanh", generator=gen(1))
    torch.testing.assert_close(model.first.effective_weight, want.weight)
    torch.testing.assert_close(model.first.bias, want.bias)
    s = model.first.log_scale.detach()
    assert float(s.mean()) == pytest.approx(1.0, abs=0.1) and float(s.std()) > 0  # refactorized inside
    layer = FactorizedLinear(2, 8, mean=1.0, std=0.1).refactorize_(gen(3))
    sfli_(layer, DOMAIN, generator=gen(4))
    g0 = default_gamma("tanh", 8, DOMAIN)
    torch.testing.assert_close(layer.effective_weight.norm(dim=1), torch.full((8,), g0))  # |W_i| = γ
    # with a Fourier embedding too: every row of W has the same norm γ (unit directions)
    fourier = PirateNet(2, 16, 2, generator=gen(), rwf=(1.0, 0.1))
    sfli.apply_sfli(fourier, DOMAIN, generator=gen(1))
    norms = fourier.first.effective_weight.detach().norm(dim=1)
    torch.testing.assert_close(norms, torch.full_like(norms, float(norms[0])))


def test_embedding_sets_the_fourier_frequencies():
    model = PirateNet(2, 64, 1, generator=gen(), fourier_scale=1.0)
    dense = {n: p.clone() for n, p in model.named_parameters()}
    sfli.apply_sfli(model, DOMAIN, where="embedding", generator=gen(1))
    g = default_gamma("sin", 32, DOMAIN)
    assert float(model.fourier.B.std()) == pytest.approx(g, rel=0.3)
    assert all(torch.equal(p, dense[n]) for n, p in model.named_parameters())  # dense layers untouched
    sfli.apply_sfli(model, DOMAIN, where="embedding", derivative_order=2, generator=gen(1))
    assert float(model.fourier.B.std()) == pytest.approx(default_gamma("sin", 32, DOMAIN, 2), rel=0.3)
    # behind a periodic embedding, the Fourier embedding reads (cos, sin, y): its domain is that image's box
    per = PirateNet(2, 64, 1, generator=gen(), periods={0: 1.0})
    sfli.apply_sfli(per, DOMAIN, where="embedding", gamma=3.0, generator=gen(1))
    assert per.fourier.B.shape == (3, 32) and float(per.fourier.B.std()) == pytest.approx(3.0, rel=0.3)
    with pytest.raises(TypeError, match="Fourier embedding"):
        sfli_fourier_(nn.Linear(2, 2), DOMAIN)


def test_where_errors_name_the_valid_choices():
    assert WHERE == ("first", "encoders", "after_embedding", "embedding")
    mlp = MLP(2, 8, 2, generator=gen())
    with pytest.raises(ValueError, match="unknown where='last'; valid: first, encoders, after_embedding, embedding"):
        sfli.apply_sfli(mlp, DOMAIN, where="last")
    with pytest.raises(ValueError, match="where='encoders' needs U/V encoders"):
        sfli.apply_sfli(mlp, DOMAIN, where="encoders")
    with pytest.raises(ValueError, match="where='after_embedding' needs a net with a periodic or Fourier"):
        sfli.apply_sfli(ModifiedMLP(2, 8, 2), DOMAIN, where="after_embedding")
    with pytest.raises(ValueError, match="where='embedding' sets a Fourier embedding's frequencies"):
        sfli.apply_sfli(PirateNet(2, 8, 1, periods={0: 1.0}, fourier_scale=None), DOMAIN, where="embedding")
    with pytest.raises(ValueError, match="only placement='random'"):
        sfli.apply_sfli(PirateNet(2, 8, 1), DOMAIN, placement="quasi")
    seq = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    sfli.apply_sfli(seq, DOMAIN, generator=gen(1))  # the one line on any model: unchanged
    torch.testing.assert_close(seq[0].weight, sfli_(nn.Linear(2, 8), DOMAIN, generator=gen(1)).weight)
