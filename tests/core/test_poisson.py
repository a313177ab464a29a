"""Poisson by the strong-form PINN and by deep Ritz: zero residual / stationary energy at the exact solution
(float64, d = 2, 3, 8), not for a perturbed one, training lowers the loss, bad input raises."""
import pytest
import torch
from torch import nn

from sfli import quadrature
from sfli.derivatives import autograd_derivatives
from sfli.first_order import first_derivatives
from sfli.nets import MLP
from sfli.solvers import DeepRitz, ExactNet, Gaussian, PoissonPINN, make_problem
from sfli.train import fit, torch_threads

GEN = torch.Generator


@pytest.fixture(autouse=True)
def one_thread():
    with torch_threads(1):
        yield


def bubble(x):
    """A function vanishing on the boundary of the unit cube, with a non-trivial gradient."""
    return 4 ** x.shape[1] * torch.prod(x * (1 - x), dim=1, keepdim=True) * torch.cos(2 * x[:, :1])


class Plus(nn.Module):
    def __init__(self, net, eps, fn=bubble):
        super().__init__()
        self.net, self.eps, self.fn = net, eps, fn

    def forward(self, x):
        return self.net(x) + self.eps * self.fn(x)


@pytest.mark.parametrize("d", [2, 3, 8])
@pytest.mark.parametrize("solution", ["plane_waves", "gaussian"])
def test_pinn_residual_vanishes_at_the_exact_solution_only(d, solution):
    problem = PoissonPINN(dim=d, solution=solution, n_interior=200, n_boundary=100)
    pts = problem.points(GEN().manual_seed(0), torch.float64)
    exact = ExactNet(problem)
    D = autograd_derivatives(exact, pts["interior"])
    assert problem.residual(pts["interior"], D, pts["f"]).abs().max() < 1e-10
    assert problem.residual(pts["interior"], D).abs().max() < 1e-10
    assert float(problem.loss(exact, pts).detach()) < 1e-20
    off = autograd_derivatives(Plus(exact, 0.1), pts["interior"])
    assert problem.residual(pts["interior"], off, pts["f"]).abs().max() > 0.1
    assert float(problem.loss(Plus(exact, 0.1, lambda x: torch.ones_like(x[:, :1])), pts).detach()) > 1e-3  # boundary


@pytest.mark.parametrize("d, n, tol", [(2, 16, 1e-9), (3, 12, 1e-9), (8, 2**14, 2e-2)])
def test_ritz_energy_is_stationary_at_the_exact_solution_only(d, n, tol):
    """dE/dε (u* + εφ) = ∫ ∇u*·∇φ − f φ = 0 for φ = 0 on ∂Ω (E is quadratic: the central difference is exact);
    by Gauss quadrature in d ≤ 3, quasi-Monte Carlo (looser) in d = 8."""
    problem = DeepRitz(dim=d)
    x, w = quadrature(problem.box, n)
    exact = ExactNet(problem)

    def slope(net, eps=0.5):
        return ((problem.energy(Plus(net, eps), x, w) - problem.energy(Plus(net, -eps), x, w)) / (2 * eps)).detach()

    scale = float((w[:, None] * (-problem.solution.laplacian(x) * bubble(x)).abs()).sum())
    assert abs(float(slope(exact))) < tol * scale
    density = problem.energy_density(x, first_derivatives(exact, x, "autograd"))
    assert density.shape == (x.shape[0], 1)
    perturbed = Plus(exact, 0.5, lambda y: torch.sin(torch.pi * y).prod(1, keepdim=True))  # another φ
    assert abs(float(slope(perturbed))) > 0.2 * scale
    pts = problem.points(GEN().manual_seed(0), torch.float64)
    weights = torch.full((problem.n_interior,), 1 / problem.n_interior, dtype=torch.float64)
    energy = problem.energy(exact, pts["interior"], weights).detach()  # the boundary term is 0 at u*
    assert float(problem.loss(exact, pts).detach()) == pytest.approx(float(energy))


@pytest.mark.parametrize("formulation", ["pinn", "ritz"])
def test_fit_lowers_the_loss(formulation):
    problem = make_problem("poisson", formulation, dim=2, n_interior=128, n_boundary=64)
    model = MLP(2, 16, 2, problem.out_dim, generator=GEN().manual_seed(0))
    h = fit(model, problem, steps=40, lr=1e-2, quadrature_n=8, n_log=5, track_ranks=False)
    assert h.loss[-1] < h.loss[0] and h.meta["engine"] == "forward"


def test_engines_agree_and_bad_input_raises():
    problem = PoissonPINN(dim=3, n_interior=32, n_boundary=16)
    pts = problem.points(GEN().manual_seed(0), torch.float64)
    net = MLP(3, 8, 2, 1, generator=GEN().manual_seed(0)).double()
    for p in (problem, DeepRitz(dim=3)):
        a, b = p.loss(net, pts, engine="forward").detach(), p.loss(net, pts, engine="autograd").detach()
        assert float(a) == pytest.approx(float(b), rel=1e-12)
    with pytest.raises(ValueError, match="needs a net with 1 outputs"):
        problem.loss(MLP(3, 8, 1, 2).double(), pts)
    with pytest.raises(ValueError, match="dim must be a positive integer"):
        PoissonPINN(dim=0)
    with pytest.raises(ValueError, match="n_interior must be a positive integer"):
        DeepRitz(n_interior=0)
    with pytest.raises(ValueError, match="boundary_weight must be a non-negative number"):
        PoissonPINN(boundary_weight=-1.0)
    with pytest.raises(ValueError, match="exact solution is for dimension 3, the problem for 2"):
        PoissonPINN(dim=2, solution=Gaussian(3))
    with pytest.raises(ValueError, match="unknown exact solution"):
        PoissonPINN(solution="bessel")
    with pytest.raises(ValueError, match="unknown formulation 'fem' for poisson; valid: pinn, ritz, mim"):
        make_problem("poisson", "fem")
    with pytest.raises(ValueError, match="unknown equation 'wave'"):
        make_problem("wave", "pinn")
