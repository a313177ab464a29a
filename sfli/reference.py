r"""Reference solutions of the 1-D time-dependent PDE benchmarks (:mod:`sfli.pdes`), computed on demand.

* :func:`etdrk4` — u_t = L u + N(u) on the periodic interval [−1, 1): Fourier in x (N points
  x_j = −1 + 2j/N, wavenumbers k = π n), ETDRK4 in time (Cox & Matthews 2002) with the φ-function coefficients
  evaluated by contour integrals over M points of the unit circle around each dt·L (Kassam & Trefethen 2005),
  so they are accurate where dt·L is small (no cancellation). Fourth order in dt, spectral in N.
* :func:`allen_cahn_reference` — u_t = ν u_xx + 5u − 5u³, u₀ = x² cos(πx) (jaxpi's benchmark): L = −ν k²,
  N(u) = 5u − 5u³. Cached in memory per parameters (:func:`functools.lru_cache`); nothing runs at import.
  Note: u₀ is continuous but not smooth on the periodic interval (u₀′(±1) = ∓2, a corner at x = ±1, rounded by
  diffusion over √(νt)), so the convergence in the modes is algebraic early on and spectral once it is rounded.
* :func:`burgers_spectral` — u_t + u u_x = ν u_xx, u₀ = −sin(πx): L = −ν k², N̂ = −(i k / 2) FFT(u²). The odd,
  2-periodic solution has u(±1, t) = 0, so the periodic solver also solves the Dirichlet problem.
* :func:`burgers_cole_hopf` — the same Burgers solution from the Cole–Hopf transform, evaluated pointwise:
  u(x, t) = −∫ sin(π(x − s z)) F(x − s z) e^{−z²} dz / ∫ F(x − s z) e^{−z²} dz, s = √(4νt),
  F(y) = exp(−cos(πy) / (2πν)), by Gauss–Hermite quadrature with n nodes (log-sum-exp scaled; exact at t = 0).

:class:`ReferenceSolution` holds a solution on its grid and interpolates it: trigonometric (exact for the
Fourier solution) in x, cubic Lagrange in t on the uniform grid of saved times.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

BURGERS_NU = 0.01 / math.pi
"""ν of the classic viscous Burgers benchmark (Raissi et al. 2019; Basdevant et al. 1986)."""


def _positive(name: str, value: object, integer: bool = False) -> None:
    ok = (isinstance(value, int) and not isinstance(value, bool)) if integer else (
        isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value))
    if not ok or value <= 0:
        raise ValueError(f"{name} must be a positive {'integer' if integer else 'number'}, got {value!r}")


@dataclass(frozen=True)
class ReferenceSolution:
    """u[i, j] = u(x_j, t_i) on the periodic grid x_j = −1 + 2j/N and uniform times t_i = i T/(M − 1);
    ``dt`` is the solver's time step. Call it as ``ref(x, t)`` (arrays of the same shape) to interpolate."""

    x: np.ndarray
    t: np.ndarray
    u: np.ndarray
    dt: float

    def coefficients(self) -> np.ndarray:
        """rfft(u) / N per saved time (M × (N/2 + 1)), the trigonometric interpolant's coefficients."""
        c = np.fft.rfft(self.u, axis=1) / self.u.shape[1]
        c[:, 1:(self.u.shape[1] + 1) // 2] *= 2  # both ±k; the mean and the Nyquist mode (N even) once
        return c

    def __call__(self, x: np.ndarray, t: np.ndarray, chunk: int = 4096) -> np.ndarray:
        x, t = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(t, dtype=np.float64))
        shape, x, t = x.shape, x.ravel(), t.ravel()
        T, M = float(self.t[-1]), len(self.t)
        if t.size and (t.min() < -1e-12 or t.max() > T * (1 + 1e-12)):
            raise ValueError(f"t must lie in [0, {T:g}] (the reference's time window), got [{t.min():g}, {t.max():g}]")
        c, n = self.coefficients(), np.arange(self.u.shape[1] // 2 + 1)
        h = T / (M - 1)
        i0 = np.clip(np.floor(t / h).astype(int) - 1, 0, max(M - 4, 0))
        q = min(M, 4)
        nodes = i0[:, None] + np.arange(q)[None, :]  # cubic Lagrange on 4 neighbouring saved times
        tau = t[:, None] / h - nodes  # ℓ_a(τ) = Π_{b≠a} (τ − τ_b) / (a − b)
        w = np.ones_like(tau)
        for a in range(q):
            for b in range(q):
                if a != b:
                    w[:, a] *= tau[:, b] / (a - b)
        out = np.empty_like(x)
        for s in range(0, x.size, chunk):
            sl = slice(s, s + chunk)
            cp = np.einsum("pq,pqk->pk", w[sl], c[nodes[sl]])
            out[sl] = np.real(np.sum(cp * np.exp(1j * math.pi * np.outer(x[sl] + 1.0, n)), axis=1))
        return out.reshape(shape)


def etdrk4_coefficients(lin: np.ndarray, dt: float, contour_points: int = 32):
    """E = e^{dt L}, E₂ = e^{dt L/2}, Q, f₁, f₂, f₃ of ETDRK4 for a diagonal real L (Kassam & Trefethen 2005,
    eq. 2.5 and their contour-integral evaluation on ``contour_points`` points of a unit circle)."""
    r = np.exp(1j * math.pi * (np.arange(1, contour_points + 1) - 0.5) / contour_points)
    lr = dt * lin[:, None] + r[None, :]
    q = dt * np.real(np.mean((np.exp(lr / 2) - 1) / lr, axis=1))
    f1 = dt * np.real(np.mean((-4 - lr + np.exp(lr) * (4 - 3 * lr + lr**2)) / lr**3, axis=1))
    f2 = dt * np.real(np.mean((2 + lr + np.exp(lr) * (-2 + lr)) / lr**3, axis=1))
    f3 = dt * np.real(np.mean((-4 - 3 * lr - lr**2 + np.exp(lr) * (4 - lr)) / lr**3, axis=1))
    return np.exp(dt * lin), np.exp(dt * lin / 2), q, f1, f2, f3


def etdrk4(u0: Callable[[np.ndarray], np.ndarray], lin: Callable[[np.ndarray], np.ndarray],
           nonlinear: Callable[[np.ndarray, np.ndarray], np.ndarray], T: float, n_modes: int, dt: float,
           n_times: int) -> ReferenceSolution:
    r"""Solve u_t = L u + N(u) on the periodic [−1, 1) to time T; ``lin(k)`` is the symbol of L at the
    wavenumbers k = π n (n = 0 … N/2), ``nonlinear(v, k)`` returns N̂ from the rfft coefficients v.
    The step is the largest ≤ ``dt`` that fits a whole number of steps between the ``n_times`` saved times."""
    _positive("T", T)
    _positive("dt", dt)
    _positive("n_times", n_times, integer=True)
    _positive("n_modes", n_modes, integer=True)
    if n_modes % 2 or n_modes < 8:
        raise ValueError(f"n_modes must be an even integer ≥ 8, got {n_modes!r}")
    if n_times < 2:
        raise ValueError(f"n_times must be ≥ 2 (the initial and the final time at least), got {n_times!r}")
    per_save = max(1, math.ceil(T / (n_times - 1) / dt))
    h = T / ((n_times - 1) * per_save)
    x = -1.0 + 2.0 * np.arange(n_modes) / n_modes
    k = math.pi * np.arange(n_modes // 2 + 1)
    E, E2, Q, f1, f2, f3 = etdrk4_coefficients(np.asarray(lin(k), dtype=np.float64), h)
    v = np.fft.rfft(u0(x))
    out = np.empty((n_times, n_modes))
    out[0] = u0(x)
    for i in range(1, n_times):
        for _ in range(per_save):
            Nv = nonlinear(v, k)
            a = E2 * v + Q * Nv
            Na = nonlinear(a, k)
            b = E2 * v + Q * Na
            Nb = nonlinear(b, k)
            c = E2 * a + Q * (2 * Nb - Nv)
            Nc = nonlinear(c, k)
            v = E * v + Nv * f1 + 2 * (Na + Nb) * f2 + Nc * f3
        out[i] = np.fft.irfft(v, n_modes)
        if not np.all(np.isfinite(out[i])):
            raise FloatingPointError(f"the ETDRK4 solution blew up before t = {i * T / (n_times - 1):g}; "
                                     f"use a smaller dt (now {h:g}) or more modes (now {n_modes})")
    t = np.linspace(0.0, T, n_times)
    for arr in (x, t, out):  # shared through the cache: read-only
        arr.flags.writeable = False
    return ReferenceSolution(x, t, out, h)


# ---------------------------------------------------------------- Allen–Cahn

@functools.lru_cache(maxsize=8)
def allen_cahn_reference(T: float = 1.0, n_modes: int = 1024, dt: float = 1e-3, n_times: int = 1001,
                         nu: float = 1e-4) -> ReferenceSolution:
    r"""u_t = ν u_xx + 5u − 5u³ on the periodic [−1, 1), u₀ = x² cos(πx), up to time T (cached per arguments).
    The interface width √(2ν/5) ≈ 0.0063 needs ~1000 modes: measured at T = 1 against 2048 modes, the max error
    is 2e-3 (256 modes), 2e-6 (512), 1e-9 (1024) (at T = 0.5, during the fast phase near x = 0:
    6e-6, 1e-6, 3e-7); in time, order 4.0 (dt = 4e-3 … 1e-3, 512 modes), 1e-11 at
    dt = 1e-3; the cubic interpolation between saved times (every 1e-3) adds ≲ 4e-8 (measured at 2e-3: 5e-7)."""
    _positive("nu", nu)

    def nonlinear(v: np.ndarray, k: np.ndarray) -> np.ndarray:
        u = np.fft.irfft(v, n_modes)
        return np.fft.rfft(5 * u - 5 * u**3)

    return etdrk4(lambda x: x**2 * np.cos(np.pi * x), lambda k: -nu * k**2, nonlinear, T, n_modes, dt, n_times)


# ---------------------------------------------------------------- Burgers

@functools.lru_cache(maxsize=8)
def burgers_spectral(T: float = 1.0, n_modes: int = 2048, dt: float = 2e-4, n_times: int = 101,
                     nu: float = BURGERS_NU) -> ReferenceSolution:
    r"""u_t + u u_x = ν u_xx on the periodic [−1, 1), u₀ = −sin(πx), by :func:`etdrk4` (cached per arguments);
    the Nyquist mode of the derivative is set to zero."""
    _positive("nu", nu)

    def nonlinear(v: np.ndarray, k: np.ndarray) -> np.ndarray:
        u = np.fft.irfft(v, n_modes)
        ik = 1j * k
        ik[-1] = 0.0
        return -0.5 * ik * np.fft.rfft(u * u)

    return etdrk4(lambda x: -np.sin(np.pi * x), lambda k: -nu * k**2, nonlinear, T, n_modes, dt, n_times)


def burgers_cole_hopf(x: np.ndarray, t: np.ndarray, nu: float = BURGERS_NU, n_quad: int = 200) -> np.ndarray:
    r"""The Cole–Hopf solution of u_t + u u_x = ν u_xx, u₀ = −sin(πx), at the points (x, t) (broadcast),
    by ``n_quad``-node Gauss–Hermite quadrature (see the module docstring; n ≤ 300, numpy's rule overflows
    above). Measured for ν = 0.01/π, t ≤ 1, against 300 nodes: 1e-3 (32 nodes), 2e-10 (64), 1e-15 (128);
    against the spectral solution (2048 modes): 4e-11."""
    _positive("nu", nu)
    _positive("n_quad", n_quad, integer=True)
    if n_quad > 300:
        raise ValueError(f"n_quad must be ≤ 300 (numpy's Gauss–Hermite weights overflow above), got {n_quad}")
    x, t = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(t, dtype=np.float64))
    if t.size and t.min() < 0:
        raise ValueError(f"t must be ≥ 0, got min t = {t.min():g}")
    z, w = _hermgauss(n_quad)
    shape, xf, tf = x.shape, x.ravel(), t.ravel()
    out = np.empty_like(xf)
    for s in range(0, xf.size, 4096):
        xs, ts = xf[s:s + 4096, None], tf[s:s + 4096, None]
        y = xs - np.sqrt(4 * nu * ts) * z[None, :]
        e = -np.cos(np.pi * y) / (2 * np.pi * nu) + np.log(w)[None, :]
        e = np.exp(e - e.max(axis=1, keepdims=True))
        out[s:s + 4096] = -np.sum(np.sin(np.pi * y) * e, axis=1) / np.sum(e, axis=1)
    return out.reshape(shape)


@functools.lru_cache(maxsize=4)
def _hermgauss(n: int) -> tuple[np.ndarray, np.ndarray]:
    z, w = np.polynomial.hermite.hermgauss(n)
    keep = w > 0  # the outermost weights of a large rule underflow; they carry nothing
    return z[keep], w[keep]
