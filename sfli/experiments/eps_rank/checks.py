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
from torch import nn

from ...eps_rank import gram_spectrum, rank_from_spectrum
from ...features import hidden_features
from ...init import default_gamma, sfli_
from ...nets import MLP
from ...quadrature import quadrature
from ..chapter import Part

U = float(np.finfo(np.float64).eps) / 2  # unit roundoff u = 1.1e-16: the eigensolvers' error scale
UNITS = ("hilbert", "legendre", "duplicates", "sensitivity", "timing")  #: the chapter's independent parts
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
    if cfg["hilbert"]["nodes"] <= cfg["hilbert"]["kmax"]:
        raise ValueError("hilbert.nodes must exceed hilbert.kmax so the quadrature integrates x^(2k) exactly")
    eig_rows, rank_rows = [], []
    for k in range(cfg["hilbert"]["kmax"] + 1):
        exact = hilbert_exact(k + 1, cfg["hilbert"]["mp_dps"])
        phi, w = monomials(k, cfg["hilbert"]["nodes"])
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
    n, rows = cfg["legendre"]["n"], []
    for nodes in cfg["legendre"]["nodes"]:
        lam = gram_spectrum(*legendre_features(n, nodes)).numpy()
        top = lam[: min(n, nodes)]  # = 1 when nodes ≥ n; ≥ 1 (interlacing) when nodes < n
        rows.append({"nodes": nodes, "expected": min(n, nodes), "lam_max": lam[0], "lam_min": lam[-1],
                     "max_dev": float(np.abs(top - 1).max()) if nodes >= n else math.nan,
                     **{f"rank_{e:g}": rank_from_spectrum(lam, e) for e in cfg["eps_list"]}})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- duplicated and near-duplicated neurons

def dup_layer(cfg: dict) -> nn.Linear:
    """The base layer: SFLI, quasi placement on [−1, 1], tanh, γ = ``dup_gamma_factor`` × the default γ."""
    width = cfg["duplicates"]["width"]
    gamma = cfg["duplicates"]["gamma_factor"] * default_gamma("tanh", width, (-1.0, 1.0))
    return sfli_(nn.Linear(1, width).double(), (-1.0, 1.0), "tanh", gamma=gamma, placement="quasi")


def tanh_features(weight: torch.Tensor, bias: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """φ_i(x) = tanh(W_i·x + b_i), as an N×n matrix."""
    return torch.tanh(x @ weight.T + bias)


def _duplicates(cfg: dict, seed_list: list[int]) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    x, w = quadrature((-1.0, 1.0), cfg["duplicates"]["nodes"])
    layer, eps, n = dup_layer(cfg), cfg["eps"], cfg["duplicates"]["width"]
    weight, bias = layer.weight.detach(), layer.bias.detach()
    base = gram_spectrum(tanh_features(weight, bias, x), w)
    default = sfli_(nn.Linear(1, n).double(), (-1.0, 1.0), "tanh", placement="quasi")
    info = {"base_lambda_min": float(base[-1]), "base_eps_rank": rank_from_spectrum(base, eps),
            "default_gamma_lambda_min": float(gram_spectrum(tanh_features(
                default.weight.detach(), default.bias.detach(), x), w)[-1])}
    dup_rows, near_rows = [], []
    for s in seed_list:
        g = torch.Generator().manual_seed(s)
        for q in cfg["duplicates"]["q"]:  # replace q neurons by copies of others: n − q distinct functions remain
            perm = torch.randperm(n, generator=g)
            dst, keep = perm[:q], perm[q:]
            src = keep[torch.randint(len(keep), (q,), generator=g)]
            w2, b2 = weight.clone(), bias.clone()
            w2[dst], b2[dst] = weight[src], bias[src]
            r = rank_from_spectrum(gram_spectrum(tanh_features(w2, b2, x), w), eps)
            dup_rows.append({"seed": s, "q": q, "expected": n - q, "eps_rank": r})
        src = torch.randperm(n, generator=g)[: cfg["near"]["q"]]  # add near_q near-copies: n + near_q neurons
        theta = torch.cat([weight[src], bias[src, None]], dim=1)
        xi = torch.randn(theta.shape, generator=g, dtype=theta.dtype) / math.sqrt(theta.shape[1])
        for delta in cfg["near"]["deltas"]:
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
    hi, lo = cfg["sensitivity"]["eps_decades"]
    return [float(e) for e in np.logspace(hi, lo, (hi - lo) * cfg["sensitivity"]["eps_per_decade"] + 1)]


def _sensitivity(cfg: dict, seed_list: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    node_rows, eps_rows, grid = [], [], eps_grid(cfg)
    rules = {nodes: quadrature((-1.0, 1.0), nodes) for nodes in cfg["sensitivity"]["nodes"]}
    for init in cfg["sensitivity"]["inits"]:
        for s in seed_list:
            model = first_layer(init, cfg["sensitivity"]["width"], s)
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
    width, points = cfg["timing"]["width"], cfg["timing"]["points"]
    if width <= 0 or points <= 0:
        return pd.DataFrame(columns=["method", "device", "width", "points", "seconds", "eps_rank"])
    device = cfg["timing"]["device"]
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


# ---------------------------------------------------------------- units and aggregation

def units(cfg: dict, seed_list: list[int]) -> list[Part]:
    """The chapter's independent parts; the checks with random draws carry their seeds."""
    seeds = tuple(seed_list)
    return [Part("hilbert"), Part("legendre"), Part("duplicates", seeds), Part("sensitivity", seeds),
            Part("timing", seeds[:1])]


def run_unit(unit: Part, cfg: dict) -> object:
    """One part of the chapter: its tables."""
    if unit.name == "hilbert":
        return _hilbert(cfg)
    if unit.name == "legendre":
        return _legendre(cfg)
    if unit.name == "duplicates":
        return _duplicates(cfg, list(unit.seeds))
    if unit.name == "sensitivity":
        return _sensitivity(cfg, list(unit.seeds))
    if unit.name == "timing":
        return _timing(cfg, unit.seeds[0])
    raise ValueError(f"unknown unit {unit.name!r}; valid: {', '.join(UNITS)}")


def aggregate(cfg: dict, seed_list: list[int], results: dict) -> Result:
    """The chapter's tables and metrics from its parts."""
    results = {unit.name: value for unit, value in results.items()}
    hilbert, hranks = results["hilbert"]
    legendre = results["legendre"]
    dups, near, info = results["duplicates"]
    sens_nodes, sens_eps = results["sensitivity"]
    timing = results["timing"]

    above = hilbert[hilbert.exact > 1e-10]
    rank_cols = [c for c in legendre if c.startswith("rank_")]
    n_dup, small, large = cfg["duplicates"]["width"], near[near.delta == near.delta.min()], near[near.delta == near.delta.max()]
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
        "near_duplicates/full_rank": n_dup + cfg["near"]["q"],
        "near_duplicates/eig_slope": _slope(near, cfg["near"]["fit_max"]),
        "sensitivity/float32_max_rank_diff": int((sens_eps.eps_rank - sens_eps.eps_rank_float32).abs().max()),
    }
    for method in ("eigh", "svd"):  # only where some eigenvalue is beyond the method's reach
        if not math.isnan(value := _first_unresolved(hilbert, method)):
            metrics[f"hilbert/{method}_first_unresolved"] = value
    for init in cfg["sensitivity"]["inits"]:
        final = sens_nodes[(sens_nodes.init == init) & (sens_nodes.N == sens_nodes.N.max())].eps_rank
        metrics[f"sensitivity/{init}/n_converged"] = n_converged(sens_nodes, init)
        metrics[f"sensitivity/{init}/eps_rank_mean"] = float(final.mean())
    for r in timing.itertuples():
        metrics[f"time/{r.method}_s"] = float(r.seconds)
    if len(timing):
        metrics["time/svd_over_eigh"] = metrics["time/svd_s"] / metrics["time/eigh_s"]
        metrics["timing/rank_diff"] = int(timing.eps_rank.max() - timing.eps_rank.min())
    return Result(hilbert, hranks, legendre, dups, near, sens_nodes, sens_eps, timing, metrics, dict(cfg))


