r"""Exact solutions in any dimension d, with u, ∇u, Δu, ∇Δu and Δ²u in closed form [ours].

The Poisson and biharmonic problems of :mod:`sfli.solvers` manufacture their data from one of these
(f = −Δu* or f = Δ²u*, boundary data from u* and Δu*), and the error metrics compare a network's u, ∇u, Δu and
auxiliary outputs with them. Both families have non-zero mixed derivatives and are not eigenfunctions of Δ, so
no low-order identity (such as Δu = −c u) can stand in for the high derivatives.

* :class:`PlaneWaves` — u = Σ_m a_m sin(π k_m s_m·x + φ_m) with unit directions s_m.
* :class:`Gaussian` — u = exp(−|x − c|²/w²).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

import torch


class Solution(Protocol):
    """What a problem needs of its exact solution; every method maps x (N×d) to N×1 or N×d."""

    dim: int

    def value(self, x: torch.Tensor) -> torch.Tensor: ...

    def gradient(self, x: torch.Tensor) -> torch.Tensor: ...

    def laplacian(self, x: torch.Tensor) -> torch.Tensor: ...

    def grad_laplacian(self, x: torch.Tensor) -> torch.Tensor: ...

    def bilaplacian(self, x: torch.Tensor) -> torch.Tensor: ...


def _check_dim(dim: object) -> None:
    if not isinstance(dim, int) or isinstance(dim, bool) or dim < 1:
        raise ValueError(f"dim must be a positive integer, got {dim!r}")


def _check_x(x: torch.Tensor, dim: int) -> None:
    if x.dim() != 2 or x.shape[1] != dim:
        raise ValueError(f"points must be N×{dim}, got shape {tuple(x.shape)}")


@dataclass
class PlaneWaves:
    r"""u(x) = Σ_m a_m sin(ω_m·x + φ_m), ω_m = π k_m s_m, with s_m = (1, 1, …, 1)/√d for even m and
    (1, −1, 1, …)/√d for odd m (m = 0, 1, …) [ours].

    ∇u = Σ a_m ω_m cos(θ_m), Δu = −Σ a_m |ω_m|² sin(θ_m), ∇Δu = −Σ a_m |ω_m|² ω_m cos(θ_m),
    Δ²u = Σ a_m |ω_m|⁴ sin(θ_m), θ_m = ω_m·x + φ_m, |ω_m| = π k_m. Defaults: k = (1, 2), a_m = 1/k_m² (every
    wave contributes π² to the scale of Δu), φ_m = π/4 (so the boundary data are not zero).
    """

    dim: int
    frequencies: tuple[float, ...] = (1.0, 2.0)
    amplitudes: tuple[float, ...] | None = None
    phases: tuple[float, ...] | None = None
    omegas: torch.Tensor = field(init=False, repr=False)

    def __post_init__(self) -> None:
        _check_dim(self.dim)
        ks = tuple(self.frequencies)
        if not ks or any(not (isinstance(k, (int, float)) and math.isfinite(k) and k > 0) for k in ks):
            raise ValueError(f"frequencies must be positive numbers, got {self.frequencies!r}")
        for name in ("amplitudes", "phases"):
            given = getattr(self, name)
            if given is not None and len(given) != len(ks):
                raise ValueError(f"{len(given)} {name} for {len(ks)} frequencies; give one per frequency")
        self.amplitudes = tuple(self.amplitudes) if self.amplitudes is not None else tuple(1 / k**2 for k in ks)
        self.phases = tuple(self.phases) if self.phases is not None else tuple(math.pi / 4 for _ in ks)
        signs = torch.tensor([[(-1.0) ** (m * i) for i in range(self.dim)] for m in range(len(ks))],
                             dtype=torch.float64)
        self.omegas = math.pi * torch.tensor(ks, dtype=torch.float64)[:, None] * signs / math.sqrt(self.dim)

    def _theta(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        _check_x(x, self.dim)
        w = self.omegas.to(dtype=x.dtype, device=x.device)  # M×d
        a = torch.tensor(self.amplitudes, dtype=x.dtype, device=x.device)
        theta = x @ w.t() + torch.tensor(self.phases, dtype=x.dtype, device=x.device)  # N×M
        return theta, w, a

    def value(self, x: torch.Tensor) -> torch.Tensor:
        theta, _, a = self._theta(x)
        return (a * torch.sin(theta)).sum(1, keepdim=True)

    def gradient(self, x: torch.Tensor) -> torch.Tensor:
        theta, w, a = self._theta(x)
        return (a * torch.cos(theta)) @ w

    def laplacian(self, x: torch.Tensor) -> torch.Tensor:
        theta, w, a = self._theta(x)
        return -(a * w.pow(2).sum(1) * torch.sin(theta)).sum(1, keepdim=True)

    def grad_laplacian(self, x: torch.Tensor) -> torch.Tensor:
        theta, w, a = self._theta(x)
        return -(a * w.pow(2).sum(1) * torch.cos(theta)) @ w

    def bilaplacian(self, x: torch.Tensor) -> torch.Tensor:
        theta, w, a = self._theta(x)
        return (a * w.pow(2).sum(1) ** 2 * torch.sin(theta)).sum(1, keepdim=True)


@dataclass
class Gaussian:
    r"""u(x) = exp(−q), q = |x − c|²/w², centre c = (c₀, …, c₀) [ours].

    With r = x − c: ∇u = −2r u/w², Δu = (4q − 2d) u/w², ∇Δu = 2r (4 + 2d − 4q) u/w⁴,
    Δ²u = ((4q − 2d)² − 32q + 8d) u/w⁴.
    """

    dim: int
    center: float = 0.5
    width: float = 0.8

    def __post_init__(self) -> None:
        _check_dim(self.dim)
        if not (isinstance(self.width, (int, float)) and math.isfinite(self.width) and self.width > 0):
            raise ValueError(f"width must be a positive number, got {self.width!r}")
        if not (isinstance(self.center, (int, float)) and math.isfinite(self.center)):
            raise ValueError(f"center must be a finite number, got {self.center!r}")

    def _parts(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        _check_x(x, self.dim)
        r = x - self.center
        q = r.pow(2).sum(1, keepdim=True) / self.width**2
        return r, q, torch.exp(-q)

    def value(self, x: torch.Tensor) -> torch.Tensor:
        return self._parts(x)[2]

    def gradient(self, x: torch.Tensor) -> torch.Tensor:
        r, _, u = self._parts(x)
        return -2 * r * u / self.width**2

    def laplacian(self, x: torch.Tensor) -> torch.Tensor:
        _, q, u = self._parts(x)
        return (4 * q - 2 * self.dim) * u / self.width**2

    def grad_laplacian(self, x: torch.Tensor) -> torch.Tensor:
        r, q, u = self._parts(x)
        return 2 * r * (4 + 2 * self.dim - 4 * q) * u / self.width**4

    def bilaplacian(self, x: torch.Tensor) -> torch.Tensor:
        _, q, u = self._parts(x)
        return ((4 * q - 2 * self.dim) ** 2 - 32 * q + 8 * self.dim) * u / self.width**4


SOLUTIONS = {"plane_waves": PlaneWaves, "gaussian": Gaussian}


def make_solution(name: str, dim: int, **options: object) -> Solution:
    """The exact solution ``name`` (a key of :data:`SOLUTIONS`) in ``dim`` dimensions."""
    if name not in SOLUTIONS:
        raise ValueError(f"unknown exact solution {name!r}; valid: {', '.join(SOLUTIONS)}")
    return SOLUTIONS[name](dim, **options)
