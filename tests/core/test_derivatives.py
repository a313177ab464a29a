"""The forward derivative engine: closed-form σ′, σ″, jets through every net × activation vs nested autograd."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from sfli import ACTIVATIONS, DERIVATIVES, Activation, Derivatives, Jet
from sfli.derivatives import (ENGINES, autograd_derivatives, derivatives, forward_derivatives, resolve_engine,
                              supports_forward)
from sfli.nets import MLP, ModifiedMLP, PirateNet, ResMLP
from sfli.problems import Heat1D, Poisson2D
from sfli.train import torch_threads

TORCH_MODULES = {"tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "elu": nn.ELU,
                 "gelu": nn.GELU, "silu": nn.SiLU, "softplus": nn.Softplus}


def randomize_(model: nn.Module, seed: int = 0, scale: float = 0.7) -> nn.Module:
    """Every parameter (weights, biases, PirateNet's α, RWF scales) drawn anew: nothing zero, nothing special."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=p.dtype) * scale)
    return model


def sequential(d: int, width: int, out: int, act: str) -> nn.Sequential:
    module = TORCH_MODULES[act]() if act in TORCH_MODULES else Activation(act)  # torch modules where they exist
    return nn.Sequential(nn.Linear(d, width), module, nn.Linear(width, width), Activation(act), nn.Identity(),
                         nn.Linear(width, out))


@pytest.fixture(autouse=True)
def one_thread():
    """These tiny nets are launch-bound: one torch thread is faster, and robust on a busy machine."""
    with torch_threads(1):
        yield


# (name, builder(d, out, activation)); input dimension 1, 2 and 3 and out_dim 1 and 2 run through every builder
NETS = {
    "mlp": lambda d, o, a: MLP(d, 6, 3, o, a),
    "resmlp": lambda d, o, a: ResMLP(d, 6, 3, o, a),
    "modified_mlp": lambda d, o, a: ModifiedMLP(d, 6, 3, o, a),
    "pirate": lambda d, o, a: PirateNet(d, 6, 2, o, a, fourier_scale=None),
    "pirate_fourier_rwf": lambda d, o, a: PirateNet(d, 6, 2, o, a, fourier_scale=1.5, rwf=(0.5, 0.1)),
    "pirate_periodic": lambda d, o, a: PirateNet(d, 6, 1, o, a, periods={0: 2.0}, fourier_scale=None, rwf=(1.0, 0.1)),
    "pirate_periodic_fourier": lambda d, o, a: PirateNet(d, 6, 1, o, a, periods={d - 1: 1.0}, fourier_scale=2.0),
    "sequential": lambda d, o, a: sequential(d, 5, o, a),
}
SHAPES = ((1, 2), (2, 1), (3, 2))  # (input dimension, out_dim)


def assert_relclose(got: torch.Tensor, want: torch.Tensor, rtol: float = 1e-10) -> None:
    assert got.shape == want.shape
    got, want = got.detach(), want.detach()
    scale = float(want.abs().max()) or 1.0
    err = float((got - want).abs().max()) / scale
    assert err < rtol, f"relative error {err:.2e}"


def inputs(n: int, d: int, seed: int = 1) -> torch.Tensor:
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


# ---------------------------------------------------------------- σ, σ′, σ″

def test_every_activation_has_a_derivative_rule():
    assert set(DERIVATIVES) == set(ACTIVATIONS)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_closed_form_derivatives_match_autograd(name):
    z = torch.cat([torch.linspace(-25, 25, 1001, dtype=torch.float64), inputs(200, 1)[:, 0] * 3,
                   torch.tensor([19.99, 20.01, -1e-3, 1e-3], dtype=torch.float64)])
    # not at the kinks of relu, leaky_relu, elu (0), nor at softplus's threshold 20, where torch's own double
    # backward (linear for z ≥ 20) disagrees with its forward and backward (linear for z > 20)
    z = z[(z != 0) & (z != 20)].requires_grad_(True)
    s0, s1, s2 = DERIVATIVES[name](z.detach())
    ref = ACTIVATIONS[name](z)
    (d1,) = torch.autograd.grad(ref.sum(), z, create_graph=True)
    (d2,) = torch.autograd.grad(d1.sum(), z, allow_unused=True, materialize_grads=True)
    torch.testing.assert_close(s0, ref.detach(), rtol=0, atol=0)  # the value is the activation itself
    torch.testing.assert_close(s1, d1.detach(), rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(s2, d2, rtol=1e-12, atol=1e-14)
    assert s0.dtype == s1.dtype == s2.dtype == torch.float64


def test_kink_conventions_are_those_of_autograd():
    z = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    for name in ("relu", "leaky_relu", "elu"):
        (d1,) = torch.autograd.grad(ACTIVATIONS[name](z).sum(), z)
        assert float(DERIVATIVES[name](z.detach())[1]) == float(d1)


# ---------------------------------------------------------------- jets through every net

@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("net", list(NETS))
def test_forward_engine_matches_nested_autograd(net, activation):
    for d, out in SHAPES:
        model = randomize_(NETS[net](d, out, activation).double(), seed=d)
        assert supports_forward(model)
        x = inputs(12, d)
        ref, fwd = autograd_derivatives(model, x), forward_derivatives(model, x)
        assert fwd.u.shape == (12, out) and fwd.du.shape == fwd.d2u.shape == (12, d, out)
        assert_relclose(fwd.u, model(x))
        assert_relclose(fwd.u, ref.u)
        assert_relclose(fwd.du, ref.du)
        assert_relclose(fwd.d2u, ref.d2u)


@pytest.mark.parametrize("net", ["mlp", "modified_mlp", "pirate_fourier_rwf", "pirate_periodic", "sequential"])
@pytest.mark.parametrize("problem", [Poisson2D(n_interior=16, n_boundary=8), Heat1D(n_interior=16, n_boundary=8,
                                                                                      n_initial=8)])
def test_parameter_gradients_of_a_residual_loss_agree(net, problem):
    model = randomize_(NETS[net](2, 1, "tanh").double(), seed=3)
    pts = problem.points(torch.Generator().manual_seed(0), torch.float64)
    grads = {}
    for engine in ENGINES:
        model.zero_grad()
        problem.loss(model, pts, engine=engine).backward()
        grads[engine] = [p.grad.clone() for p in model.parameters()]
    for a, b in zip(grads["autograd"], grads["forward"]):
        assert_relclose(b, a, 1e-9)


def test_jet_arithmetic_with_constants_and_products():
    x = inputs(10, 2)

    def f(z):  # 1 − x₀·x₁ + 2 sin(x₀)·3, as jets and as tensors
        if isinstance(z, Jet):
            a, b = z.columns(0), z.columns(1)
            return 1 - a * b + 2 * a.activate("sin") * 3
        return 1 - z[:, :1] * z[:, 1:] + 2 * torch.sin(z[:, :1]) * 3

    class F(nn.Module):
        def forward(self, z):
            return f(z)

        def forward_jet(self, jet):
            return f(jet)

    ref, fwd = autograd_derivatives(F(), x), derivatives(F(), x, "forward")
    for got, want in ((fwd.u, ref.u), (fwd.du, ref.du), (fwd.d2u, ref.d2u)):
        assert_relclose(got, want)


# ---------------------------------------------------------------- the Derivatives record

def test_derivatives_accessors():
    d2u = torch.arange(24, dtype=torch.float64).reshape(4, 3, 2)
    D = Derivatives(torch.zeros(4, 2), -d2u, d2u)
    assert torch.equal(D.d(1), -d2u[:, 1]) and torch.equal(D.dd(-1), d2u[:, 2])
    assert torch.equal(D.laplacian(), d2u.sum(1)) and torch.equal(D.laplacian([0, 2]), d2u[:, 0] + d2u[:, 2])
    assert D.laplacian().shape == (4, 2) and D.dim == 3
    with pytest.raises(IndexError, match="input axis 3 out of range for 3 input dimensions"):
        D.dd(3)


def test_autograd_engine_on_a_relu_net_and_without_graph():
    model = randomize_(nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1)).double())
    D = autograd_derivatives(model, inputs(5, 2), create_graph=False)
    assert torch.equal(D.d2u, torch.zeros(5, 2, 1, dtype=torch.float64))  # piecewise linear: no curvature
    assert not (D.u.requires_grad or D.du.requires_grad or D.d2u.requires_grad)


# ---------------------------------------------------------------- errors and engine resolution

class Custom(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 1)

    def forward(self, x):
        return torch.tanh(self.lin(x)) ** 2


class MLPWithNewForward(MLP):
    def forward(self, x):
        return super().forward(x) ** 2


@pytest.mark.parametrize("model, why", [
    (Custom(), "module Custom"),
    (nn.Sequential(nn.Linear(2, 3), nn.Dropout(), nn.Linear(3, 1)), "module Dropout"),
    (nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(0.2), nn.Linear(3, 1)), "LeakyReLU with {'negative_slope': 0.2}"),
    (nn.Sequential(nn.Linear(2, 3), nn.GELU("tanh"), nn.Linear(3, 1)), "GELU with {'approximate': 'tanh'}"),
    (MLPWithNewForward(2, 4, 1), "whose forward overrides that of its base class"),
])
def test_unsupported_modules_are_refused_clearly(model, why):
    assert not supports_forward(model)
    with pytest.raises(TypeError, match="forward engine does not support") as err:
        derivatives(model, torch.rand(4, 2), "forward")
    assert why in str(err.value) and "use engine='autograd'" in str(err.value)
    with pytest.raises(TypeError, match="forward engine does not support"):
        resolve_engine(model, "forward")
    assert resolve_engine(model, "auto") == "autograd"
    D = derivatives(model, torch.rand(4, 2), "auto")  # falls back to nested autograd
    assert D.d2u.shape == (4, 2, 1)


def test_engine_names():
    model = MLP(2, 4, 1)
    assert ENGINES == ("autograd", "forward")
    assert resolve_engine(model, "auto") == "forward" and resolve_engine(model, "autograd") == "autograd"
    with pytest.raises(ValueError, match="unknown derivative engine 'jax'; valid: auto, autograd, forward"):
        derivatives(model, torch.rand(3, 2), "jax")
    with pytest.raises(ValueError, match="points must be an N×d tensor"):
        derivatives(model, torch.rand(3), "forward")
    with pytest.raises(ValueError, match="no derivative rule for activation 'swish'"):
        Jet.variable(torch.rand(3, 2)).activate("swish")
