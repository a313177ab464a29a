"""SFLI and the baseline initializers (sfli.init) and the MLP. The chapter-2 experiment: tests/chapters/test_sfli_init.py."""
import itertools
import math

import pytest
import torch
from torch import nn

import sfli
from sfli.activations import FAMILIES
from sfli.init import BASELINES, apply_sfli, default_gamma, sfli_
from sfli.nets import MLP

ALL_ACTIVATIONS = [a for members in FAMILIES.values() for a in members]
HYPERPLANE_ACTIVATIONS = [*FAMILIES["sigmoidal"], *FAMILIES["relu"], *FAMILIES["radial"]]
BOXES = {1: [(-0.5, 2.0)], 2: [(0.0, 1.0), (-3.0, 1.0)], 3: [(-1.0, 1.0), (2.0, 2.5), (-4.0, 0.0)]}


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def layer(d: int, m: int, seed: int = 0, **kw) -> nn.Linear:
    torch.manual_seed(12345)  # the layer's own default init, overwritten by the initializer under test
    return nn.Linear(d, m, dtype=torch.float64, **kw)


def corner_values(lin: nn.Linear, box) -> torch.Tensor:
    """W_i·c + b_i at every corner c of the box (m × 2^d)."""
    corners = torch.tensor(list(itertools.product(*box)), dtype=torch.float64)
    return (corners @ lin.weight.detach().T + lin.bias.detach()).T


# ---------------------------------------------------------------- sfli_

@pytest.mark.parametrize("activation", ALL_ACTIVATIONS)
@pytest.mark.parametrize("d", [1, 2, 3])
def test_sfli_shapes_and_finite_for_every_family(activation, d):
    lin = layer(d, 16)
    out = sfli_(lin, BOXES[d], activation, generator=gen())
    assert out is lin
    assert lin.weight.shape == (16, d) and lin.bias.shape == (16,)
    assert torch.isfinite(lin.weight).all() and torch.isfinite(lin.bias).all()
    assert (lin.weight.norm(dim=1) > 0).all()


@pytest.mark.parametrize("placement", ["random", "quasi"])
@pytest.mark.parametrize("activation", ["tanh", "relu", "sin", "gaussian"])
def test_sfli_determinism(activation, placement):
    d = 2
    a = sfli_(layer(d, 32), BOXES[d], activation, placement=placement, generator=gen(7))
    b = sfli_(layer(d, 32), BOXES[d], activation, placement=placement, generator=gen(7))
    c = sfli_(layer(d, 32), BOXES[d], activation, placement=placement, generator=gen(8))
    assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
    assert not torch.equal(a.weight, c.weight)


@pytest.mark.parametrize("placement", ["random", "quasi"])
@pytest.mark.parametrize("activation", HYPERPLANE_ACTIVATIONS)
@pytest.mark.parametrize("d", [1, 2, 3])
def test_transition_hyperplanes_cut_the_box(activation, placement, d):
    lin = sfli_(layer(d, 64), BOXES[d], activation, placement=placement, generator=gen(3))
    values = corner_values(lin, BOXES[d])
    assert (values.min(dim=1).values < 0).all() and (values.max(dim=1).values > 0).all()


def test_quasi_placement_in_1d_is_equispaced_with_alternating_directions():
    a, b, m = -0.5, 2.0, 10
    lin = sfli_(layer(1, m), [(a, b)], "tanh", placement="quasi")
    w, bias = lin.weight.detach()[:, 0], lin.bias.detach()
    assert torch.equal(torch.sign(w), torch.tensor([1.0, -1.0] * (m // 2), dtype=torch.float64))
    t = torch.sort(-bias / w).values
    expected = a + (b - a) * (torch.arange(m, dtype=torch.float64) + 0.5) / m
    assert torch.allclose(t, expected, atol=1e-12)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_default_gamma_formula(d):
    box = sfli.as_box(BOXES[d])
    m = 64
    side = box.volume ** (1 / d)
    assert default_gamma("tanh", m, box) == pytest.approx((m ** (1 / d) - 1) / side)
    assert default_gamma("sigmoid", m, box) == pytest.approx(2 * (m ** (1 / d) - 1) / side)
    assert default_gamma("gaussian", m, box) == pytest.approx((m ** (1 / d) - 1) / side)
    assert default_gamma("sin", m, box) == pytest.approx(math.pi * m ** (1 / d) / (2 * side))
    with pytest.raises(ValueError, match="ReLU"):
        default_gamma("relu", m, box)
    lin = sfli_(layer(d, m), box, "tanh", generator=gen())  # rows are γ·(unit direction)
    assert torch.allclose(lin.weight.norm(dim=1), torch.full((m,), default_gamma("tanh", m, box), dtype=torch.float64))
    lin = sfli_(layer(d, m), box, "tanh", gamma=3.5, generator=gen())
    assert torch.allclose(lin.weight.norm(dim=1), torch.full((m,), 3.5, dtype=torch.float64))


def test_relu_gamma_gives_pre_activations_of_mean_square_two():
    """ReLU family: γ = √(2 / E[z²]) so the pre-activations γ z have mean square 2 over neurons and x ~ U(Ω)."""
    box = BOXES[2]
    lin = sfli_(layer(2, 200), box, "relu", generator=gen(1))
    x, w = sfli.quadrature(box, 8)  # exact for the quadratic (W x + b)²
    z = x @ lin.weight.detach().T + lin.bias.detach()
    mean_sq = (w[:, None] * z**2).sum(0) / w.sum()
    assert mean_sq.mean().item() == pytest.approx(2.0, rel=1e-10)


def test_periodic_weights_are_gaussian_times_gamma():
    m = 4000
    lin = sfli_(layer(1, m), [(-1, 1)], "sin", generator=gen(2))
    a = lin.weight.detach()[:, 0] / default_gamma("sin", m, [(-1, 1)])
    assert abs(a.mean().item()) < 0.06 and a.std().item() == pytest.approx(1.0, abs=0.05)
    phase = lin.bias.detach()  # x_c = 0, so b = 2π φ with φ uniform on [0, 1)
    assert phase.min() >= 0 and phase.max() < 2 * math.pi


@pytest.mark.parametrize("bad, match", [
    (dict(activation="swish"), "unknown activation"),
    (dict(placement="grid"), "unknown placement"),
    (dict(domain=[(1.0, 1.0), (0.0, 1.0)]), "empty or inverted"),
    (dict(domain=[(1.0, 0.0), (0.0, 1.0)]), "empty or inverted"),
    (dict(domain=[(0.0, math.inf), (0.0, 1.0)]), "not finite"),
    (dict(domain=[(0.0, math.nan), (0.0, 1.0)]), "not finite"),
    (dict(domain=[]), "domain must be"),
    (dict(domain=[(0.0, 1.0)]), "dimension 1 but the layer takes 2"),
    (dict(domain=[(0.0, 1.0)] * 3), "dimension 3 but the layer takes 2"),
    (dict(gamma=0.0), "gamma"),
    (dict(gamma=-1.0), "gamma"),
    (dict(gamma=math.nan), "gamma"),
    (dict(gamma=math.inf), "gamma"),
    (dict(gamma=True), "gamma"),
])
def test_sfli_rejects_bad_input(bad, match):
    kwargs = dict(domain=[(0.0, 1.0), (0.0, 1.0)], activation="tanh", placement="random", gamma=None)
    kwargs.update(bad)
    lin = layer(2, 8)
    before = lin.weight.detach().clone()
    with pytest.raises(ValueError, match=match):
        sfli_(lin, kwargs.pop("domain"), **kwargs)
    assert torch.equal(lin.weight, before), "a failing call must leave the layer untouched"


def test_sfli_rejects_a_layer_without_bias_and_leaves_it_untouched():
    lin = layer(2, 8, bias=False)
    before = lin.weight.detach().clone()
    with pytest.raises(ValueError, match="bias"):
        sfli_(lin, [(0, 1), (0, 1)])
    assert torch.equal(lin.weight, before)


@pytest.mark.parametrize("obj", [nn.Conv1d(1, 2, 3), nn.Tanh(), torch.zeros(3, 2)])
def test_sfli_rejects_non_linear(obj):
    with pytest.raises(TypeError, match="nn.Linear"):
        sfli_(obj, [(0, 1)])


# ---------------------------------------------------------------- baselines

FAN_IN, FAN_OUT = 400, 600


def big(seed: int, method: str, **kw) -> nn.Linear:
    return BASELINES[method](layer(FAN_IN, FAN_OUT), generator=gen(seed), **kw)


@pytest.mark.parametrize("method, std, bound, zero_bias", [
    ("xavier_normal", math.sqrt(2 / (FAN_IN + FAN_OUT)), None, True),
    ("xavier_uniform", math.sqrt(2 / (FAN_IN + FAN_OUT)), math.sqrt(6 / (FAN_IN + FAN_OUT)), True),
    ("kaiming_normal", math.sqrt(2 / FAN_IN), None, True),
    ("kaiming_uniform", math.sqrt(2 / FAN_IN), math.sqrt(6 / FAN_IN), True),
    ("pytorch_default", 1 / math.sqrt(3 * FAN_IN), 1 / math.sqrt(FAN_IN), False),
])
def test_baseline_statistics(method, std, bound, zero_bias):
    lin = big(0, method)
    w = lin.weight.detach()
    assert abs(w.mean().item()) < 0.02 * std
    assert w.std().item() == pytest.approx(std, rel=0.02)
    if bound is not None:
        assert w.abs().max().item() <= bound and w.abs().max().item() > 0.99 * bound
    b = lin.bias.detach()
    if zero_bias:
        assert torch.count_nonzero(b) == 0
    else:  # PyTorch's default bias: U(−1/√fan_in, 1/√fan_in)
        assert b.abs().max().item() <= 1 / math.sqrt(FAN_IN) and b.std().item() > 0.5 / math.sqrt(3 * FAN_IN)


@pytest.mark.parametrize("gamma, m", [(2.0, None), (1.0, None), (3.0, 50)])
def test_small_gaussian_variance_is_m_to_minus_gamma(gamma, m):
    lin = big(0, "small_gaussian", gamma=gamma, m=m)
    width = m if m is not None else max(FAN_IN, FAN_OUT)
    var = width ** (-gamma)
    assert lin.weight.detach().var().item() == pytest.approx(var, rel=0.02)
    assert lin.bias.detach().var().item() == pytest.approx(var, rel=0.2)  # 600 biases only
    assert torch.count_nonzero(lin.bias) == FAN_OUT


def test_small_gaussian_rejects_non_finite_gamma():
    with pytest.raises(ValueError, match="gamma"):
        BASELINES["small_gaussian"](layer(2, 3), gamma=math.nan)


@pytest.mark.parametrize("method", list(BASELINES))
def test_baselines_are_deterministic_and_reject_non_linear(method):
    a, b, c = big(5, method), big(5, method), big(6, method)
    assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
    assert not torch.equal(a.weight, c.weight)
    with pytest.raises(TypeError, match="nn.Linear"):
        BASELINES[method](nn.Conv1d(1, 1, 1))


def test_initialize_rejects_unknown_method_and_sfli_without_domain():
    with pytest.raises(ValueError, match="unknown initialization"):
        sfli.init.initialize_(layer(1, 2), "lecun")
    with pytest.raises(ValueError, match="domain"):
        sfli.init.initialize_(layer(1, 2), "sfli")


# ---------------------------------------------------------------- apply_sfli

def same_as_sfli_(model_layer: nn.Linear, d: int, activation: str, seed: int) -> bool:
    ref = sfli_(nn.Linear(d, model_layer.out_features, dtype=model_layer.weight.dtype),
                [(-1, 1)] * d, activation, generator=gen(seed))
    return torch.equal(model_layer.weight, ref.weight) and torch.equal(model_layer.bias, ref.bias)


@pytest.mark.parametrize("module, name", [(nn.Tanh(), "tanh"), (nn.ReLU(), "relu"), (nn.GELU(), "gelu")])
def test_apply_sfli_on_sequential_infers_the_activation(module, name):
    model = nn.Sequential(nn.Linear(2, 32), module, nn.Linear(32, 32), module, nn.Linear(32, 1))
    last = model[2].weight.detach().clone()
    assert apply_sfli(model, [(-1, 1), (-1, 1)], generator=gen(4)) is model
    assert same_as_sfli_(model[0], 2, name, 4)
    assert torch.equal(model[2].weight, last), "only the first layer changes"


def test_apply_sfli_on_the_book_mlp_reads_its_activation_attribute():
    model = MLP(3, 16, 3, activation="sin", generator=gen(0))
    out_before = model.output.weight.detach().clone()
    apply_sfli(model, [(-1, 1)] * 3, generator=gen(9))
    assert same_as_sfli_(model.first, 3, "sin", 9)
    assert torch.equal(model.output.weight, out_before)


class DeepXDELike(nn.Module):
    """Like deepxde.nn.FNN (pytorch backend): layers in ``linears``, activation applied functionally."""

    def __init__(self, sizes: list[int]) -> None:
        super().__init__()
        self.activation = torch.tanh
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for lin in self.linears[:-1]:
            x = self.activation(lin(x))
        return self.linears[-1](x)


def test_apply_sfli_on_a_deepxde_like_net():
    model = DeepXDELike([2, 20, 20, 1])
    apply_sfli(model, [(-1, 1), (-1, 1)], generator=gen(1))
    assert same_as_sfli_(model.linears[0], 2, "tanh", 1)
    feats = sfli.hidden_features(model, torch.zeros(5, 2))
    assert list(feats) == ["hidden_1", "hidden_2"]


class Opaque(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(1, 8), nn.Linear(8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(torch.special.erf(self.a(x)))


def test_apply_sfli_asks_for_the_activation_when_it_cannot_infer_it():
    model = Opaque()
    with pytest.raises(ValueError, match="activation="):
        apply_sfli(model, [(-1, 1)])
    apply_sfli(model, [(-1, 1)], activation="tanh", generator=gen(2))
    assert same_as_sfli_(model.a, 1, "tanh", 2)
    with pytest.raises(ValueError, match="no nn.Linear"):
        apply_sfli(nn.Sequential(nn.Tanh()), [(-1, 1)])


# ---------------------------------------------------------------- MLP

@pytest.mark.parametrize("kwargs, match", [
    (dict(width=0), "width"), (dict(depth=0), "depth"), (dict(in_dim=2.0), "in_dim"), (dict(out_dim=-1), "out_dim"),
    (dict(activation="swish"), "unknown activation"), (dict(init="sfli"), "apply_sfli"),
    (dict(init="lecun"), "unknown initialization"),
])
def test_mlp_validation(kwargs, match):
    args = dict(in_dim=2, width=8, depth=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        MLP(**args)


def test_mlp_shapes_and_determinism():
    a, b = MLP(2, 8, 3, generator=gen(0)), MLP(2, 8, 3, generator=gen(0))
    assert len(a.hidden) == 3 and a.first is a.hidden[0]
    assert a(torch.zeros(4, 2)).shape == (4, 1)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
