r"""What every solver problem of :mod:`sfli.solvers` shares: the unit cube [0, 1]^d (or any box), Monte Carlo
points in it and on its boundary, the manufactured exact solution, and a module that stacks several nets'
outputs (for the two-net variants).

A problem is what :func:`sfli.train.fit` trains: ``box``, ``exact(x)`` (N×1), ``points(generator, dtype)`` and
``loss(model, points, engine)``; ``out_dim`` says how many outputs its net has (the names in ``outputs``), and
``quantities(model, x)`` / ``reference(x)`` give the net's and the exact u, ∇u, Δu and auxiliary fields under the
same names, for :func:`sfli.solvers.metrics.relative_errors`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import torch
from torch import nn

from ..derivatives import derivatives, module_jet
from ..domain import Box, as_box
from .solutions import Solution, make_solution


def box_interior(box: Box, n: int, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """n points uniform in the box (n×d)."""
    lo, hi = torch.tensor(box.lower, dtype=dtype), torch.tensor(box.upper, dtype=dtype)
    return lo + (hi - lo) * torch.rand(n, box.dim, generator=generator, dtype=dtype)


def box_boundary(box: Box, n: int, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """n points uniform on the boundary of the box (n×d): the 2d faces get shares of the points proportional
    to their areas (stratified: point j goes to the face holding the quantile (j + ½)/n of the area), and
    uniform points on its face."""
    x = box_interior(box, n, generator, dtype)
    areas = torch.tensor([box.volume / (b - a) for a, b in zip(box.lower, box.upper) for _ in (0, 1)],
                         dtype=torch.float64)  # faces (axis k, lower), (axis k, upper), …
    edges = torch.cumsum(areas, 0) / areas.sum()
    face = torch.searchsorted(edges, (torch.arange(n, dtype=torch.float64) + 0.5) / n)
    axis, upper = face // 2, face % 2
    lo, hi = torch.tensor(box.lower, dtype=dtype), torch.tensor(box.upper, dtype=dtype)
    x[torch.arange(n), axis] = torch.where(upper == 1, hi[axis], lo[axis])
    return x


def boundary_area(box: Box) -> float:
    """|∂Ω|, the total area of the box's 2d faces."""
    return 2 * sum(box.volume / (b - a) for a, b in zip(box.lower, box.upper))


def check_positive_int(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def check_weight(name: str, value: object) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a non-negative number, got {value!r}")


class Concat(nn.Module):
    """x ↦ (net₁(x), net₂(x), …) stacked along the outputs — e.g. MIM's two-net variant (u-net, p-net).

    Has a ``forward_jet``, so the forward engines take it when every net is supported."""

    def __init__(self, *nets: nn.Module) -> None:
        super().__init__()
        if len(nets) < 1:
            raise ValueError("Concat needs at least one net")
        self.nets = nn.ModuleList(nets)

    @property
    def first(self) -> nn.Linear:
        """The first net's input-facing layer (where SFLI acts; apply it to the others' ``first`` as well)."""
        return self.nets[0].first

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([net(x) for net in self.nets], dim=1)

    def forward_jet(self, jet):
        return type(jet).cat([module_jet(net, jet) for net in self.nets])


class ExactNet(nn.Module):
    """The exact solution as a "net" in a problem's output layout (``problem.exact_outputs``): u and its
    auxiliary fields (∇u, Δu, …) — every residual of the problem vanishes on it. For tests and sanity checks."""

    def __init__(self, problem) -> None:
        super().__init__()
        self.problem = problem

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.problem.exact_outputs(x)


@dataclass
class BoxProblem:
    """A PDE on ``domain`` (the unit cube [0, 1]^dim by default) with the exact solution ``solution`` (a
    :class:`~sfli.solvers.solutions.Solution`, or a name of :data:`~sfli.solvers.solutions.SOLUTIONS` built in
    ``dim`` dimensions), ``n_interior`` + ``n_boundary`` Monte Carlo points and a boundary penalty weight."""

    dim: int = 2
    solution: Solution | str = "plane_waves"
    n_interior: int = 1024
    n_boundary: int = 256
    boundary_weight: float = 10.0
    domain: object = None
    name: str = "box_problem"
    box: Box = field(init=False)
    outputs: tuple[str, ...] = field(init=False, default=("u",))

    def __post_init__(self) -> None:
        check_positive_int("dim", self.dim)
        check_positive_int("n_interior", self.n_interior)
        check_positive_int("n_boundary", self.n_boundary)
        check_weight("boundary_weight", self.boundary_weight)
        self.box = as_box(self.domain if self.domain is not None else [(0.0, 1.0)] * self.dim, dim=self.dim)
        if isinstance(self.solution, str):
            self.solution = make_solution(self.solution, self.dim)
        if getattr(self.solution, "dim", None) != self.dim:
            raise ValueError(f"the exact solution is for dimension {getattr(self.solution, 'dim', None)}, "
                             f"the problem for {self.dim}")

    @property
    def out_dim(self) -> int:
        """How many outputs the net must have."""
        return len(self.outputs)

    def columns(self, name: str) -> list[int]:
        """The output columns of the named unknown (``"u"``, ``"p"``, …)."""
        return [k for k, o in enumerate(self.outputs) if o == name or o.startswith(name + "_")]

    def check_model_output(self, u: torch.Tensor) -> None:
        if u.shape[1] != self.out_dim:
            raise ValueError(f"{self.name} needs a net with {self.out_dim} outputs {self.outputs}, "
                             f"got {u.shape[1]}")

    def exact(self, x: torch.Tensor) -> torch.Tensor:
        return self.solution.value(x)

    def exact_outputs(self, x: torch.Tensor) -> torch.Tensor:
        """What a perfect net outputs at ``x`` (N×out_dim), in the order of ``outputs``."""
        return self.solution.value(x)

    def data(self, interior: torch.Tensor, boundary: torch.Tensor) -> dict[str, torch.Tensor]:
        """The PDE's data at the points: the source ``f`` and boundary data (by default f = −Δu*, g = u*)."""
        return {"f": -self.solution.laplacian(interior), "g": self.solution.value(boundary)}

    def points(self, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
        interior = box_interior(self.box, self.n_interior, generator, dtype)
        boundary = box_boundary(self.box, self.n_boundary, generator, dtype)
        return {"interior": interior, "boundary": boundary, **self.data(interior, boundary)}

    # error metrics: the net's fields and the exact ones under the same names
    def quantities(self, model: nn.Module, x: torch.Tensor, engine: str = "auto") -> dict[str, torch.Tensor]:
        """u, ∇u and Δu of the net's u output (its own derivatives) at ``x``."""
        D = derivatives(model, x, engine)
        u = self.columns("u")[0]
        return {"u": D.u[:, u:u + 1], "grad_u": D.du[:, :, u], "lap_u": D.laplacian()[:, u:u + 1]}

    def reference(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        s = self.solution
        return {"u": s.value(x), "grad_u": s.gradient(x), "lap_u": s.laplacian(x)}


def mean_square(r: torch.Tensor) -> torch.Tensor:
    """mean over points of |r|² (the sum over components of a vector residual)."""
    return r.pow(2).sum(dim=1).mean()


def output_names(*groups: Sequence[str] | str) -> tuple[str, ...]:
    """Flattened output names, e.g. ``output_names("u", ("p_1", "p_2"))``."""
    return tuple(n for g in groups for n in ((g,) if isinstance(g, str) else g))
