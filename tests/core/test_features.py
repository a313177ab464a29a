"""Hidden-layer features (sfli.hidden_features) of the book's MLP, nn.Sequential stacks and a DeepXDE-style net."""
from __future__ import annotations

from itertools import pairwise

import pytest
import torch
from torch import nn

import sfli
from sfli import hidden_features
from sfli.nets import MLP


class FNN(nn.Module):
    """DeepXDE's torch ``FNN`` in miniature: a ModuleList ``linears`` and a functional ``activation``."""

    def __init__(self, layer_sizes: list[int], activation=torch.tanh, input_transform=None) -> None:
        super().__init__()
        self.activation = activation
        self._input_transform = input_transform
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in pairwise(layer_sizes))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        x = inputs
        if self._input_transform is not None:
            x = self._input_transform(x)
        for linear in self.linears[:-1]:
            x = self.activation(linear(x))
        return self.linears[-1](x)


def points(n: int = 50, d: int = 2) -> torch.Tensor:
    return torch.rand(n, d, generator=torch.Generator().manual_seed(0)) * 2 - 1


def test_mlp_features_match_manual_forward():
    torch.manual_seed(0)
    model = MLP(2, 16, 3, activation="sin")
    x = points()
    feats = hidden_features(model, x)
    assert list(feats) == ["hidden_1", "hidden_2", "hidden_3"]
    z = x
    for k, layer in enumerate(model.hidden, start=1):
        z = torch.sin(layer(z))
        torch.testing.assert_close(feats[f"hidden_{k}"], z.detach())
        assert feats[f"hidden_{k}"].shape == (50, 16)


def test_sequential_features_match_manual_forward():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 5), nn.ReLU(), nn.Linear(5, 1))
    x = points()
    feats = hidden_features(model, x)
    assert list(feats) == ["hidden_1", "hidden_2"]
    h1 = torch.tanh(model[0](x))
    torch.testing.assert_close(feats["hidden_1"], h1.detach())
    torch.testing.assert_close(feats["hidden_2"], torch.relu(model[2](h1)).detach())


def test_functional_activation_net_like_deepxde():
    torch.manual_seed(2)
    model = FNN([2, 12, 12, 12, 1])
    x = points()
    feats = hidden_features(model, x)
    assert list(feats) == ["hidden_1", "hidden_2", "hidden_3"]
    z = x
    for k, linear in enumerate(model.linears[:-1], start=1):
        z = torch.tanh(linear(z))
        torch.testing.assert_close(feats[f"hidden_{k}"], z.detach())
    x_grid, w = sfli.quadrature([(-1, 1), (-1, 1)], 16)
    rank = sfli.eps_rank(hidden_features(model.double(), x_grid)["hidden_1"], w)
    assert 1 <= rank <= 12


def test_input_transform_is_not_a_hidden_layer():
    model = FNN([2, 12, 12, 1], input_transform=lambda x: 2 * x - 1)
    feats = hidden_features(model, points())
    assert list(feats) == ["hidden_1", "hidden_2"]


def test_state_untouched_and_features_detached():
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(2, 6), nn.Tanh(), nn.Dropout(0.5), nn.Linear(6, 1))
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = points().requires_grad_(True)
    feats = hidden_features(model, x)
    assert model.training
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert not feats["hidden_1"].requires_grad
    assert all(not m._forward_pre_hooks and not m._forward_hooks for m in model.modules())  # hooks removed


def test_hooks_removed_when_forward_fails():
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    with pytest.raises(RuntimeError):
        hidden_features(model, torch.ones(5, 3))  # wrong input width
    assert all(not m._forward_pre_hooks and not m._forward_hooks for m in model.modules())


def test_shared_layer_reported_once():
    class Shared(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inp, self.mid, self.out = nn.Linear(2, 4), nn.Linear(4, 4), nn.Linear(4, 1)

        def forward(self, x):
            h = torch.tanh(self.inp(x))
            h = torch.tanh(self.mid(h))
            h = torch.tanh(self.mid(h))  # the same layer again
            return self.out(h)

    torch.manual_seed(4)
    model, x = Shared(), points()
    feats = hidden_features(model, x)
    assert list(feats) == ["hidden_1", "hidden_2"]  # the inputs of mid's first call and of out
    h1 = torch.tanh(model.inp(x))
    torch.testing.assert_close(feats["hidden_1"], h1.detach())
    torch.testing.assert_close(feats["hidden_2"], torch.tanh(model.mid(torch.tanh(model.mid(h1)))).detach())


def test_batched_inputs_flattened():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    feats = hidden_features(model, torch.zeros(4, 5, 2))
    assert feats["hidden_1"].shape == (20, 3)


def test_bad_models_raise():
    with pytest.raises(TypeError, match="nn.Module"):
        hidden_features(lambda x: x, points())
    with pytest.raises(ValueError, match="no nn.Linear"):
        hidden_features(nn.Sequential(nn.Tanh()), points())


class Gated(nn.Module):
    """Two input-facing encoders and a first layer all read x (as in the modified MLP)."""

    def __init__(self) -> None:
        super().__init__()
        self.u, self.v, self.first, self.out = nn.Linear(2, 5), nn.Linear(2, 5), nn.Linear(2, 5), nn.Linear(5, 1)

    def forward(self, x):
        u, v, h = torch.tanh(self.u(x)), torch.tanh(self.v(x)), torch.tanh(self.first(x))
        return self.out(h * u + (1 - h) * v)


def test_several_input_facing_layers_give_one_hidden_layer():
    model = Gated()
    x = points()
    feats = hidden_features(model, x)
    assert list(feats) == ["hidden_1"]
    with torch.no_grad():
        u, v, h = torch.tanh(model.u(x)), torch.tanh(model.v(x)), torch.tanh(model.first(x))
    torch.testing.assert_close(feats["hidden_1"], h * u + (1 - h) * v)
