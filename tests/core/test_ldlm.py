"""LDLM for the biharmonic: direct PINN, second-order and first-order systems. Residuals vanish at the exact
solution in float64 (d = 2, 3, 8) and not off it; the auxiliary outputs (v, p, q) against the exact
derivatives; every formulation trains; the engines agree; bad input raises."""
import pytest
import torch

from sfli.derivatives import autograd_derivatives
from sfli.first_order import first_derivatives
from sfli.nets import MLP
from sfli.solvers import (BIHARMONIC, BiharmonicFirstOrder, BiharmonicPINN, BiharmonicSecondOrder, ExactNet,
                          laplacian_of_laplacian, make_problem, relative_errors)
from sfli.train import fit, torch_threads

import perturbed  # tests/core/perturbed.py

GEN = torch.Generator


@pytest.fixture(autouse=True)
def one_thread():
    with torch_threads(1):
        yield


def Shift(net, column, eps=0.1):
    """``net`` plus eps·sin(3 x₁)·cos(2 x_d) on output ``column``."""
    return perturbed.Shift(net, column, lambda x: torch.sin(3 * x[:, 0]) * torch.cos(2 * x[:, -1]), eps)


def _setup(cls, d, solution="plane_waves"):
    problem = cls(dim=d, solution=solution, n_interior=100, n_boundary=60)
    return problem, problem.points(GEN().manual_seed(0), torch.float64), ExactNet(problem)


def _residuals(problem, x, net):
    if isinstance(problem, BiharmonicPINN):
        return {"pde": problem.residual(x, laplacian_of_laplacian(net, x, "autograd")[1])}
    if isinstance(problem, BiharmonicSecondOrder):
        return problem.residuals(x, autograd_derivatives(net, x))
    return problem.residuals(x, first_derivatives(net, x, "autograd"))


@pytest.mark.parametrize("d", [2, 3, 8])
@pytest.mark.parametrize("cls", [BiharmonicPINN, BiharmonicSecondOrder, BiharmonicFirstOrder])
@pytest.mark.parametrize("solution", ["plane_waves", "gaussian"])
def test_residuals_vanish_at_the_exact_solution(cls, d, solution):
    problem, pts, exact = _setup(cls, d, solution)
    scale = float(pts["f"].abs().max())
    r = _residuals(problem, pts["interior"], exact)
    assert max(float(t.detach().abs().max()) for t in r.values()) < 1e-11 * scale
    assert float(problem.loss(exact, pts).detach()) < 1e-20 * scale**2
    errors = relative_errors(problem, exact, n=4 if d <= 3 else 32)
    assert max(errors.values()) < 1e-11


@pytest.mark.parametrize("d", [2, 3, 8])
def test_auxiliary_outputs_are_the_exact_derivatives(d):
    x = torch.rand(30, d, dtype=torch.float64, generator=GEN().manual_seed(d))
    first, _, exact = _setup(BiharmonicFirstOrder, d)
    s = first.solution
    q = first.quantities(exact, x, "autograd")
    assert first.outputs == ("u", *(f"p_{i + 1}" for i in range(d)), "v", *(f"q_{i + 1}" for i in range(d)))
    torch.testing.assert_close(q["p"], s.gradient(x))
    torch.testing.assert_close(q["v"], s.laplacian(x))
    torch.testing.assert_close(q["q"], s.grad_laplacian(x))
    second, _, exact2 = _setup(BiharmonicSecondOrder, d)
    torch.testing.assert_close(second.quantities(exact2, x, "autograd")["v"], -s.laplacian(x))
    assert set(relative_errors(first, exact, n=16, x=x, weights=torch.ones(30))) == {"u", "grad_u", "lap_u", "p", "v", "q"}


@pytest.mark.parametrize("d", [2, 8])
def test_each_unknown_moved_is_seen(d):
    for cls in (BiharmonicSecondOrder, BiharmonicFirstOrder):
        problem, pts, exact = _setup(cls, d)
        for column in range(problem.out_dim):
            r = _residuals(problem, pts["interior"], Shift(exact, column))
            assert max(float(t.detach().abs().max()) for t in r.values()) > 1e-2, (cls.__name__, column)
    problem, pts, exact = _setup(BiharmonicPINN, d)
    assert float(_residuals(problem, pts["interior"], Shift(exact, 0))["pde"].detach().abs().max()) > 1.0
    shifted = Shift(exact, 0, eps=0.0)  # the boundary terms: Δu on the boundary moved by a constant shift of f
    assert float(problem.boundary_loss(shifted, {**pts, "h": pts["h"] + 1}, "autograd").detach()) == pytest.approx(1.0)


@pytest.mark.parametrize("formulation", sorted(BIHARMONIC))
def test_every_formulation_trains_and_the_engines_agree(formulation):
    problem = make_problem("biharmonic", formulation, dim=2, n_interior=96, n_boundary=48)
    model = MLP(2, 16, 2, problem.out_dim, generator=GEN().manual_seed(0))
    h = fit(model, problem, steps=30, lr=1e-2, quadrature_n=8, n_log=5, track_ranks=False)
    assert h.loss[-1] < h.loss[0] and h.meta["engine"] == "forward"
    pts = problem.points(GEN().manual_seed(0), torch.float64)
    net = MLP(2, 8, 2, problem.out_dim, generator=GEN().manual_seed(0)).double()
    assert float(problem.loss(net, pts, "forward").detach()) == pytest.approx(float(problem.loss(net, pts, "autograd").detach()), rel=1e-10)


def test_bad_input_raises():
    pts = BiharmonicSecondOrder(dim=2, n_interior=8, n_boundary=8).points(GEN().manual_seed(0))
    with pytest.raises(ValueError, match=r"needs a net with 2 outputs \('u', 'v'\), got 3"):
        BiharmonicSecondOrder(dim=2).loss(MLP(2, 4, 1, 3), pts)
    with pytest.raises(ValueError, match="needs a net with 6 outputs"):
        BiharmonicFirstOrder(dim=2).loss(MLP(2, 4, 1, 2), pts)
    with pytest.raises(ValueError, match="needs a net with 1 outputs"):
        BiharmonicPINN(dim=2).loss(MLP(2, 4, 1, 2), pts)
    with pytest.raises(ValueError, match="unknown formulation 'zeroth_order' for biharmonic"):
        make_problem("biharmonic", "zeroth_order")
