"""PDE benchmarks (sfli.pdes): residuals vanish at the exact/reference solutions (float64), points, the loss
terms, both derivative engines, the periodic options and argument errors."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from sfli import apply_sfli, autograd_derivatives
from sfli.derivatives import Derivatives
from sfli.nets import MLP, PirateNet
from sfli.pdes import AllenCahn1D, Burgers1D, Helmholtz2D, PoissonMultiscale2D


class Exact(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("problem", [PoissonMultiscale2D(), PoissonMultiscale2D(((-1, 1), (-1, 1)), wave=10, amplitude=1.0),
                                     Helmholtz2D(), Helmholtz2D(a1=2.0, a2=3.0, kappa=5.0)])
def test_elliptic_residual_vanishes_at_the_exact_solution(problem):
    pts = problem.points(gen(), torch.float64)
    model = Exact(problem.exact)
    D = autograd_derivatives(model, pts["interior"])
    scale = float(pts["f"].abs().max())
    assert scale > 10  # a non-trivial source …
    assert float(problem.residual(pts["interior"], D, pts["f"]).detach().abs().max()) < 1e-10 * scale  # … balanced
    assert float(problem.residual(pts["interior"], D).detach().abs().max()) < 1e-10 * scale
    assert float(problem.loss(model, pts).detach()) < 1e-16 * scale**2
    assert float(problem.residual(pts["interior"], D, 1.5 * pts["f"]).detach().abs().max()) > 0.1 * scale


def test_multiscale_poisson_has_the_high_frequency_and_helmholtz_its_wave_number():
    p = PoissonMultiscale2D(wave=8, amplitude=0.1)
    x = torch.tensor([[1 / 16, 1 / 16]], dtype=torch.float64)
    assert float(p.exact(x)) == pytest.approx(math.sin(math.pi / 16) ** 2 + 0.1)
    h = Helmholtz2D(kappa=3.0)
    assert float(h.source(torch.tensor([[0.5, 0.125]], dtype=torch.float64))) == pytest.approx(9 - 17 * math.pi**2)
    b = h.points(gen())["boundary"]
    assert float(h.exact(b.double()).abs().max()) < 1e-6  # u* = 0 on ∂[−1, 1]² for integer a₁, a₂


def _reference_derivatives(problem: AllenCahn1D, t_rows: slice):
    """Derivatives of the Allen–Cahn reference on its grid: u_x, u_xx spectral, u_t by 4th-order differences."""
    ref = problem.reference()
    u, n, h = ref.u, ref.u.shape[1], float(ref.t[1] - ref.t[0])
    k = np.pi * np.arange(n // 2 + 1)
    u_t = (u[:-4] - 8 * u[1:-3] + 8 * u[3:-1] - u[4:]) / (12 * h)
    mid = u[2:-2]
    u_x = np.fft.irfft(1j * k * np.fft.rfft(mid, axis=1), n, axis=1)
    u_xx = np.fft.irfft(-k**2 * np.fft.rfft(mid, axis=1), n, axis=1)
    X, Tg = np.meshgrid(ref.x, ref.t[2:-2])
    cols = [a[t_rows].reshape(-1, 1) for a in (X, Tg, mid, u_x, u_t, u_xx)]
    x = torch.tensor(np.hstack(cols[:2]))
    d = lambda a, b: torch.tensor(np.stack([a, b], axis=1))  # noqa: E731  (N × 2 inputs × 1 output)
    return x, Derivatives(torch.tensor(cols[2]), d(cols[3], cols[4]), d(cols[5], np.zeros_like(cols[5])))


def test_allen_cahn_residual_vanishes_at_the_reference():
    problem = AllenCahn1D(T=0.3, n_modes=512)
    x, D = _reference_derivatives(problem, slice(100, None))  # t ≥ 0.1, once the corner at x = ±1 is rounded
    r = problem.residual(x, D)
    assert float(D.d(1).abs().max()) > 1.0 and float(r.abs().max()) < 1e-7
    assert float(AllenCahn1D(T=0.3, nu=2e-4, n_modes=512).residual(x, D).abs().max()) > 1e-3  # sees a wrong ν
    # exact() is the reference: at the grid nodes, and u₀ at t = 0
    ref = problem.reference()
    xt = torch.tensor(np.stack(np.meshgrid(ref.x, ref.t[::50]), axis=-1).reshape(-1, 2))
    torch.testing.assert_close(problem.exact(xt)[:, 0], torch.tensor(ref.u[::50].reshape(-1)), atol=1e-12, rtol=0)
    pts = problem.points(gen(), torch.float64)
    torch.testing.assert_close(problem.exact(pts["initial"]), pts["u0"], atol=1e-15, rtol=0)  # u₀ itself at t = 0
    later = pts["interior"][pts["interior"][:, 1] > 0.1]
    fine = AllenCahn1D(T=0.3, n_modes=1024).exact(later)
    assert float((problem.exact(later) - fine).abs().max()) < 3e-4  # between the grid points (512 modes)
    assert problem.exact(pts["interior"].float()).dtype == torch.float32


def test_burgers_residual_vanishes_at_the_cole_hopf_solution():
    problem = Burgers1D()
    pts = problem.points(gen(), torch.float64)
    xt = pts["interior"][pts["interior"][:, 0].abs() > 0.1][:200]  # away from the front at x = 0
    h = 1e-4
    e = lambda dx, dt: problem.exact(xt + torch.tensor([dx, dt], dtype=torch.float64))  # noqa: E731
    u = e(0, 0)
    u_x, u_t = (e(h, 0) - e(-h, 0)) / (2 * h), (e(0, h) - e(0, -h)) / (2 * h)
    u_xx = (e(h, 0) - 2 * u + e(-h, 0)) / h**2
    D = Derivatives(u, torch.stack([u_x, u_t], dim=1), torch.stack([u_xx, torch.zeros_like(u)], dim=1))
    assert float(u_t.abs().max()) > 0.1 and float(problem.residual(xt, D).abs().max()) < 1e-5
    assert float(Burgers1D(nu=0.02 / math.pi).residual(xt, D).abs().max()) > 1e-3
    model = Exact(problem.exact)  # the boundary and initial terms vanish at u*
    assert float(model(pts["left"]).abs().max()) < 1e-12 and float(model(pts["right"]).abs().max()) < 1e-12
    torch.testing.assert_close(model(pts["initial"]), pts["u0"], atol=1e-14, rtol=0)


@pytest.mark.parametrize("problem", [PoissonMultiscale2D(n_interior=64, n_boundary=32),
                                     Helmholtz2D(n_interior=64, n_boundary=32),
                                     AllenCahn1D(n_interior=64, n_boundary=16, n_initial=16),
                                     Burgers1D(n_interior=64, n_boundary=16, n_initial=16)])
def test_both_engines_give_the_same_loss_and_it_trains(problem):
    model = MLP(2, 12, 2, 1, "tanh", generator=gen()).double()
    pts = problem.points(gen(1), torch.float64)
    a, f = problem.loss(model, pts, "autograd"), problem.loss(model, pts, "forward")
    torch.testing.assert_close(a, f, rtol=1e-10, atol=1e-12)
    ga = torch.autograd.grad(a, list(model.parameters()))
    gf = torch.autograd.grad(f, list(model.parameters()))
    for p, q in zip(ga, gf):
        torch.testing.assert_close(p, q, rtol=1e-8, atol=1e-10)


def test_points_random_resample_and_grid_is_fixed():
    for problem in (PoissonMultiscale2D(n_interior=100, n_boundary=40), Burgers1D(n_interior=100, T=0.5)):
        a, b = problem.points(gen(1)), problem.points(gen(2))
        assert not torch.equal(a["interior"], b["interior"])
        assert torch.equal(a["interior"], problem.points(gen(1))["interior"])
        lo, hi = torch.tensor(problem.box.lower), torch.tensor(problem.box.upper)
        assert bool(((a["interior"] >= lo) & (a["interior"] <= hi)).all())
    grid = AllenCahn1D(T=0.5, n_interior=100, n_boundary=10, n_initial=20, sampling="grid")
    a, b = grid.points(gen(1)), grid.points(gen(2))
    assert all(torch.equal(a[k], b[k]) for k in a) and a["interior"].shape == (100, 2)
    assert float(a["interior"][:, 1].max()) < 0.5 and float(a["left"][:, 0].max()) == -1.0
    assert float(a["right"][:, 0].min()) == 1.0 and bool((a["initial"][:, 1] == 0).all())
    assert PoissonMultiscale2D(n_interior=50, sampling="grid").points(gen())["interior"].shape == (64, 2)
    b = Helmholtz2D(n_boundary=40, sampling="grid").points(gen())["boundary"]
    on_edge = (b[:, 0].abs() == 1) | (b[:, 1].abs() == 1)
    assert bool(on_edge.all()) and len({tuple(r) for r in b.tolist()}) == 40


def test_allen_cahn_periodicity_by_penalty_or_by_the_embedding():
    pen = AllenCahn1D(T=0.25, n_interior=32, n_boundary=8, n_initial=8)
    emb = AllenCahn1D(T=0.25, n_interior=32, n_boundary=8, n_initial=8, periodic="embedding")
    periodic_net = PirateNet(2, 8, 1, generator=gen(), periods=emb.periods, fourier_scale=None).double()
    pts = pen.points(gen(), torch.float64)
    # a 2-periodic net has no jump: both losses agree
    torch.testing.assert_close(pen.loss(periodic_net, pts), emb.loss(periodic_net, pts))
    mlp = MLP(2, 8, 1, generator=gen()).double()
    assert float(pen.loss(mlp, pts) - emb.loss(mlp, pts)) > 0  # the penalty sees the MLP's jump
    with pytest.raises(ValueError, match="periodic='embedding' needs a net 2-periodic in x"):
        emb.loss(PirateNet(2, 8, 1, generator=gen(), fourier_scale=None).double(), pts)


def test_bad_arguments():
    with pytest.raises(ValueError, match="wave must be a positive number"):
        PoissonMultiscale2D(wave=0)
    with pytest.raises(ValueError, match="kappa must be a finite number"):
        Helmholtz2D(kappa=float("nan"))
    with pytest.raises(ValueError, match="unknown periodic='wrap'; valid: penalty, embedding"):
        AllenCahn1D(periodic="wrap")
    with pytest.raises(ValueError, match="unknown sampling 'sobol'; valid: random, grid"):
        Burgers1D(sampling="sobol")
    with pytest.raises(ValueError, match="T must be a positive number"):
        Burgers1D(T=0)
    with pytest.raises(ValueError, match="n_initial must be a positive integer"):
        AllenCahn1D(n_initial=0)
    with pytest.raises(ValueError, match="boundary_weight must be a finite number ≥ 0"):
        Helmholtz2D(boundary_weight=-1.0)


@pytest.mark.parametrize("problem", [PoissonMultiscale2D(n_interior=32, n_boundary=16),
                                     Helmholtz2D(n_interior=32, n_boundary=16),
                                     AllenCahn1D(T=0.1, periodic="embedding", n_interior=32, n_boundary=8, n_initial=8),
                                     Burgers1D(T=0.5, n_interior=32, n_boundary=8, n_initial=8)])
def test_fit_runs_on_every_problem(problem):
    from sfli.train import fit, torch_threads
    periods = getattr(problem, "periods", None) if getattr(problem, "periodic", "") == "embedding" else None
    model = PirateNet(2, 8, 1, generator=gen(), periods=periods)
    apply_sfli(model, problem.box, derivative_order=2, generator=gen(1))
    with torch_threads(1):
        history = fit(model, problem, steps=3, quadrature_n=64, track_ranks=False)
    assert history.meta["engine"] == "forward" and len(history.error) > 0
    assert all(math.isfinite(e) for e in history.error)
