"""The deep-ReLU initializers (sfli.relu_init, re-exported by sfli.init): each one's defining property."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from sfli.init import anticorrelated_, anticorrelated_rai_, critical_sigma_w2, lps_, rai_
from sfli.relu_init import (RAI_SIGMA, anticorrelated_rai_weights, anticorrelated_weights, beta21, he_weights,
                            lps_weights, rai_weights)


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_beta21_moments():
    b = beta21((200_000,), gen(), torch.float64)
    assert 0 <= float(b.min()) and float(b.max()) <= 1
    assert float(b.mean()) == pytest.approx(2 / 3, abs=3e-3)
    assert float(b.square().mean()) == pytest.approx(1 / 2, abs=3e-3)


def test_rai_has_exactly_one_beta_entry_per_neuron():
    """A small σ makes the Gaussian entries tiny, so the Beta entry is the one of order one in each row."""
    w, b = rai_weights(500, 7, sigma=1e-6, generator=gen(), dtype=torch.float64)
    v = torch.cat([w, b[:, None]], 1)
    big = v.abs() > 1e-3
    assert big.sum(1).eq(1).all()
    beta = v[big]
    assert float(beta.min()) > 0 and float(beta.max()) <= 1
    assert float(beta.mean()) == pytest.approx(2 / 3, abs=0.03)
    position = big.float().argmax(1)  # uniform over the fan_in + 1 entries, the bias included
    counts = torch.bincount(position, minlength=8).numpy()
    assert counts.min() > 30 and counts[7] > 0


def test_rai_gaussian_entries_have_the_stated_variance():
    fan_in = 10
    w, b = rai_weights(20_000, fan_in, generator=gen(1), dtype=torch.float64)
    v = torch.cat([w, b[:, None]], 1)
    # every row: one Beta entry, fan_in Gaussian entries; E‖v_i‖² = fan_in σ²/fan_in + E[B²] = σ² + 1/2
    assert float(v.square().sum(1).mean()) == pytest.approx(RAI_SIGMA**2 + 0.5, rel=0.02)
    assert float(v.sum(1).mean()) == pytest.approx(2 / 3, abs=0.02)  # the Gaussian entries have mean 0


def test_rai_in_place_and_errors():
    lin = nn.Linear(3, 5, dtype=torch.float64)
    assert rai_(lin, generator=gen()) is lin
    w, b = rai_weights(5, 3, generator=gen(), dtype=torch.float64)
    assert torch.equal(lin.weight.detach(), w) and torch.equal(lin.bias.detach(), b)
    with pytest.raises(ValueError, match="bias=False"):
        rai_(nn.Linear(3, 5, bias=False))
    with pytest.raises(ValueError, match="sigma"):
        rai_(lin, sigma=-1.0)
    with pytest.raises(TypeError, match="nn.Linear"):
        rai_(nn.Conv1d(1, 1, 1))


@pytest.mark.parametrize("k", [0.0, -0.25, -0.5, -1.0])
@pytest.mark.parametrize("fan_in", [4, 10])
def test_anticorrelated_rows_have_the_stated_correlation_and_variance(k, fan_in):
    w = anticorrelated_weights(100_000, fan_in, k, generator=gen(), dtype=torch.float64).numpy()
    cov = w.T @ w / len(w)
    var = np.diag(cov)
    off = cov[~np.eye(fan_in, dtype=bool)] / var.mean()
    assert var.mean() == pytest.approx(2 * math.pi / ((math.pi + k) * fan_in), rel=0.02)
    assert off.mean() == pytest.approx(k / (fan_in - 1), abs=0.01)
    if k == -1.0:
        assert np.abs(w.sum(1)).max() < 1e-10  # zero-sum rows


def test_anticorrelated_in_place_and_errors():
    lin = nn.Linear(6, 4, dtype=torch.float64)
    anticorrelated_(lin, k=-1.0, generator=gen())
    assert float(lin.bias.detach().abs().max()) == 0.0
    assert float(lin.weight.detach().sum(1).abs().max()) < 1e-12
    for bad in (0.5, -1.5, "x", True):
        with pytest.raises(ValueError, match=r"k must be a number in \[-1, 0\]"):
            anticorrelated_(lin, k=bad)
    assert critical_sigma_w2(0.0) == pytest.approx(2.0)


def test_combined_scheme_one_beta_entry_and_variance():
    k, fan_in = -0.5, 8
    w, b = anticorrelated_rai_weights(50_000, fan_in, k, generator=gen(), dtype=torch.float64)
    v = torch.cat([w, b[:, None]], 1)
    assert float(v.square().sum(1).mean()) == pytest.approx(critical_sigma_w2(k), rel=0.02)
    nonzero_bias = (b != 0).double().mean()  # the bias is non-zero only where it took the Beta entry
    assert float(nonzero_bias) == pytest.approx(1 / (fan_in + 1), abs=0.01)
    assert float(b.min()) >= 0.0
    lin = nn.Linear(fan_in, 3, dtype=torch.float64)
    anticorrelated_rai_(lin, k, generator=gen(2))
    assert torch.isfinite(lin.weight).all()


@pytest.mark.parametrize("dim,n", [(1, 50), (3, 40), (10, 30), (10, 6)])
def test_lps_every_hyperplane_cuts_the_cloud(dim, n):
    x = torch.randn(n, dim, generator=gen(dim), dtype=torch.float64)
    lin = nn.Linear(dim, 64, dtype=torch.float64)
    lps_(lin, x, generator=gen())
    z = x @ lin.weight.detach().T + lin.bias.detach()
    assert ((z > 1e-9).any(0) & (z < -1e-9).any(0)).all()
    if n >= dim:  # the hyperplane passes through fan_in points of the cloud: fan_in values are (numerically) 0
        assert ((z.abs() < 1e-8 * z.abs().max()).sum(0) >= dim).float().mean() > 0.9


def test_lps_scales():
    x = torch.rand(100, 5, generator=gen(), dtype=torch.float64) * 3
    w, b = lps_weights(x, 200, generator=gen(1))
    z = x @ w.T + b
    assert torch.allclose(z.square().mean(0), 2 * x.square().mean().expand(200), rtol=1e-9)
    w, b = lps_weights(x, 20, scale="he", generator=gen(1))
    assert torch.allclose(w.norm(dim=1), torch.full((20,), math.sqrt(2.0), dtype=torch.float64))
    with pytest.raises(ValueError, match="valid: data, he"):
        lps_weights(x, 3, scale="nope")


def test_lps_on_a_low_dimensional_cloud_and_batched():
    """A cloud on a line in R³ (as the hidden layers of a 1-D input make): every neuron still cuts it."""
    t = torch.linspace(-1, 1, 32, dtype=torch.float64)[:, None]
    x = torch.relu(t * torch.tensor([[1.0, -2.0, 0.5]], dtype=torch.float64))
    w, b = lps_weights(torch.stack([x, x + 1]), 10, generator=gen())
    assert w.shape == (2, 10, 3) and b.shape == (2, 10)
    z = torch.einsum("bnd,bod->bon", torch.stack([x, x + 1]), w) + b[..., None]
    assert ((z > 1e-9).any(-1) & (z < -1e-9).any(-1)).all()
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        lps_(nn.Linear(3, 2), torch.zeros(4, 2))


def test_he_weights_and_batches_are_seeded():
    w, b = he_weights(1000, 50, batch=(3,), generator=gen(), dtype=torch.float64)
    assert w.shape == (3, 1000, 50) and float(b.abs().max()) == 0
    assert float(w.var()) == pytest.approx(2 / 50, rel=0.02)
    w2, _ = he_weights(1000, 50, batch=(3,), generator=gen(), dtype=torch.float64)
    assert torch.equal(w, w2)
