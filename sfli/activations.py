"""Activation functions by name, grouped into the families SFLI distinguishes.

=========== ========================================== ======================================
family      activations                                what the first-layer scale γ controls
=========== ========================================== ======================================
sigmoidal   tanh, sigmoid                              width of the transition layer
relu        relu, leaky_relu, elu, gelu, silu, softplus output scale (and the kink's sharpness)
periodic    sin, cos                                   frequency band
radial      gaussian  σ(z) = exp(-z²)                  width of the bump
=========== ========================================== ======================================
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

Fn = Callable[[torch.Tensor], torch.Tensor]


def _gaussian(z: torch.Tensor) -> torch.Tensor:
    return torch.exp(-z * z)


ACTIVATIONS: dict[str, Fn] = {
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "leaky_relu": F.leaky_relu,
    "elu": F.elu,
    "gelu": F.gelu,
    "silu": F.silu,
    "softplus": F.softplus,
    "sin": torch.sin,
    "cos": torch.cos,
    "gaussian": _gaussian,
}

FAMILIES: dict[str, tuple[str, ...]] = {
    "sigmoidal": ("tanh", "sigmoid"),
    "relu": ("relu", "leaky_relu", "elu", "gelu", "silu", "softplus"),
    "periodic": ("sin", "cos"),
    "radial": ("gaussian",),
}

# Modules and functions third-party code uses for the same activations (for inference in apply_sfli).
_MODULE_NAMES: dict[type, str] = {
    nn.Tanh: "tanh", nn.Sigmoid: "sigmoid", nn.ReLU: "relu", nn.LeakyReLU: "leaky_relu",
    nn.ELU: "elu", nn.GELU: "gelu", nn.SiLU: "silu", nn.Softplus: "softplus",
}
_FUNCTION_NAMES: dict[object, str] = {fn: name for name, fn in ACTIVATIONS.items()}
_FUNCTION_NAMES.update({F.relu: "relu", F.tanh: "tanh", F.sigmoid: "sigmoid"})


def check_activation(name: str) -> str:
    """Return ``name`` if it is a known activation, else raise a ValueError listing the valid ones."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; valid: {', '.join(ACTIVATIONS)}")
    return name


def family(name: str) -> str:
    """The SFLI family (sigmoidal, relu, periodic, radial) of a named activation."""
    check_activation(name)
    return next(fam for fam, members in FAMILIES.items() if name in members)


def activation_name(obj: object) -> str | None:
    """Name of an activation given as a string, an ``nn.Module`` or a function; None if unknown."""
    if isinstance(obj, str):
        return obj if obj in ACTIVATIONS else None
    if isinstance(obj, Activation):
        return obj.name
    if isinstance(obj, nn.Module):
        return _MODULE_NAMES.get(type(obj))
    try:
        return _FUNCTION_NAMES.get(obj)
    except TypeError:  # unhashable callables
        return None


class Activation(nn.Module):
    """An activation looked up by name, e.g. ``Activation("sin")``."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = check_activation(name)
        self.fn = ACTIVATIONS[name]

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.fn(z)

    def extra_repr(self) -> str:
        return self.name
