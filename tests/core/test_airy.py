"""The third-order example: Airy u_t + u_xxx = 0, direct and as LDLM's first-order system."""
import pytest
import torch

from sfli.derivatives import autograd_derivatives
from sfli.first_order import first_derivatives
from sfli.nets import MLP
from sfli.solvers import AiryFirstOrder, AiryPINN, ExactNet, make_problem, relative_errors
from sfli.train import fit, torch_threads

import perturbed  # tests/core/perturbed.py

GEN = torch.Generator


@pytest.fixture(autouse=True)
def one_thread():
    with torch_threads(1):
        yield


def test_exact_solution_solves_both_formulations_and_its_derivatives_are_right():
    for cls in (AiryPINN, AiryFirstOrder):
        problem = cls(T=0.5, frequencies=(1.0, 2.5), n_interior=200)
        pts = problem.points(GEN().manual_seed(0), torch.float64)
        exact = ExactNet(problem)
        assert float(problem.loss(exact, pts).detach()) < 1e-24
        errors = relative_errors(problem, exact, n=8)
        assert max(errors.values()) < 1e-12
    x = pts["interior"]
    D = autograd_derivatives(ExactNet(AiryPINN(T=0.5, frequencies=(1.0, 2.5))), x)
    r = problem.reference(x)
    torch.testing.assert_close(D.d(0), r["u_x"])
    torch.testing.assert_close(D.dd(0), r["u_xx"])
    assert float(D.d(1).detach().abs().max()) > 1.0  # the time derivative is not trivial
    R = problem.residuals(first_derivatives(exact, x, "autograd"))
    assert max(float(t.detach().abs().max()) for t in R.values()) < 1e-12


def test_perturbed_solutions_are_seen():
    def Shift(net, column):  # noqa: N802 — the net plus 0.1·sin(3 x₁)·x₂ on output ``column``
        return perturbed.Shift(net, column, lambda x: torch.sin(3 * x[:, 0]) * x[:, 1])

    first = AiryFirstOrder(n_interior=100)
    pts = first.points(GEN().manual_seed(0), torch.float64)
    for column in range(3):
        R = first.residuals(first_derivatives(Shift(ExactNet(first), column), pts["interior"], "autograd"))
        assert max(float(t.detach().abs().max()) for t in R.values()) > 1e-2
    direct = AiryPINN(n_interior=100)
    assert float(direct.loss(Shift(ExactNet(direct), 0), pts).detach()) > 1e-3


@pytest.mark.parametrize("formulation", ["direct", "first_order"])
def test_training_lowers_the_loss_and_engines_agree(formulation):
    problem = make_problem("airy", formulation, n_interior=96, n_boundary=32, n_initial=32)
    model = MLP(2, 16, 2, problem.out_dim, generator=GEN().manual_seed(0))
    h = fit(model, problem, steps=30, lr=1e-2, quadrature_n=8, n_log=5, track_ranks=False)
    assert h.loss[-1] < h.loss[0]
    pts = problem.points(GEN().manual_seed(0), torch.float64)
    net = MLP(2, 8, 2, problem.out_dim, generator=GEN().manual_seed(0)).double()
    a, b = (float(problem.loss(net, pts, e).detach()) for e in ("forward", "autograd"))
    assert a == pytest.approx(b, rel=1e-10)


def test_bad_input_raises():
    with pytest.raises(ValueError, match="T must be a positive number"):
        AiryPINN(T=0)
    with pytest.raises(ValueError, match="frequencies must be positive numbers"):
        AiryFirstOrder(frequencies=())
    with pytest.raises(ValueError, match="n_initial must be a positive integer"):
        AiryPINN(n_initial=0)
    pts = AiryPINN(n_interior=8).points(GEN().manual_seed(0))
    with pytest.raises(ValueError, match="needs a net with 1 output"):
        AiryPINN().loss(MLP(2, 4, 1, 3), pts)
    with pytest.raises(ValueError, match=r"needs a net with 3 outputs \(u, p, q\)"):
        AiryFirstOrder().loss(MLP(2, 4, 1, 1), pts)
