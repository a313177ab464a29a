"""Chapter 1's figures (matplotlib Figures in the book's theme); they read a :class:`~.checks.Result`.

Spreads over seeds are :func:`~sfli.plotting.seeds_band` (mean, min–max band); exact-vs-computed comparisons
stay plain matplotlib (lines for the exact value, hollow markers for the computed one)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ...plotting import REFERENCE, SERIES, method_color, method_label, seeds_band, series_palette
from .checks import U, Result

EIGH, SVD = SERIES[:2]


def _fig(ncols: int = 1, width: float = 6.4) -> tuple[Figure, list]:
    fig = Figure(figsize=(width, 4.0), layout="constrained")
    return fig, [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]


def plot_hilbert_spectrum(result: Result) -> Figure:
    """(a) exact vs computed spectrum of the largest Hilbert matrix; (b) relative error vs exact eigenvalue."""
    h = result.hilbert
    big = h[h.n == h.n.max()]
    fig, (ax, bx) = _fig(2, 11.0)
    ax.semilogy(big["index"], big.exact, "k-", lw=1.5, label="exact (mpmath)")
    ax.semilogy(big["index"], big.eigh.abs(), "o", mfc="none", color=EIGH, label="eigh of M (|λ|)")
    ax.semilogy(big["index"], big.svd, "x", color=SVD, label="svd of √w·Φ (σ²)")
    lmax = float(big.exact.max())
    ax.axhline(U * lmax, color=EIGH, ls=":", lw=1, label="eigh floor ≈ u·λ_max")
    ax.axhline(result.cfg["eps"], color=REFERENCE, ls="--", lw=1, label=f"ε = {result.cfg['eps']:g}")
    ax.set(xlabel="eigenvalue index i", ylabel="λ_i", title=f"(a) Hilbert matrix, n = {int(big.n.iloc[0])}")
    ax.legend()
    lam = np.logspace(np.log10(h.exact.min()), 0.3, 50)
    for m, c, ref, lbl in (("eigh", EIGH, U * lmax / lam, "u·λ_max/λ"),
                           ("svd", SVD, U * np.sqrt(lmax / lam), "u·√(λ_max/λ)")):
        rel = ((h[m] - h.exact).abs() / h.exact).clip(lower=1e-17)
        bx.loglog(h.exact, rel, "o" if m == "eigh" else "x", ms=3, color=c, mfc="none", label=m)
        bx.loglog(lam, ref, color=c, lw=1, ls=":", label=lbl)
    bx.axvline(1e-10, color=REFERENCE, ls="--", lw=1, label="λ = 1e-10")
    bx.set(xlabel="exact eigenvalue λ", ylabel="relative error |λ̂ − λ| / λ", ylim=(1e-17, 1e3),
           title=f"(b) all Hilbert matrices n = 1 … {int(h.n.max())}")
    bx.legend()
    return fig


def plot_hilbert_ranks(result: Result) -> Figure:
    """ε-rank of the n×n Hilbert matrix vs n: exact (lines) and computed with eigh (markers), one colour per ε."""
    fig, (ax,) = _fig()
    colors = series_palette(sorted(result.hilbert_ranks.eps.unique()))
    for e, d in result.hilbert_ranks.groupby("eps"):
        c = colors[e]
        ax.plot(d.n, d.exact, "-", color=c, lw=1.2, label=f"ε = {e:g}")
        ax.plot(d.n, d.eigh, "o", color=c, mfc="none", ms=4)
    ax.plot([], [], "ko", mfc="none", ms=4, label="computed (eigh)")
    ax.set(xlabel="number of monomials n (1, x, …, x^(n−1))", ylabel="ε-rank",
           title="monomials on [0, 1]: exact (lines) vs computed (markers)")
    ax.legend(ncol=2)
    return fig


def plot_legendre(result: Result) -> Figure:
    """ε-rank of n orthonormal Legendre polynomials vs the number of Gauss nodes N: min(n, N) exactly."""
    leg = result.legendre
    fig, (ax,) = _fig()
    ax.plot(leg.nodes, leg.expected, "k-", lw=1.2, label="min(n, N) (exact)")
    rank_cols = [c for c in leg if c.startswith("rank_")]
    for (col, c), mk in zip(series_palette(rank_cols).items(), "ox+sdv^<"):
        ax.plot(leg.nodes, leg[col], mk, color=c, mfc="none", ms=5, label=f"ε = {col[5:]}")
    ax.set_xscale("log", base=2)
    ax.set(xlabel="Gauss–Legendre nodes N", ylabel="ε-rank",
           title=f"{int(leg.expected.max())} orthonormal Legendre polynomials on [−1, 1]")
    ax.legend()
    return fig


def plot_duplicates(result: Result) -> Figure:
    """(a) ε-rank with q exact copies among n neurons (exact: n − q); (b) ε-rank of n neurons + q near-copies vs δ."""
    dups, near, width, eps = result.duplicates, result.near_duplicates, result.cfg["duplicates"]["width"], result.cfg["eps"]
    fig, (ax, bx) = _fig(2, 11.0)
    qs = sorted(dups.q.unique())
    ax.plot(qs, [width - q for q in qs], "k-", lw=1.2, label="n − q (exact)")
    ax.plot(dups.q, dups.eps_rank, "o", color=SERIES[0], mfc="none", label="computed (all seeds)")
    ax.set(xlabel="neurons replaced by copies, q", ylabel=f"ε-rank (ε = {eps:g})", title=f"(a) exact copies, n = {width}")
    ax.legend()
    seeds_band(bx, near, "delta", "eps_rank", label="mean, min–max over seeds", color=SERIES[0])
    full, smallest = width + result.cfg["near"]["q"], float(near.delta.min())
    for level, text in ((width, "n (the copies add nothing)"), (full, "n + q (all distinct)")):
        bx.axhline(level, color=REFERENCE, ls="--", lw=1)
        bx.annotate(text, (smallest, level), textcoords="offset points", xytext=(0, 3), color=REFERENCE)
    bx.set_xscale("log")
    bx.set(xlabel="relative perturbation δ of the copies' weights and biases", ylabel=f"ε-rank (ε = {eps:g})",
           ylim=(width - 1, full + 1), title=f"(b) n = {width} neurons + {full - width} near-copies")
    bx.legend(loc="center left")
    return fig


def plot_near_duplicates(result: Result) -> Figure:
    """The q smallest eigenvalues of M for n neurons + q near-copies at distance δ: they grow like δ² (svd)."""
    fig, (ax,) = _fig()
    eps, near = result.cfg["eps"], result.near_duplicates
    seeds_band(ax, near, "delta", "lam_min", label="λ_min (smallest)", color=SERIES[3])
    seeds_band(ax, near, "delta", "lam_q", label="λ_(n+1) (largest of the q small ones)", color=SERIES[1])
    lam_min = near.groupby("delta").lam_min.mean()
    deltas = lam_min.index.to_numpy()
    ax.plot(deltas, lam_min.iloc[0] * (deltas / deltas[0]) ** 2, "k:", lw=1, label="∝ δ²")
    ax.axhline(eps, color=REFERENCE, ls="--", lw=1, label=f"ε = {eps:g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set(xlabel="relative perturbation δ of the copies' weights and biases", ylabel="eigenvalue of M",
           title="near-copies: mean and min–max over seeds")
    ax.legend()
    return fig


def _by_init(ax, table: pd.DataFrame, x: str, y: str = "eps_rank", label: bool = True, **kwargs) -> None:
    """One :func:`~sfli.plotting.seeds_band` per initialization, in the book's method colours."""
    for init, d in table.groupby("init", sort=False):
        seeds_band(ax, d, x, y, label=method_label(init) if label else None, color=method_color(init), **kwargs)


def plot_sensitivity_nodes(result: Result) -> Figure:
    """ε-rank of a random first layer vs the number of Gauss–Legendre nodes N (mean, min–max over seeds)."""
    fig, (ax,) = _fig()
    eps = result.cfg["eps"]
    _by_init(ax, result.sens_nodes, "N")
    nodes = np.sort(result.sens_nodes.N.unique())
    ax.plot(nodes, nodes, "k:", lw=1, label="N (rank ≤ N)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set(xlabel="Gauss–Legendre nodes N on [−1, 1]", ylabel=f"ε-rank (ε = {eps:g})",
           ylim=(0.7, 2 * result.sens_nodes.eps_rank.max()), title="first tanh layer: ε-rank vs quadrature size")
    ax.legend()
    return fig


def plot_sensitivity_eps(result: Result) -> Figure:
    """ε-rank of a random first layer vs ε at the largest N; float64 (solid) and float32 features (dashed)."""
    fig, (ax,) = _fig()
    _by_init(ax, result.sens_eps, "eps")
    _by_init(ax, result.sens_eps, "eps", y="eps_rank_float32", label=False, ls="--", lw=1, marker=None)
    ax.plot([], [], "k--", lw=1, label="float32 features")
    ax.set_xscale("log")
    ax.set_yscale("log", base=2)
    ax.invert_xaxis()
    ax.set(xlabel="ε (decreasing →)", ylabel="ε-rank", title="first tanh layer: ε-rank vs ε")
    ax.legend()
    return fig
