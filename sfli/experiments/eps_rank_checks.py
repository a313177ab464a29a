r"""Chapter 1 — the ε-rank checked on cases with known answers, and its sensitivity to the book's choices.

For neuron functions φ_1..φ_n on Ω the Gram matrix is M_ij = ∫_Ω φ_i φ_j dx ≈ Σ_k w_k φ_i(x_k) φ_j(x_k) and the
ε-rank is r_ε = #{λ(M) > ε} (see :mod:`sfli.eps_rank`). Checks:

* Hilbert: φ_j = x^j on [0, 1] gives M_ij = 1/(i+j+1) exactly; its spectrum is computed with mpmath.
* Legendre: φ_j = √((2j+1)/2) P_j on [−1, 1] gives M = I; with N < n Gauss nodes, rank(M) = N exactly.
* Duplicates: q copied neurons of an ε-independent layer lower r_ε by exactly q (Cauchy interlacing);
  near-copies at distance δ add eigenvalues ∝ δ².
* Sensitivity of r_ε of a random first layer to the quadrature size N and to ε; timing of eigh vs svd.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure
from torch import nn

from .. import profiles
from ..profiles import seeds  # noqa: F401  (part of the chapter's API: exp.seeds(cfg, seed))
from ..eps_rank import DEFAULT_EPS, gram_spectrum, rank_from_spectrum
from ..features import hidden_features
from ..init import default_gamma, sfli_
from ..nets import MLP
from ..plotting import METHOD_COLORS, METHOD_LABELS, PALETTE, mean_band
from ..quadrature import quadrature

NAME = "01_eps_rank"
U = float(np.finfo(np.float64).eps) / 2  # unit roundoff u = 1.1e-16: the eigensolvers' error scale
_INITS = ["sfli", "xavier_normal", "pytorch_default"]
_COMMON = {"eps": DEFAULT_EPS, "eps_list": [1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 1e-10], "hilbert_nodes": 64,
           "dup_gamma_factor": 4.0, "near_fit_max": 1e-2, "sens_inits": _INITS, "sens_eps_decades": [-1, -8],
           "time_device": "auto"}

CONFIGS: dict[str, dict] = {
    "smoke": {**_COMMON, "n_seeds": 2, "hilbert_kmax": 14, "mp_dps": 60,
              "legendre_n": 16, "legendre_nodes": [4, 8, 12, 16, 32, 64],
              "dup_width": 16, "dup_nodes": 512, "dup_q": [0, 1, 2, 4, 8],
              "near_q": 2, "near_deltas": [1e-6, 1e-4, 1e-3, 1e-2, 3e-2, 1e-1, 3e-1],
              "sens_width": 64, "sens_nodes": [4, 8, 16, 32, 64, 128, 256, 512, 1024], "sens_eps_per_decade": 2,
              "time_width": 0, "time_points": 0},
    "ci": {**_COMMON, "n_seeds": 5, "hilbert_kmax": 24, "mp_dps": 60,
           "legendre_n": 64, "legendre_nodes": [8, 16, 32, 48, 64, 96, 128, 256],
           "dup_width": 32, "dup_nodes": 1024, "dup_q": [0, 1, 2, 4, 8, 16],
           "near_q": 4, "near_deltas": [float(d) for d in np.logspace(-6, -0.5, 12)],
           "sens_width": 128, "sens_nodes": [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048], "sens_eps_per_decade": 4,
           "time_width": 2048, "time_points": 100_000},
    "paper": {**_COMMON, "n_seeds": 10, "hilbert_kmax": 29, "mp_dps": 80,
              "legendre_n": 256, "legendre_nodes": [32, 64, 128, 192, 256, 384, 512, 1024],
              "dup_width": 64, "dup_nodes": 2048, "dup_q": [0, 1, 2, 4, 8, 16, 32],
              "near_q": 8, "near_deltas": [float(d) for d in np.logspace(-6, -0.5, 23)],
              "sens_width": 256, "sens_nodes": [2**k for k in range(2, 13)], "sens_eps_per_decade": 4,
              "time_width": 2048, "time_points": 100_000},
}


def config(profile: str, **overrides) -> dict:
    """Settings of ``profile`` ("smoke", "ci", "paper"), with validated ``overrides``."""
    return profiles.config(CONFIGS, profile, **overrides)


@dataclass
class Result:
    """Tables of every check (pandas DataFrames) and the flat ``metrics`` the record stores."""

    hilbert: pd.DataFrame  # n, index, exact, eigh, svd — every eigenvalue of every Hilbert matrix
    hilbert_ranks: pd.DataFrame  # n, eps, exact, eigh, svd
    legendre: pd.DataFrame  # nodes, expected, lam_max, lam_min, max_dev, rank_<ε> for each ε
    duplicates: pd.DataFrame  # seed, q, expected, eps_rank
    near_duplicates: pd.DataFrame  # seed, delta, eps_rank, lam_min, lam_q
    sens_nodes: pd.DataFrame  # init, seed, N, eps_rank
    sens_eps: pd.DataFrame  # init, seed, eps, eps_rank, eps_rank_float32
    timing: pd.DataFrame  # method, device, width, points, seconds, eps_rank
    metrics: dict[str, float | int] = field(default_factory=dict)
    cfg: dict = field(default_factory=dict)  # the settings that produced it


# ---------------------------------------------------------------- Hilbert: x^j on [0, 1]

def hilbert_exact(size: int, dps: int = 60) -> np.ndarray:
    """Eigenvalues (descending) of H_ij = 1/(i+j+1), i, j < size, by mpmath at ``dps`` digits, rounded to float64."""
    import mpmath  # a dependency of sympy, hence of torch; only needed here

    with mpmath.workdps(dps):
        h = mpmath.matrix([[mpmath.mpf(1) / (i + j + 1) for j in range(size)] for i in range(size)])
        return np.sort([float(v) for v in mpmath.eigsy(h, eigvals_only=True)])[::-1].copy()


def monomials(k: int, nodes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Features x^0..x^k (N×(k+1)) on Gauss–Legendre points of [0, 1], and the weights; exact if 2k < 2·nodes."""
    x, w = quadrature((0.0, 1.0), nodes)
    return x ** torch.arange(k + 1, dtype=x.dtype), w


def _hilbert(cfg: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    if cfg["hilbert_nodes"] <= cfg["hilbert_kmax"]:
        raise ValueError("hilbert_nodes must exceed hilbert_kmax so the quadrature integrates x^(2k) exactly")
    eig_rows, rank_rows = [], []
    for k in range(cfg["hilbert_kmax"] + 1):
        exact = hilbert_exact(k + 1, cfg["mp_dps"])
        phi, w = monomials(k, cfg["hilbert_nodes"])
        comp = {m: gram_spectrum(phi, w, m).numpy() for m in ("eigh", "svd")}
        eig_rows += [{"n": k + 1, "index": i, "exact": exact[i], "eigh": comp["eigh"][i], "svd": comp["svd"][i]}
                     for i in range(k + 1)]
        rank_rows += [{"n": k + 1, "eps": e, "exact": int((exact > e).sum()),
                       **{m: rank_from_spectrum(comp[m], e) for m in comp}}
                      for e in cfg["eps_list"]]
    return pd.DataFrame(eig_rows), pd.DataFrame(rank_rows)


def _first_unresolved(eigs: pd.DataFrame, method: str, tol: float = 1e-2) -> float:
    """The largest exact eigenvalue that ``method`` gets wrong by more than ``tol`` (relative); NaN if none is."""
    rel = (eigs[method] - eigs["exact"]).abs() / eigs["exact"]
    bad = eigs.loc[rel > tol, "exact"]
    return float(bad.max()) if len(bad) else math.nan


# ---------------------------------------------------------------- Legendre: orthonormal on [−1, 1]

def legendre_features(n: int, nodes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Features √((2j+1)/2) P_j(x), j < n (N×n), on ``nodes`` Gauss–Legendre points of [−1, 1], and the weights."""
    x, w = quadrature((-1.0, 1.0), nodes)
    v = np.polynomial.legendre.legvander(x[:, 0].numpy(), n - 1) * np.sqrt((2 * np.arange(n) + 1) / 2)
    return torch.from_numpy(v), w


def _legendre(cfg: dict) -> pd.DataFrame:
    n, rows = cfg["legendre_n"], []
    for nodes in cfg["legendre_nodes"]:
        lam = gram_spectrum(*legendre_features(n, nodes)).numpy()
        top = lam[: min(n, nodes)]  # = 1 when nodes ≥ n; ≥ 1 (interlacing) when nodes < n
        rows.append({"nodes": nodes, "expected": min(n, nodes), "lam_max": lam[0], "lam_min": lam[-1],
                     "max_dev": float(np.abs(top - 1).max()) if nodes >= n else math.nan,
                     **{f"rank_{e:g}": rank_from_spectrum(lam, e) for e in cfg["eps_list"]}})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- duplicated and near-duplicated neurons

def dup_layer(cfg: dict) -> nn.Linear:
    """The base layer: SFLI, quasi placement on [−1, 1], tanh, γ = ``dup_gamma_factor`` × the default γ."""
    width = cfg["dup_width"]
    gamma = cfg["dup_gamma_factor"] * default_gamma("tanh", width, (-1.0, 1.0))
    return sfli_(nn.Linear(1, width).double(), (-1.0, 1.0), "tanh", gamma=gamma, placement="quasi")


def tanh_features(weight: torch.Tensor, bias: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """φ_i(x) = tanh(W_i·x + b_i), as an N×n matrix."""
    return torch.tanh(x @ weight.T + bias)


def _duplicates(cfg: dict, seed_list: list[int]) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    x, w = quadrature((-1.0, 1.0), cfg["dup_nodes"])
    layer, eps, n = dup_layer(cfg), cfg["eps"], cfg["dup_width"]
    weight, bias = layer.weight.detach(), layer.bias.detach()
    base = gram_spectrum(tanh_features(weight, bias, x), w)
    default = sfli_(nn.Linear(1, n).double(), (-1.0, 1.0), "tanh", placement="quasi")
    info = {"base_lambda_min": float(base[-1]), "base_eps_rank": rank_from_spectrum(base, eps),
            "default_gamma_lambda_min": float(gram_spectrum(tanh_features(
                default.weight.detach(), default.bias.detach(), x), w)[-1])}
    dup_rows, near_rows = [], []
    for s in seed_list:
        g = torch.Generator().manual_seed(s)
        for q in cfg["dup_q"]:  # replace q neurons by copies of others: n − q distinct functions remain
            perm = torch.randperm(n, generator=g)
            dst, keep = perm[:q], perm[q:]
            src = keep[torch.randint(len(keep), (q,), generator=g)]
            w2, b2 = weight.clone(), bias.clone()
            w2[dst], b2[dst] = weight[src], bias[src]
            r = rank_from_spectrum(gram_spectrum(tanh_features(w2, b2, x), w), eps)
            dup_rows.append({"seed": s, "q": q, "expected": n - q, "eps_rank": r})
        src = torch.randperm(n, generator=g)[: cfg["near_q"]]  # add near_q near-copies: n + near_q neurons
        theta = torch.cat([weight[src], bias[src, None]], dim=1)
        xi = torch.randn(theta.shape, generator=g, dtype=theta.dtype) / math.sqrt(theta.shape[1])
        for delta in cfg["near_deltas"]:
            near = theta + delta * theta.norm(dim=1, keepdim=True) * xi  # relative perturbation of size ≈ δ
            lam = gram_spectrum(tanh_features(torch.cat([weight, near[:, :-1]]), torch.cat([bias, near[:, -1]]), x),
                                w, method="svd")
            near_rows.append({"seed": s, "delta": delta, "eps_rank": rank_from_spectrum(lam, eps),
                              "lam_min": float(lam[-1]), "lam_q": float(lam[n])})
    return pd.DataFrame(dup_rows), pd.DataFrame(near_rows), info


def _slope(near: pd.DataFrame, fit_max: float) -> float:
    """Mean over seeds of the log–log slope of λ_min against δ for δ ≤ ``fit_max`` (≈ 2 when λ_min ∝ δ²)."""
    slopes = [np.polyfit(np.log10(d.delta), np.log10(d.lam_min), 1)[0]
              for _, d in near[near.delta <= fit_max].groupby("seed") if len(d) >= 2]
    return float(np.mean(slopes)) if slopes else math.nan


# ---------------------------------------------------------------- sensitivity to N and ε, timing

def first_layer(init: str, width: int, seed: int) -> MLP:
    """A 1–width–1 tanh MLP on [−1, 1] in float64: ``init`` for every layer, or SFLI (random placement) on the first."""
    g = torch.Generator().manual_seed(seed)
    model = MLP(1, width, 1, init="xavier_normal" if init == "sfli" else init, generator=g)
    if init == "sfli":
        sfli_(model.first, (-1.0, 1.0), "tanh", placement="random", generator=g)
    return model.double()


def eps_grid(cfg: dict) -> list[float]:
    hi, lo = cfg["sens_eps_decades"]
    return [float(e) for e in np.logspace(hi, lo, (hi - lo) * cfg["sens_eps_per_decade"] + 1)]


def _sensitivity(cfg: dict, seed_list: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    node_rows, eps_rows, grid = [], [], eps_grid(cfg)
    rules = {nodes: quadrature((-1.0, 1.0), nodes) for nodes in cfg["sens_nodes"]}
    for init in cfg["sens_inits"]:
        for s in seed_list:
            model = first_layer(init, cfg["sens_width"], s)
            for nodes, (x, w) in rules.items():
                lam = gram_spectrum(hidden_features(model, x)["hidden_1"], w)
                node_rows.append({"init": init, "seed": s, "N": nodes, "eps_rank": rank_from_spectrum(lam, cfg["eps"])})
            x, w = rules[max(rules)]
            lam64 = gram_spectrum(hidden_features(model, x)["hidden_1"], w)
            lam32 = gram_spectrum(hidden_features(model.float(), x.float())["hidden_1"], w)
            eps_rows += [{"init": init, "seed": s, "eps": e, "eps_rank": rank_from_spectrum(lam64, e),
                          "eps_rank_float32": rank_from_spectrum(lam32, e)} for e in grid]
    return pd.DataFrame(node_rows), pd.DataFrame(eps_rows)


def n_converged(sens_nodes: pd.DataFrame, init: str) -> int:
    """Smallest N of the sweep from which the ε-rank equals its value at the largest N, for every seed."""
    worst = 0
    for _, d in sens_nodes[sens_nodes.init == init].groupby("seed"):
        d = d.sort_values("N")
        ok = (d.eps_rank == d.eps_rank.iloc[-1]).to_numpy()
        first = len(ok) - int(np.argmin(ok[::-1])) if not ok.all() else 0  # start of the final run of True
        worst = max(worst, int(d.N.iloc[first]))
    return worst


def _timing(cfg: dict, seed: int) -> pd.DataFrame:
    """Seconds of r_ε by eigh and by svd for a width-``time_width`` SFLI tanh layer on ``time_points`` Sobol points."""
    width, points = cfg["time_width"], cfg["time_points"]
    if width <= 0 or points <= 0:
        return pd.DataFrame(columns=["method", "device", "width", "points", "seconds", "eps_rank"])
    device = cfg["time_device"]
    device = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
    box = [(-1.0, 1.0), (-1.0, 1.0)]
    x, w = quadrature(box, points, rule="qmc", seed=seed)
    layer = sfli_(nn.Linear(2, width).double(), box, "tanh", generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        phi, w = torch.tanh(layer(x)).to(device), w.to(device)
    rows = []
    for method in ("eigh", "svd"):
        gram_spectrum(phi[:64, :8], w[:64], method)  # warm-up (library loading, GPU kernels)
        start = time.perf_counter()
        r = rank_from_spectrum(gram_spectrum(phi, w, method).cpu(), cfg["eps"])
        rows.append({"method": method, "device": device, "width": width, "points": points,
                     "seconds": time.perf_counter() - start, "eps_rank": r})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- run

def run(cfg: dict, seed: int = 0) -> Result:
    """Run every check of the chapter with the settings ``cfg`` (from :func:`config`) and seeds ``seed``, …"""
    seed_list = seeds(cfg, seed)
    hilbert, hranks = _hilbert(cfg)
    legendre = _legendre(cfg)
    dups, near, info = _duplicates(cfg, seed_list)
    sens_nodes, sens_eps = _sensitivity(cfg, seed_list)
    timing = _timing(cfg, seed)

    above = hilbert[hilbert.exact > 1e-10]
    rank_cols = [c for c in legendre if c.startswith("rank_")]
    n_dup, small, large = cfg["dup_width"], near[near.delta == near.delta.min()], near[near.delta == near.delta.max()]
    metrics: dict[str, float | int] = {
        "hilbert/max_rank_error": int((hranks.eigh - hranks.exact).abs().max()),
        "hilbert/svd_max_rank_error": int((hranks.svd - hranks.exact).abs().max()),
        "hilbert/max_rel_eig_error_above_1e-10": float(((above.eigh - above.exact).abs() / above.exact).max()),
        "legendre/max_eig_deviation": float(legendre.max_dev.max()),
        "legendre/eps_rank": int(legendre.loc[legendre.nodes.idxmax(), f"rank_{cfg['eps']:g}"]),
        "legendre/rank_error": int(max((legendre[c] - legendre.expected).abs().max() for c in rank_cols)),
        "duplicates/base_eps_rank": info["base_eps_rank"],
        "duplicates/base_lambda_min": info["base_lambda_min"],
        "duplicates/default_gamma_lambda_min": info["default_gamma_lambda_min"],
        "duplicates/rank_deficit_error": int((dups.eps_rank - dups.expected).abs().max()),
        "near_duplicates/small_delta_rank_error": int((small.eps_rank - n_dup).abs().max()),
        "near_duplicates/large_delta_rank_mean": float(large.eps_rank.mean()),
        "near_duplicates/full_rank": n_dup + cfg["near_q"],
        "near_duplicates/eig_slope": _slope(near, cfg["near_fit_max"]),
        "sensitivity/float32_max_rank_diff": int((sens_eps.eps_rank - sens_eps.eps_rank_float32).abs().max()),
    }
    for method in ("eigh", "svd"):  # only where some eigenvalue is beyond the method's reach
        if not math.isnan(value := _first_unresolved(hilbert, method)):
            metrics[f"hilbert/{method}_first_unresolved"] = value
    for init in cfg["sens_inits"]:
        final = sens_nodes[(sens_nodes.init == init) & (sens_nodes.N == sens_nodes.N.max())].eps_rank
        metrics[f"sensitivity/{init}/n_converged"] = n_converged(sens_nodes, init)
        metrics[f"sensitivity/{init}/eps_rank_mean"] = float(final.mean())
    for r in timing.itertuples():
        metrics[f"time/{r.method}_s"] = float(r.seconds)
    if len(timing):
        metrics["time/svd_over_eigh"] = metrics["time/svd_s"] / metrics["time/eigh_s"]
        metrics["timing/rank_diff"] = int(timing.eps_rank.max() - timing.eps_rank.min())
    return Result(hilbert, hranks, legendre, dups, near, sens_nodes, sens_eps, timing, metrics, dict(cfg))


# ---------------------------------------------------------------- plots

def _fig(ncols: int = 1, width: float = 6.4) -> tuple[Figure, list]:
    fig = Figure(figsize=(width, 4.0), layout="constrained")
    return fig, [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]


def plot_hilbert_spectrum(result: Result) -> Figure:
    """(a) exact vs computed spectrum of the largest Hilbert matrix; (b) relative error vs exact eigenvalue."""
    h = result.hilbert
    big = h[h.n == h.n.max()]
    fig, (ax, bx) = _fig(2, 11.0)
    ax.semilogy(big["index"], big.exact, "k-", lw=1.5, label="exact (mpmath)")
    ax.semilogy(big["index"], big.eigh.abs(), "o", mfc="none", color=PALETTE[1], label="eigh of M (|λ|)")
    ax.semilogy(big["index"], big.svd, "x", color=PALETTE[0], label="svd of √w·Φ (σ²)")
    lmax = float(big.exact.max())
    ax.axhline(U * lmax, color=PALETTE[1], ls=":", lw=1, label="eigh floor ≈ u·λ_max")
    ax.axhline(result.cfg["eps"], color="grey", ls="--", lw=1, label=f"ε = {result.cfg['eps']:g}")
    ax.set(xlabel="eigenvalue index i", ylabel="λ_i", title=f"(a) Hilbert matrix, n = {int(big.n.iloc[0])}")
    ax.legend(fontsize=8)
    lam = np.logspace(np.log10(h.exact.min()), 0.3, 50)
    for m, c, ref, lbl in (("eigh", PALETTE[1], U * lmax / lam, "u·λ_max/λ"),
                           ("svd", PALETTE[0], U * np.sqrt(lmax / lam), "u·√(λ_max/λ)")):
        rel = ((h[m] - h.exact).abs() / h.exact).clip(lower=1e-17)
        bx.loglog(h.exact, rel, "o" if m == "eigh" else "x", ms=3, color=c, mfc="none", label=m)
        bx.loglog(lam, ref, color=c, lw=1, ls=":", label=lbl)
    bx.axvline(1e-10, color="grey", ls="--", lw=1, label="λ = 1e-10")
    bx.set(xlabel="exact eigenvalue λ", ylabel="relative error |λ̂ − λ| / λ", ylim=(1e-17, 1e3),
           title=f"(b) all Hilbert matrices n = 1 … {int(h.n.max())}")
    bx.legend(fontsize=8)
    return fig


def plot_hilbert_ranks(result: Result) -> Figure:
    """ε-rank of the n×n Hilbert matrix vs n: exact (lines) and computed with eigh (markers), one colour per ε."""
    fig, (ax,) = _fig()
    for c, (e, d) in zip(PALETTE, result.hilbert_ranks.groupby("eps")):
        ax.plot(d.n, d.exact, "-", color=c, lw=1.2, label=f"ε = {e:g}")
        ax.plot(d.n, d.eigh, "o", color=c, mfc="none", ms=4)
    ax.plot([], [], "ko", mfc="none", ms=4, label="computed (eigh)")
    ax.set(xlabel="number of monomials n (1, x, …, x^(n−1))", ylabel="ε-rank",
           title="monomials on [0, 1]: exact (lines) vs computed (markers)")
    ax.legend(fontsize=8, ncol=2)
    return fig


def plot_legendre(result: Result) -> Figure:
    """ε-rank of n orthonormal Legendre polynomials vs the number of Gauss nodes N: min(n, N) exactly."""
    leg = result.legendre
    fig, (ax,) = _fig()
    ax.plot(leg.nodes, leg.expected, "k-", lw=1.2, label="min(n, N) (exact)")
    rank_cols = [c for c in leg if c.startswith("rank_")]
    for c, col, mk in zip(PALETTE, rank_cols, "ox+sdv^<"):
        ax.plot(leg.nodes, leg[col], mk, color=c, mfc="none", ms=5, label=f"ε = {col[5:]}")
    ax.set_xscale("log", base=2)
    ax.set(xlabel="Gauss–Legendre nodes N", ylabel="ε-rank",
           title=f"{int(leg.expected.max())} orthonormal Legendre polynomials on [−1, 1]")
    ax.legend(fontsize=8)
    return fig


def _near_pivot(near: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    piv = near.pivot(index="seed", columns="delta", values=col).sort_index(axis=1)
    return piv.columns.to_numpy(), piv.to_numpy()


def plot_duplicates(result: Result) -> Figure:
    """(a) ε-rank with q exact copies among n neurons (exact: n − q); (b) ε-rank of n neurons + q near-copies vs δ."""
    dups, near, width, eps = result.duplicates, result.near_duplicates, result.cfg["dup_width"], result.cfg["eps"]
    fig, (ax, bx) = _fig(2, 11.0)
    qs = sorted(dups.q.unique())
    ax.plot(qs, [width - q for q in qs], "k-", lw=1.2, label="n − q (exact)")
    ax.plot(dups.q, dups.eps_rank, "o", color=PALETTE[0], mfc="none", label="computed (all seeds)")
    ax.set(xlabel="neurons replaced by copies, q", ylabel=f"ε-rank (ε = {eps:g})", title=f"(a) exact copies, n = {width}")
    ax.legend(fontsize=8)
    deltas, ranks = _near_pivot(near, "eps_rank")
    mean_band(bx, deltas, ranks, label="mean, min–max over seeds", color=PALETTE[0])
    full = width + result.cfg["near_q"]
    for level, text in ((width, "n (the copies add nothing)"), (full, "n + q (all distinct)")):
        bx.axhline(level, color="grey", ls="--", lw=1)
        bx.annotate(text, (deltas[0], level), textcoords="offset points", xytext=(0, 3), fontsize=8, color="grey")
    bx.set_xscale("log")
    bx.set(xlabel="relative perturbation δ of the copies' weights and biases", ylabel=f"ε-rank (ε = {eps:g})",
           ylim=(width - 1, full + 1), title=f"(b) n = {width} neurons + {full - width} near-copies")
    bx.legend(fontsize=8, loc="center left")
    return fig


def plot_near_duplicates(result: Result) -> Figure:
    """The q smallest eigenvalues of M for n neurons + q near-copies at distance δ: they grow like δ² (svd)."""
    fig, (ax,) = _fig()
    eps = result.cfg["eps"]
    deltas, lam_min = _near_pivot(result.near_duplicates, "lam_min")
    mean_band(ax, deltas, lam_min, label="λ_min (smallest)", color=PALETTE[3])
    mean_band(ax, deltas, _near_pivot(result.near_duplicates, "lam_q")[1], label="λ_(n+1) (largest of the q small ones)",
              color=PALETTE[2])
    ax.loglog(deltas, lam_min.mean(0)[0] * (deltas / deltas[0]) ** 2, "k:", lw=1, label="∝ δ²")
    ax.axhline(eps, color="grey", ls="--", lw=1, label=f"ε = {eps:g}")
    ax.set(xlabel="relative perturbation δ of the copies' weights and biases", ylabel="eigenvalue of M",
           title="near-copies: mean and min–max over seeds")
    ax.legend(fontsize=8)
    return fig


def _by_init(ax, table: pd.DataFrame, x: str, y: str = "eps_rank", label: bool = True, **kwargs) -> None:
    for init, d in table.groupby("init", sort=False):
        piv = d.pivot(index="seed", columns=x, values=y)
        mean_band(ax, piv.columns.to_numpy(), piv.to_numpy(), label=METHOD_LABELS.get(init, init) if label else None,
                  color=METHOD_COLORS.get(init), **kwargs)


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
    ax.legend(fontsize=8)
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
    ax.legend(fontsize=8)
    return fig
