"""First-order forward jets vs autograd; Derivatives without second derivatives; derivatives of a derived field."""
import math

import pytest
import torch
from torch import nn

from sfli import Activation
from sfli.derivatives import autograd_derivatives, derivatives, field_derivatives
from sfli.first_order import FirstJet, first_derivatives
from sfli.nets import MLP, ModifiedMLP, PirateNet, ResMLP
from sfli.solvers import Concat
from sfli.train import torch_threads


@pytest.fixture(autouse=True)
def one_thread():
    with torch_threads(1):
        yield


def _nets(d, out):
    gen = torch.Generator().manual_seed(0)
    return [MLP(d, 8, 2, out, "tanh", generator=gen), ResMLP(d, 8, 2, out, "sin", generator=gen),
            ModifiedMLP(d, 8, 2, out, "gelu", generator=gen), PirateNet(d, 8, 1, out, generator=gen),
            nn.Sequential(nn.Linear(d, 8), nn.Tanh(), nn.Linear(8, 8), Activation("silu"), nn.Linear(8, out)),
            Concat(MLP(d, 8, 2, 1, "tanh", generator=gen), MLP(d, 6, 1, out, "sin", generator=gen))]


@pytest.mark.parametrize("d", [1, 3, 8])
def test_first_order_jets_match_autograd_for_every_net(d):
    x = torch.rand(20, d, dtype=torch.float64)
    for net in _nets(d, 3):
        net = net.double()
        ref = autograd_derivatives(net, x)
        for engine in ("forward", "autograd", "auto"):
            D = first_derivatives(net, x, engine)
            assert D.d2u is None
            torch.testing.assert_close(D.u, ref.u, rtol=1e-12, atol=1e-12)
            torch.testing.assert_close(D.du, ref.du, rtol=1e-12, atol=1e-12)
        D = first_derivatives(net, x)
        (g,) = torch.autograd.grad(D.du.sum(), next(net.parameters()))  # differentiable in the parameters
        assert torch.isfinite(g).all() and g.abs().sum() > 0


def test_concat_runs_on_the_second_order_engine_too():
    gen = torch.Generator().manual_seed(1)
    net = Concat(MLP(2, 8, 2, 1, generator=gen), MLP(2, 8, 2, 2, generator=gen)).double()
    x = torch.rand(10, 2, dtype=torch.float64)
    a, b = derivatives(net, x, "forward"), autograd_derivatives(net, x)
    torch.testing.assert_close(a.d2u, b.d2u)
    assert net(x).shape == (10, 3) and net.first is net.nets[0].first
    with pytest.raises(ValueError, match="at least one net"):
        Concat()


def test_first_order_derivatives_have_no_second_and_say_so():
    net = MLP(2, 4, 1, 3).double()
    D = first_derivatives(net, torch.rand(5, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match="first order only"):
        D.laplacian()
    with pytest.raises(ValueError, match="first order only"):
        D.dd(0)
    assert D.divergence([1, 2]).shape == (5, 1)
    with pytest.raises(ValueError, match="needs 2 output columns"):
        D.divergence([1])
    with pytest.raises(ValueError, match="points must be an N×d tensor"):
        first_derivatives(net, torch.rand(5))
    with pytest.raises(ValueError, match="unknown derivative engine"):
        first_derivatives(net, torch.rand(5, 2), "jvp")
    with pytest.raises(ValueError, match="value N×n and first d×N×n"):
        FirstJet(torch.zeros(3, 2), torch.zeros(2, 4, 2))
    jet = FirstJet.variable(torch.rand(4, 2))
    with pytest.raises(ValueError, match="no derivative rule"):
        jet.activate("nope")
    y = (2.0 - jet * jet.columns(0) + 1.0).matmul(torch.ones(2, 1))  # product and constant rules
    assert y.value.shape == (4, 1) and y.first.shape == (2, 4, 1)


def test_field_derivatives_of_a_derived_quantity():
    x = torch.rand(30, 3, dtype=torch.float64, requires_grad=True)
    u = torch.sin(x[:, :1]) * torch.exp(x[:, 1:2]) * x[:, 2:3] ** 2
    F = field_derivatives(u, x)
    lap = -u + u + 2 * torch.sin(x[:, :1]) * torch.exp(x[:, 1:2])  # −u + u + 2 sin e^y
    torch.testing.assert_close(F.laplacian(), lap)
    G = field_derivatives(F.laplacian(), x)  # Δ²u = Δ(2 sin x e^y) = 0
    assert G.laplacian().abs().max() < 1e-12
    with torch.no_grad():
        assert math.isclose(float(F.du[0, 2, 0]), float(2 * torch.sin(x[0, 0]) * torch.exp(x[0, 1]) * x[0, 2]))
    with pytest.raises(ValueError, match="must require grad"):
        field_derivatives(u.detach(), x.detach())
    with pytest.raises(ValueError, match="N×out matrix"):
        field_derivatives(u[:5], x)
