r"""Derivatives of a network's output with respect to its inputs, as PDE residuals need them.

Two engines compute the same :class:`Derivatives` (u, ∂u/∂x_i, ∂²u/∂x_i²):

* ``"autograd"`` — nested reverse mode (``torch.autograd.grad`` with ``create_graph=True``), the reference;
  works for ANY module but cannot be compiled (double backward).
* ``"forward"`` — one forward pass of second-order jets (:mod:`sfli.jet`) through the net; only first-order
  autograd remains (for the parameter gradient). It supports the book's nets (each has a ``forward_jet``),
  ``nn.Sequential`` stacks of ``nn.Linear`` and activation modules, and any module with a ``forward_jet(jet)``.

``"auto"`` (:func:`resolve_engine`) takes the forward engine where it is supported, else autograd.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn

from .activations import ACTIVATIONS, Activation, activation_name
from .jet import Jet

ENGINES = ("autograd", "forward")

# torch activation modules the forward engine takes, with the settings its closed forms assume
_MODULE_DEFAULTS: dict[type, dict[str, object]] = {
    nn.Tanh: {}, nn.Sigmoid: {}, nn.ReLU: {}, nn.SiLU: {},
    nn.LeakyReLU: {"negative_slope": 0.01}, nn.ELU: {"alpha": 1.0}, nn.GELU: {"approximate": "none"},
    nn.Softplus: {"beta": 1.0, "threshold": 20.0},
}


@dataclass
class Derivatives:
    r"""u (N×out), first derivatives du[:, i] = ∂u/∂x_i and pure second derivatives d2u[:, i] = ∂²u/∂x_i²
    (both N×d×out) at N points in d dimensions. Mixed derivatives ∂²u/∂x_i∂x_j (i ≠ j) are not carried.
    ``d2u`` is None when only first derivatives were computed (:func:`sfli.first_order.first_derivatives`)."""

    u: torch.Tensor
    du: torch.Tensor
    d2u: torch.Tensor | None = None

    @property
    def dim(self) -> int:
        return self.du.shape[1]

    def _axis(self, i: int) -> int:
        if not isinstance(i, int) or not -self.dim <= i < self.dim:
            raise IndexError(f"input axis {i!r} out of range for {self.dim} input dimensions")
        return i

    def d(self, i: int) -> torch.Tensor:
        """∂u/∂x_i (N×out)."""
        return self.du[:, self._axis(i)]

    def divergence(self, columns: Sequence[int]) -> torch.Tensor:
        """div p = Σ_i ∂p_i/∂x_i (N×1) of the vector field p = u[:, columns] (one column per input dimension)."""
        columns = list(columns)
        if len(columns) != self.dim:
            raise ValueError(f"a divergence needs {self.dim} output columns (one per input dimension), "
                             f"got {len(columns)}")
        return sum(self.du[:, i, c] for i, c in enumerate(columns))[:, None]

    def _second(self) -> torch.Tensor:
        if self.d2u is None:
            raise ValueError("these derivatives were computed to first order only (d2u is None); "
                             "use sfli.derivatives.derivatives for second derivatives")
        return self.d2u

    def dd(self, i: int) -> torch.Tensor:
        """∂²u/∂x_i² (N×out)."""
        return self._second()[:, self._axis(i)]

    def laplacian(self, dims: Sequence[int] | None = None) -> torch.Tensor:
        """Δu = Σ_{i ∈ dims} ∂²u/∂x_i² (N×out); all input dimensions by default."""
        self._second()
        if dims is None:
            return self.d2u.sum(dim=1)
        return self.d2u[:, [self._axis(i) for i in dims]].sum(dim=1)

    @classmethod
    def from_jet(cls, jet: Jet) -> "Derivatives":
        return cls(jet.value, jet.first.permute(1, 0, 2), jet.second.permute(1, 0, 2))


# ---------------------------------------------------------------- which modules the forward engine takes

def _defines(cls: type, name: str) -> int | None:
    """Position in the MRO of the class that defines ``name``, None if none does."""
    return next((k for k, c in enumerate(cls.__mro__) if name in c.__dict__), None)


def _unsupported(module: nn.Module) -> str | None:
    """Why the forward engine cannot run ``module``; None if it can."""
    cls = type(module)
    jet_at = _defines(cls, "forward_jet")
    if jet_at is not None:
        if jet_at > _defines(cls, "forward"):
            return (f"{cls.__name__}, whose forward overrides that of its base class but whose forward_jet "
                    "does not (write a matching forward_jet)")
        return None
    if cls is nn.Linear or cls is nn.Identity or cls is Activation:
        return None
    if cls is nn.Sequential:
        return next((why for m in module if (why := _unsupported(m)) is not None), None)
    if cls in _MODULE_DEFAULTS:
        off = {k: getattr(module, k) for k, v in _MODULE_DEFAULTS[cls].items() if getattr(module, k) != v}
        if off:
            return f"{cls.__name__} with {off} (only the torch defaults {_MODULE_DEFAULTS[cls]} are supported)"
        return None
    return f"module {cls.__name__}"


def supports_forward(model: nn.Module) -> bool:
    """Whether the forward engine can differentiate ``model``."""
    return isinstance(model, nn.Module) and _unsupported(model) is None


def _check_forward(model: nn.Module) -> None:
    why = _unsupported(model) if isinstance(model, nn.Module) else f"{type(model).__name__} (not an nn.Module)"
    if why is not None:
        raise TypeError(
            f"the forward engine does not support {why}. It supports the book's nets (MLP, ResMLP, ModifiedMLP, "
            "PirateNet), nn.Sequential stacks of nn.Linear, nn.Identity and activation modules (sfli Activation, "
            f"{', '.join(c.__name__ for c in _MODULE_DEFAULTS)}), and modules with a forward_jet(jet) method; "
            "use engine='autograd' for any other module")


def module_jet(module: nn.Module, jet: Jet) -> Jet:
    """Push ``jet`` through ``module`` (one of the supported kinds, see :func:`supports_forward`)."""
    forward_jet = getattr(module, "forward_jet", None)
    if forward_jet is not None:
        return forward_jet(jet)
    if isinstance(module, nn.Sequential):
        for m in module:
            jet = module_jet(m, jet)
        return jet
    if isinstance(module, nn.Identity):
        return jet
    if isinstance(module, nn.Linear):
        return jet.affine(module.weight, module.bias)
    name = activation_name(module)
    if name is None or name not in ACTIVATIONS:
        _check_forward(module)
    return jet.activate(name)


# ---------------------------------------------------------------- engines

def resolve_engine(model: nn.Module, engine: str) -> str:
    """The engine to use: ``"auto"`` → ``"forward"`` if :func:`supports_forward` else ``"autograd"``;
    ``"forward"`` on a model it does not support raises a TypeError saying why."""
    if engine == "auto":
        return "forward" if supports_forward(model) else "autograd"
    if not isinstance(engine, str) or engine not in ENGINES:
        raise ValueError(f"unknown derivative engine {engine!r}; valid: auto, {', '.join(ENGINES)}")
    if engine == "forward":
        _check_forward(model)
    return engine


def _check_points(x: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor) or x.dim() != 2:
        raise ValueError(f"points must be an N×d tensor, got {getattr(x, 'shape', type(x).__name__)}")


def forward_derivatives(model: nn.Module, x: torch.Tensor) -> Derivatives:
    """u, ∂u/∂x_i, ∂²u/∂x_i² by one forward pass of jets (:class:`sfli.jet.Jet`) through ``model``."""
    _check_points(x)
    _check_forward(model)
    out = module_jet(model, Jet.variable(x))
    return Derivatives.from_jet(out)


def _grad(y: torch.Tensor, x: torch.Tensor, create_graph: bool) -> torch.Tensor:
    """∂y/∂x, zero where y does not depend on x (e.g. the second derivative of a ReLU net)."""
    if not y.requires_grad:
        return torch.zeros_like(x)
    (g,) = torch.autograd.grad(y, x, retain_graph=True, create_graph=create_graph, allow_unused=True,
                               materialize_grads=True)
    return g


def autograd_derivatives(model: nn.Module, x: torch.Tensor, create_graph: bool = True) -> Derivatives:
    """u, ∂u/∂x_i, ∂²u/∂x_i² by nested reverse-mode autograd — the reference, for ANY module.

    One backward pass per output for ∇u and one per (output, input dimension) for ∂²u/∂x_i². With
    ``create_graph`` the results are differentiable (for the parameter gradient of a residual loss);
    without it they are detached.
    """
    _check_points(x)
    x = x.detach().requires_grad_(True)
    u = model(x)
    if u.dim() != 2:
        raise ValueError(f"the model must return an N×out matrix, got shape {tuple(u.shape)}")
    du, d2u = [], []
    for k in range(u.shape[1]):
        g = _grad(u[:, k].sum(), x, create_graph=True)
        du.append(g)
        d2u.append(torch.stack([_grad(g[:, i].sum(), x, create_graph)[:, i] for i in range(x.shape[1])], dim=1))
    D = Derivatives(u, torch.stack(du, dim=2), torch.stack(d2u, dim=2))
    if not create_graph:
        D = Derivatives(D.u.detach(), D.du.detach(), D.d2u.detach())
    return D


def field_derivatives(y: torch.Tensor, x: torch.Tensor, create_graph: bool = True) -> Derivatives:
    """u = y, ∂y/∂x_i and ∂²y/∂x_i² of a tensor ``y`` (N×out) ALREADY COMPUTED from the points ``x`` (N×d,
    with ``requires_grad``), by nested reverse-mode autograd — to differentiate a derived quantity further,
    e.g. Δ(Δu) for a fourth-order residual: ``field_derivatives(derivatives(model, x).laplacian(), x)``."""
    _check_points(x)
    if not x.requires_grad:
        raise ValueError("x must require grad and y must be computed from it (x.requires_grad_(True) first)")
    if y.dim() != 2 or y.shape[0] != x.shape[0]:
        raise ValueError(f"y must be an N×out matrix at the {x.shape[0]} points, got shape {tuple(y.shape)}")
    du, d2u = [], []
    for k in range(y.shape[1]):
        g = _grad(y[:, k].sum(), x, create_graph=True)
        du.append(g)
        d2u.append(torch.stack([_grad(g[:, i].sum(), x, create_graph)[:, i] for i in range(x.shape[1])], dim=1))
    return Derivatives(y, torch.stack(du, dim=2), torch.stack(d2u, dim=2))


def derivatives(model: nn.Module, x: torch.Tensor, engine: str = "forward") -> Derivatives:
    """u, ∂u/∂x_i and ∂²u/∂x_i² of ``model`` at the points ``x`` (N×d) with the named engine
    (``"forward"``, ``"autograd"`` or ``"auto"``); differentiable with respect to the parameters."""
    engine = resolve_engine(model, engine)
    if engine == "forward":
        return forward_derivatives(model, x)
    return autograd_derivatives(model, x)
