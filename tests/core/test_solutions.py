"""Exact solutions: closed-form ∇u, Δu, ∇Δu, Δ²u against autograd, in several dimensions; non-trivial."""
import pytest
import torch

from sfli.derivatives import field_derivatives
from sfli.solvers import SOLUTIONS, Gaussian, PlaneWaves, make_solution


@pytest.mark.parametrize("d", [1, 2, 3, 8])
@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_closed_forms_match_autograd(name, d):
    s = make_solution(name, d)
    x = torch.rand(40, d, dtype=torch.float64, generator=torch.Generator().manual_seed(d)).requires_grad_(True)
    D = field_derivatives(s.value(x), x)
    L = field_derivatives(D.laplacian(), x)
    torch.testing.assert_close(s.gradient(x), D.du[:, :, 0], rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(s.laplacian(x), D.laplacian(), rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(s.grad_laplacian(x), L.du[:, :, 0], rtol=1e-10, atol=1e-9)
    torch.testing.assert_close(s.bilaplacian(x), L.laplacian(), rtol=1e-10, atol=1e-8)


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_high_derivatives_are_not_trivial(name):
    s = make_solution(name, 3)
    x = torch.rand(50, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0)).requires_grad_(True)
    (g,) = torch.autograd.grad(s.value(x).sum(), x, create_graph=True)
    (mixed,) = torch.autograd.grad(g[:, 0].sum(), x)
    assert mixed[:, 1].abs().max() > 0.1  # ∂²u/∂x₁∂x₂ ≠ 0
    ratio = (s.laplacian(x) / s.value(x)).detach()
    assert ratio.std() > 0.1 * ratio.abs().mean()  # not an eigenfunction of Δ
    ratio = (s.bilaplacian(x) / s.laplacian(x)).detach()
    assert ratio.std() > 0.1 * ratio.abs().mean()


def test_plane_wave_layout_and_validation():
    s = PlaneWaves(4, frequencies=(1.0, 3.0), amplitudes=(2.0, 0.5), phases=(0.0, 1.0))
    assert s.omegas.shape == (2, 4)
    torch.testing.assert_close(s.omegas.norm(dim=1), torch.tensor([1.0, 3.0], dtype=torch.float64) * torch.pi)
    assert PlaneWaves(2).amplitudes == (1.0, 0.25)
    with pytest.raises(ValueError, match="frequencies must be positive"):
        PlaneWaves(2, frequencies=(1.0, -2.0))
    with pytest.raises(ValueError, match="1 amplitudes for 2 frequencies"):
        PlaneWaves(2, amplitudes=(1.0,))
    with pytest.raises(ValueError, match="dim must be a positive integer"):
        PlaneWaves(0)
    with pytest.raises(ValueError, match="points must be N×4"):
        s.value(torch.rand(3, 2))
    with pytest.raises(ValueError, match="width must be a positive number"):
        Gaussian(2, width=0.0)
    with pytest.raises(ValueError, match="unknown exact solution 'bessel'; valid: plane_waves, gaussian"):
        make_solution("bessel", 2)
