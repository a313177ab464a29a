"""MIM: residuals vanish at the exact (u, ∇u) in float64 (d = 2, 3, 8), not off it; its auxiliary output p and
div p against the exact ∇u and Δu; one net and two nets train; bad input raises."""
import pytest
import torch

from sfli.derivatives import autograd_derivatives
from sfli.first_order import first_derivatives
from sfli.nets import MLP
from sfli.solvers import Concat, ExactNet, MixedResidual, relative_errors
from sfli.train import fit, torch_threads

import perturbed  # tests/core/perturbed.py

GEN = torch.Generator


@pytest.fixture(autouse=True)
def one_thread():
    with torch_threads(1):
        yield


def Shift(net, column):
    """The exact outputs plus 0.1·sin(3 x₁) on output ``column`` only."""
    return perturbed.Shift(net, column, lambda x: torch.sin(3 * x[:, 0]))


@pytest.mark.parametrize("d", [2, 3, 8])
@pytest.mark.parametrize("solution", ["plane_waves", "gaussian"])
def test_residuals_vanish_at_the_exact_solution(d, solution):
    problem = MixedResidual(dim=d, solution=solution, n_interior=200, n_boundary=100)
    assert problem.outputs == ("u", *(f"p_{i + 1}" for i in range(d))) and problem.out_dim == d + 1
    pts = problem.points(GEN().manual_seed(0), torch.float64)
    exact = ExactNet(problem)
    for engine in ("autograd",):
        D = first_derivatives(exact, pts["interior"], engine)
        r = problem.residuals(pts["interior"], D, pts["f"])
        assert r["flux"].shape == (200, d) and r["divergence"].shape == (200, 1)
        assert max(float(t.detach().abs().max()) for t in r.values()) < 1e-10
    assert float(problem.loss(exact, pts).detach()) < 1e-20
    # the auxiliary output p is ∇u*, div p is Δu*; every metric ≈ 0 for the exact "net"
    q = problem.quantities(exact, pts["interior"], "autograd")
    torch.testing.assert_close(q["p"], problem.solution.gradient(pts["interior"]))
    torch.testing.assert_close(q["div_p"], problem.solution.laplacian(pts["interior"]))
    errors = relative_errors(problem, exact, n=4 if d <= 3 else 64)
    assert set(errors) == {"u", "grad_u", "lap_u", "p", "div_p"} and max(errors.values()) < 1e-12


@pytest.mark.parametrize("d", [2, 8])
def test_each_residual_sees_its_own_perturbation(d):
    problem = MixedResidual(dim=d, n_interior=100, n_boundary=50)
    pts = problem.points(GEN().manual_seed(0), torch.float64)
    exact = ExactNet(problem)
    r_u = problem.residuals(pts["interior"], autograd_derivatives(Shift(exact, 0), pts["interior"]))
    assert r_u["flux"][:, 0].abs().max() > 0.05 and r_u["divergence"].abs().max() < 1e-10  # u moved: flux only
    r_p = problem.residuals(pts["interior"], autograd_derivatives(Shift(exact, 1), pts["interior"]))
    assert r_p["flux"][:, 0].abs().max() > 0.05 and r_p["divergence"].abs().max() > 0.1  # p₁ moved: both
    errors = relative_errors(problem, Shift(exact, 1), n=8 if d == 2 else 256)
    assert errors["p"] > 1e-3 and errors["u"] < 1e-12


def test_one_net_and_two_nets_train_and_agree_on_engines():
    problem = MixedResidual(dim=2, n_interior=128, n_boundary=64)
    for model in (MLP(2, 16, 2, 3, generator=GEN().manual_seed(0)),
                  Concat(MLP(2, 12, 2, 1, generator=GEN().manual_seed(1)), MLP(2, 12, 2, 2, generator=GEN().manual_seed(2)))):
        h = fit(model, problem, steps=40, lr=1e-2, quadrature_n=8, n_log=5)
        assert h.loss[-1] < 0.8 * h.loss[0] and h.meta["engine"] == "forward"
        assert len(h.ranks) == (2 if isinstance(model, MLP) else 4)  # hidden layers of both nets
    pts = problem.points(GEN().manual_seed(0), torch.float64)
    net = MLP(2, 8, 2, 3, generator=GEN().manual_seed(0)).double()
    assert float(problem.loss(net, pts, "forward").detach()) == pytest.approx(float(problem.loss(net, pts, "autograd").detach()), rel=1e-12)


def test_bad_nets_raise():
    problem = MixedResidual(dim=3, n_interior=16, n_boundary=8)
    pts = problem.points(GEN().manual_seed(0))
    with pytest.raises(ValueError, match=r"mim needs a net with 4 outputs \('u', 'p_1', 'p_2', 'p_3'\), got 1"):
        problem.loss(MLP(3, 4, 1, 1), pts)
    with pytest.raises(ValueError, match="give both x and weights"):
        relative_errors(problem, MLP(3, 4, 1, 4), x=pts["interior"])
