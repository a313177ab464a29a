"""Problems: targets, training points, and the Poisson residual of the exact solution."""
import math

import pytest
import torch
from torch import nn

from sfli import autograd_derivatives, derivatives, hidden_features
from sfli.nets import MLP, ResMLP
from sfli.problems import TARGETS, Heat1D, Poisson2D, Regression, axis_sines, bump, sine_product_sum, sine_sum, step
from sfli.train import torch_threads


class Exact(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def test_poisson_exact_solution_has_zero_residual_and_matches_the_boundary():
    problem = Poisson2D(domain=((0.0, 1.0), (-1.0, 1.0)), frequencies=(1, 3))
    pts = problem.points(torch.Generator().manual_seed(0), torch.float64)
    model = Exact(problem.exact)
    D = autograd_derivatives(model, pts["interior"])
    assert problem.residual(pts["interior"], D, pts["f"]).abs().max() < 1e-9
    assert problem.residual(pts["interior"], D).abs().max() < 1e-9  # f = source(x) by default
    assert problem.loss(model, pts) < 1e-18
    # a wrong source is seen by the residual
    assert problem.residual(pts["interior"], D, 2 * pts["f"]).abs().max() > 1.0


def test_poisson_points():
    problem = Poisson2D(n_interior=100, n_boundary=40)
    pts = problem.points(torch.Generator().manual_seed(1))
    assert pts["interior"].shape == (100, 2) and pts["boundary"].shape == (40, 2)
    b = pts["boundary"]
    on_edge = (b[:, 0] == 0) | (b[:, 0] == 1) | (b[:, 1] == 0) | (b[:, 1] == 1)
    assert bool(on_edge.all())
    assert ((pts["interior"] > 0) & (pts["interior"] < 1)).all()
    again = problem.points(torch.Generator().manual_seed(1))
    assert torch.equal(again["interior"], pts["interior"])
    with pytest.raises(ValueError, match="dimension 1 but the layer takes 2"):
        Poisson2D(domain=[(0, 1)])


def test_poisson_boundary_points_on_a_rectangle():
    problem = Poisson2D(domain=((-1.0, 2.0), (3.0, 4.0)), n_interior=10, n_boundary=400)
    b = problem.points(torch.Generator().manual_seed(0))["boundary"]
    assert float(b[:, 0].min()) == -1.0 and float(b[:, 0].max()) == 2.0
    assert float(b[:, 1].min()) == 3.0 and float(b[:, 1].max()) == 4.0
    on_edge = (b[:, 0] == -1) | (b[:, 0] == 2) | (b[:, 1] == 3) | (b[:, 1] == 4)
    assert bool(on_edge.all())
    for edge in (b[:, 0] == -1, b[:, 0] == 2, b[:, 1] == 3, b[:, 1] == 4):
        assert int(edge.sum()) >= 90  # every side sampled


def test_poisson_loss_trains_down():
    problem = Poisson2D(n_interior=128, n_boundary=64, frequencies=(1,))
    model = MLP(2, 16, 2, 1, "tanh", generator=torch.Generator().manual_seed(0))
    pts = problem.points(torch.Generator().manual_seed(0))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = float(problem.loss(model, pts).detach())
    for _ in range(100):
        opt.zero_grad()
        problem.loss(model, pts).backward()
        opt.step()
    assert float(problem.loss(model, pts).detach()) < 0.5 * first


def test_targets():
    x = torch.tensor([[0.5], [0.25]])
    assert sine_sum((1, 2))(x)[0, 0] == pytest.approx(math.sin(math.pi / 2) + math.sin(math.pi))
    assert sine_sum((1,), (3.0,))(x)[1, 0] == pytest.approx(3 * math.sin(math.pi / 4))
    with pytest.raises(ValueError, match="2 amplitudes for 1 frequencies"):
        sine_sum((1,), (1.0, 2.0))
    xy = torch.tensor([[0.5, 0.5]])
    assert sine_product_sum((1, 2))(xy)[0, 0] == pytest.approx(1.0)


def test_sharp_discontinuous_and_high_dimensional_targets():
    x = torch.tensor([[0.3], [0.199], [0.201], [-0.5]], dtype=torch.float64)
    b = bump(0.3, 0.05)(x)[:, 0]
    assert float(b[0]) == pytest.approx(math.sin(0.3 * math.pi) + 1)  # the bump's top
    assert float(b[3]) == pytest.approx(-1.0, abs=1e-12)  # far from it: the background alone
    s = step(0.2)(x)[:, 0]
    assert float(s[2] - s[1]) == pytest.approx(1.0, abs=0.01)  # the jump of 1 at x = 0.2
    z = torch.tensor([[0.5, 0.25, 1 / 6, 0.125]])
    assert float(axis_sines((1, 2, 3, 4))(z)) == pytest.approx(4.0)  # every sin(k_i π x_i) = 1
    with pytest.raises(ValueError, match="needs 4-D input"):
        axis_sines((1, 2, 3, 4))(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="width must be a positive number"):
        bump(width=0)
    assert {"bump", "step", "axis_sines"} <= set(TARGETS)


def test_regression_points_and_loss():
    problem = Regression(sine_sum((1,)), [(-1, 1)], n_train=11, grid=True)
    pts = problem.points(torch.Generator().manual_seed(0))
    assert torch.allclose(pts["x"][:, 0], torch.linspace(-1, 1, 11))
    assert problem.loss(Exact(problem.exact), pts) == 0
    rand = Regression(sine_product_sum(), [(0, 1), (0, 2)], n_train=50).points(torch.Generator().manual_seed(0))
    assert rand["x"].shape == (50, 2) and float(rand["x"][:, 1].max()) > 1
    with pytest.raises(ValueError, match="n_train must be a positive integer"):
        Regression(sine_sum(), [(-1, 1)], n_train=0)
    with pytest.raises(ValueError, match="grid=True is for 1-D domains"):
        Regression(sine_product_sum(), [(0, 1), (0, 1)], grid=True)


def test_resmlp_is_an_mlp_with_skips():
    gen = torch.Generator().manual_seed(0)
    res = ResMLP(2, 8, 3, 1, "tanh", generator=gen)
    x = torch.rand(5, 2)
    h = torch.tanh(res.hidden[0](x))
    hs = [h]
    for layer in res.hidden[1:]:
        h = h + torch.tanh(layer(h))
        hs.append(h)
    torch.testing.assert_close(res(x), res.output(h))
    feats = hidden_features(res, x)
    for got, want in zip(feats.values(), hs):
        torch.testing.assert_close(got, want)


def test_poisson_loss_is_the_same_with_both_engines():
    problem = Poisson2D(n_interior=64, n_boundary=16)
    pts = problem.points(torch.Generator().manual_seed(0), torch.float64)
    model = MLP(2, 8, 2, 1, "sin", generator=torch.Generator().manual_seed(0)).double()
    losses = [problem.loss(model, pts, engine=e).detach() for e in ("autograd", "forward", "auto")]
    assert float(losses[0]) == pytest.approx(float(losses[1]), rel=1e-12) and losses[1] == losses[2]
    with pytest.raises(ValueError, match="unknown derivative engine 'fwd'"):
        problem.loss(model, pts, engine="fwd")


def test_heat_exact_solution_has_zero_residual_and_matches_boundary_and_initial_data():
    problem = Heat1D(kappa=0.3, T=0.5, frequencies=(1, 3), amplitudes=(1.0, -0.5), n_interior=200)
    pts = problem.points(torch.Generator().manual_seed(0), torch.float64)
    model = Exact(problem.exact)
    D = autograd_derivatives(model, pts["interior"])
    assert problem.residual(pts["interior"], D).abs().max() < 1e-12
    assert problem.loss(model, pts) < 1e-28
    assert float(problem.exact(pts["boundary"]).abs().max()) < 1e-14
    x0 = pts["initial"][:, :1]
    torch.testing.assert_close(pts["u0"], torch.sin(math.pi * x0) - 0.5 * torch.sin(3 * math.pi * x0))
    # another diffusivity is seen by the residual
    other = Heat1D(kappa=0.2, T=0.5, frequencies=(1, 3), amplitudes=(1.0, -0.5))
    assert other.residual(pts["interior"], D).abs().max() > 0.1


def test_heat_points_and_validation():
    problem = Heat1D(T=2.0, n_interior=100, n_boundary=40, n_initial=30)
    pts = problem.points(torch.Generator().manual_seed(0))
    assert problem.box.upper == (1.0, 2.0) and problem.box.lower == (0.0, 0.0)
    assert pts["interior"].shape == (100, 2) and pts["boundary"].shape == (40, 2) and pts["initial"].shape == (30, 2)
    b = pts["boundary"]
    assert int((b[:, 0] == 0).sum()) == 20 and int((b[:, 0] == 1).sum()) == 20
    assert float(b[:, 1].min()) >= 0 and float(b[:, 1].max()) <= 2
    assert bool((pts["initial"][:, 1] == 0).all())
    assert torch.equal(problem.points(torch.Generator().manual_seed(0))["interior"], pts["interior"])
    with pytest.raises(ValueError, match="kappa must be a positive number"):
        Heat1D(kappa=0.0)
    with pytest.raises(ValueError, match="2 amplitudes for 1 frequencies"):
        Heat1D(frequencies=(1,), amplitudes=(1.0, 2.0))
    with pytest.raises(ValueError, match="n_initial must be a positive integer"):
        Heat1D(n_initial=0)


def test_heat_loss_trains_down_with_the_forward_engine():
    problem = Heat1D(n_interior=128, n_boundary=32, n_initial=32, frequencies=(1,))
    model = MLP(2, 16, 2, 1, "tanh", generator=torch.Generator().manual_seed(0))
    pts = problem.points(torch.Generator().manual_seed(0))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = float(problem.loss(model, pts, engine="forward").detach())
    with torch_threads(1):
        for _ in range(60):
            opt.zero_grad()
            problem.loss(model, pts, engine="forward").backward()
            opt.step()
    assert float(problem.loss(model, pts, engine="forward").detach()) < 0.5 * first
    D = derivatives(model, pts["interior"], "forward")
    assert D.du.shape == (128, 2, 1)
