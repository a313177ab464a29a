"""Reference solvers (sfli.reference): ETDRK4 convergence orders, the PDE residual of the references by finite
differences, Cole–Hopf against the spectral Burgers solution, interpolation."""
import math

import numpy as np
import pytest

from sfli.reference import (BURGERS_NU, ReferenceSolution, allen_cahn_reference, burgers_cole_hopf,
                            burgers_spectral, etdrk4)


def _max(a):
    return float(np.abs(a).max())


def test_etdrk4_is_exact_for_a_linear_problem_and_fourth_order_for_a_nonlinear_one():
    # u_t = u_xx − u: every mode decays exactly as e^{−(k² + 1) t}
    sol = etdrk4(lambda x: np.sin(np.pi * x) + np.cos(3 * np.pi * x), lambda k: -k**2 - 1.0,
                 lambda v, k: np.zeros_like(v), 0.1, 16, 0.05, 3)
    want = (np.exp(-(np.pi**2 + 1) * 0.1) * np.sin(np.pi * sol.x)
            + np.exp(-(9 * np.pi**2 + 1) * 0.1) * np.cos(3 * np.pi * sol.x))
    assert _max(sol.u[-1] - want) < 1e-13
    # u_t = u − u² (logistic, x-independent): u(t) = u0 e^t / (1 − u0 + u0 e^t)
    def logistic(v, k):
        u = np.fft.irfft(v, 8)
        return np.fft.rfft(-u * u)
    errs = [_max(etdrk4(lambda x: 0.1 + 0 * x, lambda k: np.ones_like(k), logistic, 2.0, 8, dt, 2).u[-1]
                 - 0.1 * math.e**2 / (0.9 + 0.1 * math.e**2)) for dt in (0.2, 0.1, 0.05)]
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all((orders > 3.6) & (orders < 4.4)), orders


def test_allen_cahn_converges_fourth_order_in_dt_and_spectrally_in_the_modes():
    T = 0.5
    u = [allen_cahn_reference(T, 256, dt, 2).u[-1] for dt in (4e-3, 2e-3, 1e-3)]
    e1, e2 = _max(u[0] - u[1]), _max(u[1] - u[2])
    assert 3.5 < math.log2(e1 / e2) < 4.5 and e2 < 1e-9
    xs, T = np.linspace(-1, 1, 101)[:-1], 1.0  # at T = 1, once the interfaces have formed
    fine = allen_cahn_reference(T, 2048, 1e-3, 2)(xs, np.full_like(xs, T))
    errs = [_max(allen_cahn_reference(T, n, 1e-3, 2)(xs, np.full_like(xs, T)) - fine) for n in (256, 512, 1024)]
    assert errs[0] > 100 * errs[1] > 100 * 100 * errs[2] and errs[2] < 1e-8, errs  # ratios grow: spectral


def _allen_cahn_residual(ref, spectral: bool):
    """u_t − 1e-4 u_xx − 5u + 5u³ on the reference grid: u_t by 4th-order central differences in t; u_xx by
    4th-order periodic differences in x, or spectrally. Rows: saved times 2 … M − 3."""
    h, u = float(ref.t[1] - ref.t[0]), ref.u
    u_t = (u[:-4] - 8 * u[1:-3] + 8 * u[3:-1] - u[4:]) / (12 * h)
    mid, n = u[2:-2], u.shape[1]
    if spectral:
        k = np.pi * np.arange(n // 2 + 1)
        u_xx = np.fft.irfft(-k**2 * np.fft.rfft(mid, axis=1), n, axis=1)
    else:
        dx = float(ref.x[1] - ref.x[0])
        u_xx = (-np.roll(mid, 2, 1) + 16 * np.roll(mid, 1, 1) - 30 * mid + 16 * np.roll(mid, -1, 1)
                - np.roll(mid, -2, 1)) / (12 * dx**2)
    return u_t, u_t - 1e-4 * u_xx - 5 * mid + 5 * mid**3, ref.t[2:-2]


def test_allen_cahn_reference_satisfies_the_pde_by_finite_differences():
    # u0 = x² cos(πx) has a corner at x = ±1 (u0′(±1) = ∓2) on the periodic interval: the solution is smooth
    # only once diffusion has rounded it, so the residual is measured for t ≥ 0.1
    coarse, fine = (allen_cahn_reference(0.5, n, 1e-3, 501) for n in (512, 1024))  # saved every 1e-3
    res = []
    for ref in (coarse, fine):
        u_t, r, t = _allen_cahn_residual(ref, spectral=False)
        assert _max(u_t) > 1.0  # the terms are O(1) …
        res.append(_max(r[t >= 0.1]))
    assert res[1] < 1e-4 and 10 < res[0] / res[1] < 25, res  # … and cancel at the 4th order of the differences
    _, r, t = _allen_cahn_residual(fine, spectral=True)
    assert _max(r[t >= 0.1]) < 1e-8  # with spectral u_xx: only the time differences' error is left
    assert fine.u[0] == pytest.approx(fine.x**2 * np.cos(np.pi * fine.x), abs=1e-15)
    assert np.abs(fine.u).max() <= 1.0 + 1e-9  # the maximum principle


def test_allen_cahn_default_is_cached_and_quick():
    import time
    t0 = time.perf_counter()
    a = allen_cahn_reference(0.25)
    assert time.perf_counter() - t0 < 20
    assert allen_cahn_reference(0.25) is a and a.u.shape == (1001, 1024)
    with pytest.raises(ValueError, match="writeable|read-only"):
        a.u[0, 0] = 1.0


def test_cole_hopf_converges_in_the_nodes_and_satisfies_burgers():
    x = np.linspace(-1, 1, 201)
    for t in (0.25, 0.5, 1.0):
        best = burgers_cole_hopf(x, t, n_quad=300)
        assert _max(burgers_cole_hopf(x, t, n_quad=128) - best) < 1e-12
    best = burgers_cole_hopf(x, 1.0, n_quad=300)  # the widest kernel: the fewest nodes are not enough
    errs = [_max(burgers_cole_hopf(x, 1.0, n_quad=n) - best) for n in (32, 64, 128)]
    assert errs[0] > 1e-5 and errs[1] < 1e-3 * errs[0] and errs[2] < 1e-12, errs
    assert burgers_cole_hopf(x, 0.0) == pytest.approx(-np.sin(np.pi * x), abs=1e-15)
    assert _max(burgers_cole_hopf(np.array([-1.0, 0.0, 1.0]), 0.7)) < 1e-12  # u(±1, t) = 0 (and u(0, t) = 0)
    # residual u_t + u u_x − ν u_xx by central differences, away from the shock at x = 0
    xs, t, hx, ht = np.linspace(-0.9, 0.9, 37), 0.6, 1e-4, 1e-4
    xs = xs[np.abs(xs) > 0.05]
    u = lambda a, b: burgers_cole_hopf(a, b)  # noqa: E731
    u_t = (u(xs, t + ht) - u(xs, t - ht)) / (2 * ht)
    u_x = (u(xs + hx, t) - u(xs - hx, t)) / (2 * hx)
    u_xx = (u(xs + hx, t) - 2 * u(xs, t) + u(xs - hx, t)) / hx**2
    assert _max(u_t) > 0.1 and _max(u_t + u(xs, t) * u_x - BURGERS_NU * u_xx) < 1e-5


def test_cole_hopf_agrees_with_the_spectral_burgers_solution():
    spec = burgers_spectral(1.0, 1024, 4e-4, 5)
    for i, t in enumerate(spec.t):
        assert _max(spec.u[i] - burgers_cole_hopf(spec.x, t)) < 1e-6, t  # 1e-7 at t = 0.5, 1024 modes
    assert _max(np.gradient(spec.u[2], spec.x)) > 50  # the steep front is there at t = 0.5


def test_interpolation_is_exact_at_the_nodes_and_accurate_between():
    ref = allen_cahn_reference(0.5, 256, 1e-3, 51)
    X, Tg = np.meshgrid(ref.x, ref.t)
    assert _max(ref(X, Tg) - ref.u) < 1e-12
    fine = allen_cahn_reference(0.5, 256, 1e-3, 101)
    assert _max(ref(fine.x[None, :], fine.t[1::2, None]) - fine.u[1::2]) < 1e-3
    # trigonometric interpolation in x: a band-limited function is reproduced between the grid points
    x = -1 + 2 * np.arange(16) / 16
    band = ReferenceSolution(x, np.linspace(0, 1, 4), np.tile(np.cos(3 * np.pi * x) + np.sin(np.pi * x), (4, 1)), 0.1)
    xq = np.linspace(-1, 1, 33)
    assert _max(band(xq, np.full_like(xq, 0.4)) - np.cos(3 * np.pi * xq) - np.sin(np.pi * xq)) < 1e-13


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_modes must be an even integer"):
        allen_cahn_reference(1.0, 7)
    with pytest.raises(ValueError, match="dt must be a positive number"):
        allen_cahn_reference(1.0, 64, 0.0)
    with pytest.raises(ValueError, match="t must lie in \\[0, 0.5\\]"):
        allen_cahn_reference(0.5, 64, 1e-2, 6)(np.zeros(1), np.ones(1))
    with pytest.raises(ValueError, match="n_quad must be ≤ 300"):
        burgers_cole_hopf(np.zeros(1), np.ones(1), n_quad=400)
    with pytest.raises(ValueError, match="t must be ≥ 0"):
        burgers_cole_hopf(np.zeros(1), -np.ones(1))
