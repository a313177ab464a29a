"""The error per frequency band (sfli.spectral): grid, Parseval, where a mode lands, the band error's oracle values."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from sfli.problems import sine_product_sum, sine_sum
from sfli.spectral import BandError, band_energies, band_labels, cosine_coefficients, uniform_grid, wavenumbers

INF = math.inf


def test_grid_is_cell_centred_and_c_ordered():
    x = uniform_grid([(0, 1), (-1, 1)], 4)
    assert x.shape == (16, 2)
    assert torch.allclose(x[:4, 0], torch.full((4,), 0.125, dtype=torch.float64))  # last axis fastest
    assert torch.allclose(x[:4, 1], torch.tensor([-0.75, -0.25, 0.25, 0.75], dtype=torch.float64))
    with pytest.raises(ValueError, match="n must be"):
        uniform_grid([(0, 1)], 1)


def test_parseval_and_a_cosine_mode_is_one_coefficient():
    n, L = 64, 2.0
    x = uniform_grid([(-1, 1)], n)[:, 0].numpy()
    j = 7  # cos(π j (x − a)/L): exactly DCT mode j, frequency k = j/L
    values = np.cos(math.pi * j * (x + 1) / L)
    c = cosine_coefficients(values, 1)
    assert np.isclose((c**2).sum(), (values**2).sum())
    assert np.argmax(np.abs(c)) == j and np.isclose(c[j] ** 2, (values**2).sum())
    k = wavenumbers([(-1, 1)], n)
    assert k[j] == pytest.approx(j / L)
    assert band_energies(c, k, [0, 3, 4, INF]).tolist() == pytest.approx([0, (values**2).sum(), 0], abs=1e-9)


def test_a_sine_lands_mostly_in_its_band():
    be = BandError(sine_sum((10,)), [(-1, 1)], 256, [0, 7.5, INF])
    f = sine_sum((10,))(be.x)[:, 0].numpy()
    share = band_energies(cosine_coefficients(f, 1), be.k, be.edges) / (f**2).sum()
    assert share[1] > 0.9


def test_band_error_oracles():
    target = sine_sum((1, 2, 5, 10))
    be = BandError(target, [(-1, 1)], 256, [0, 1.5, 3.5, 7.5, INF])
    exact = be.errors(target(be.x)[:, 0])
    assert max(exact.values()) < 1e-12  # the exact target: no error in any band
    assert be.errors(torch.zeros(256)) == pytest.approx({f"band_{b}": 1.0 for b in range(4)})  # zero: all of it
    missing_high = be.errors(sine_sum((1, 2, 5))(be.x)[:, 0])
    assert missing_high["band_3"] > 0.9 and missing_high["band_0"] < 0.2  # the missing k = 10 is in the top band


def test_band_error_of_a_model_and_in_2d():
    be = BandError(sine_product_sum((1, 2)), [(-1, 1), (-1, 1)], 32, [0, 2, INF])

    class Exact(nn.Module):
        def __init__(self):
            super().__init__()
            self.p = nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return sine_product_sum((1, 2))(x) + 0 * self.p

    assert max(be(Exact()).values()) < 1e-6


def test_bad_edges_and_labels():
    with pytest.raises(ValueError, match="increasing"):
        band_labels([0, 2, 1])
    with pytest.raises(ValueError, match="increasing"):
        BandError(sine_sum((1,)), [(-1, 1)], 16, [1])
    assert band_labels([0, 1.5, 3.5, INF]) == ["k < 1.5", "1.5 ≤ k < 3.5", "k ≥ 3.5"]
