r"""Chapter 2 — SFLI at initialization: the ε-rank of the first and the last hidden layer of a deep MLP.

For a net with hidden layers h_1, …, h_L (L = ``depth``) on Ω = [−1, 1]^d, the neuron functions of layer l are
the m post-activations φ_i = (h_l)_i; their Gram matrix M_ij = ∫_Ω φ_i φ_j dx is computed on a tensor
Gauss–Legendre grid and r_ε = #{λ(M) > ε} (``sfli.eps_rank``). Each net is float64.

* SFLI net: every layer Xavier normal with zero bias (the MLP default), then :func:`sfli.init.sfli_` on the first
  layer. Baseline net: EVERY layer initialized by the baseline (our choice; see the chapter).
* ratio to baseline b (one layer): geometric mean over all (activation, d, width, seed) cells of
  max(r_SFLI, 1) / max(r_b, 1); win rate: fraction of (activation, d, width) cells whose seed-mean r_SFLI > r_b.
* γ sweep: the first layer re-drawn with γ = c·γ_default (same directions, offsets and phases) for c on a log grid.
* placement ablation: ``placement="quasi"`` against ``"random"`` on the whole grid (paired by seed).
* hidden-layer ablation: "sfli+b" is SFLI's first layer on a net whose other layers baseline b initializes; its
  ratio to b isolates what the first layer adds (the nets share every layer but the first).

Plots and display tables live in :mod:`sfli.experiments.init_rank_plots` and are re-exported here.
"""
from __future__ import annotations

import functools
import math
import time
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

from .. import profiles
from ..profiles import seeds  # noqa: F401  (part of the chapter's API: exp.seeds(cfg, seed))
from ..activations import family
from ..domain import Box, as_box
from ..eps_rank import DEFAULT_EPS, eps_rank
from ..features import hidden_features
from ..init import BASELINES, METHODS, default_gamma, initialize_, sfli_
from ..nets import MLP
from ..progress import progress
from ..quadrature import quadrature
from .init_rank_plots import (  # noqa: F401  (re-exported: the notebook calls exp.plot_… and exp.…_table)
    losses_table, placement_table, plot_gamma_sweep, plot_neurons_1d, plot_placement, plot_rank_vs_width,
    plot_ratio_heatmap, plot_transitions_2d, ratio_table, transition_table,
)

NAME = "02_sfli_init"
QUASI = "sfli_quasi"  #: the SFLI net with placement="quasi" (the placement ablation)
ON = "sfli+"  #: "sfli+b": SFLI first layer, every other layer initialized by baseline b
RESOLVED_TOL = 0.05  #: a γ-sweep point is resolved if the finer quadrature moves its ranks by ≤ 5 %
FIGURE_METHODS = ["sfli", "xavier_normal", "pytorch_default"]  #: the methods pictured in 1-D and 2-D
_MULTIPLIERS = [float(2.0**k) for k in range(-5, 6)]  # 1/32 … 32

# Settings: activations × dims × widths × n_seeds is the main grid (depth hidden layers, ε = eps); nodes:
# Gauss–Legendre nodes per axis for d = 1, 2, 3; quad_check_*: the largest width recomputed with factor × nodes;
# sfli_on: baselines b whose hidden layers also get an SFLI first layer ("sfli+b"); gamma_*: the γ sweep (its first
# seed recomputed with gamma_check_factor × nodes); figure_*: the 1-D/2-D pictures; transition_width: neurons per
# layer for the hyperplane statistics; device: "cpu", "cuda" or "auto".
CONFIGS: dict[str, dict] = {
    "smoke": {
        "activations": ["tanh", "relu"], "dims": [1, 2], "widths": [16, 32], "depth": 4, "n_seeds": 1,
        "eps": DEFAULT_EPS, "nodes": [256, 24, 12], "baselines": list(BASELINES), "placement": True,
        "quad_check_factor": 1.5, "quad_check_methods": ["sfli"], "sfli_on": ["kaiming_normal"],
        "gamma_activations": ["tanh", "relu"], "gamma_dims": [1], "gamma_width": 32,
        "gamma_multipliers": [0.125, 1.0, 8.0], "gamma_check_factor": 1.5,
        "figure_width": 16, "figure_points": 201, "transition_width": 128, "device": "cpu",
    },
    "ci": {
        "activations": ["tanh", "sin", "relu", "gelu"], "dims": [1, 2, 3], "widths": [16, 32, 64, 128, 256, 512],
        "depth": 4, "n_seeds": 2, "eps": DEFAULT_EPS, "nodes": [2048, 48, 16], "baselines": list(BASELINES),
        "placement": True, "quad_check_factor": 1.5, "quad_check_methods": ["sfli", "kaiming_normal"],
        "sfli_on": ["kaiming_normal"],
        "gamma_activations": ["tanh", "sin", "relu", "gelu"], "gamma_dims": [1, 2], "gamma_width": 128,
        "gamma_multipliers": _MULTIPLIERS, "gamma_check_factor": 1.5,
        "figure_width": 16, "figure_points": 401, "transition_width": 512, "device": "cpu",
    },
    "paper": {
        "activations": ["tanh", "sigmoid", "sin", "relu", "gelu", "gaussian"], "dims": [1, 2, 3],
        "widths": [16, 32, 64, 128, 256, 512, 1024, 2048], "depth": 4, "n_seeds": 10, "eps": DEFAULT_EPS,
        "nodes": [8192, 128, 40], "baselines": list(BASELINES), "placement": True,
        "quad_check_factor": 1.5, "quad_check_methods": ["sfli", "kaiming_normal", "pytorch_default"],
        "sfli_on": ["pytorch_default", "xavier_uniform", "kaiming_uniform", "kaiming_normal", "small_gaussian"],
        "gamma_activations": ["tanh", "sigmoid", "sin", "relu", "gelu", "gaussian"], "gamma_dims": [1, 2, 3],
        "gamma_width": 256, "gamma_multipliers": [float(2.0 ** (k / 2)) for k in range(-10, 11)],
        "gamma_check_factor": 1.5,
        "figure_width": 16, "figure_points": 801, "transition_width": 2048, "device": "auto",
    },
}


def config(profile: str, **overrides) -> dict:
    """Settings of ``profile`` ("smoke", "ci", "paper"), with validated ``overrides``."""
    return profiles.config(CONFIGS, profile, **overrides)


@dataclass
class Result:
    """Tables of the chapter (pandas DataFrames) and the flat ``metrics`` the record stores."""

    ranks: pd.DataFrame  # activation, dim, width, method, seed, first, last  (one row per net)
    ratios: pd.DataFrame  # baseline, first/last _ratio and _win_rate, last_ratio_same_hidden, last_win_rate_same_hidden
    ratios_by_group: pd.DataFrame  # activation, dim, baseline, first_ratio, last_ratio
    gamma: pd.DataFrame  # activation, dim, width, seed, multiplier, gamma, first, last, resolved
    gamma_check: pd.DataFrame  # activation, dim, multiplier, nodes, first, last, nodes_fine, first_fine, last_fine
    placement: pd.DataFrame  # activation, dim, width, seed, first, last (quasi − random), first_rel, last_rel
    quad_check: pd.DataFrame  # activation, dim, width, method, nodes, first, last, nodes_fine, first_fine, last_fine
    neurons: pd.DataFrame  # method, neuron, x, value  (first layer, d = 1, tanh)
    transitions: pd.DataFrame  # method, neuron, w1, w2, b  (first layer, d = 2, tanh)
    transition_stats: pd.DataFrame  # method, dim, inside_fraction, through_center_fraction
    metrics: dict[str, float | int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- nets and their ε-ranks

def generator(*key: object) -> torch.Generator:
    """A torch.Generator seeded by a stable hash (CRC-32) of ``key``, e.g. ("net", "tanh", 2, 64, seed)."""
    return torch.Generator().manual_seed(zlib.crc32("/".join(map(str, key)).encode()))


def domain(dim: int) -> Box:
    """Ω = [−1, 1]^dim."""
    return as_box([(-1.0, 1.0)] * dim)


def build_net(method: str, activation: str, dim: int, width: int, depth: int, seed: int,
              gamma: float | None = None) -> MLP:
    """A float64 MLP (``depth`` hidden layers) initialized by ``method``.

    ``method``: a baseline (every layer); "sfli" (every layer Xavier normal with zero bias, then SFLI on the first);
    "sfli_quasi" (the same with ``placement="quasi"``); "sfli+b" (every layer by baseline b, then SFLI on the first).
    All nets of a cell draw their layers from the generator keyed ("net", activation, dim, width, seed), and every
    SFLI first layer from ("sfli", …): "sfli" and "xavier_normal" (and "sfli+b" and b) differ only in the first layer.
    """
    placement, init = "random", method
    if method in ("sfli", QUASI):
        placement, init = ("quasi" if method == QUASI else "random"), "xavier_normal"
    elif method.startswith(ON):
        init = method[len(ON):]
    if init not in BASELINES:
        valid = [*METHODS, QUASI, *(ON + b for b in BASELINES)]
        raise ValueError(f"unknown method {method!r}; valid: {', '.join(valid)}")
    net = MLP(dim, width, depth, activation=activation, init=init,
              generator=generator("net", activation, dim, width, seed)).double()
    if init != method:
        sfli_(net.first, domain(dim), activation, gamma=gamma, placement=placement,
              generator=generator("sfli", activation, dim, width, seed))
    return net


def layer_ranks(net: nn.Module, x: torch.Tensor, w: torch.Tensor, eps: float) -> tuple[int, int]:
    """(r_ε of the first hidden layer, r_ε of the last hidden layer) on the quadrature (x, w)."""
    feats = hidden_features(net, x)
    return eps_rank(feats["hidden_1"], w, eps), eps_rank(next(reversed(feats.values())), w, eps)


def _device(cfg: dict) -> torch.device:
    name = cfg["device"]
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


@functools.lru_cache(maxsize=16)
def _grid(dim: int, nodes: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Gauss–Legendre points and weights on [−1, 1]^dim, cached (numpy's leggauss is O(n³), 5 s at n = 4096)."""
    x, w = quadrature(domain(dim), nodes)
    return x.to(device), w.to(device)


def _ranks_of(method: str, act: str, dim: int, width: int, seed: int, cfg: dict, grid, device) -> tuple[int, int]:
    net = build_net(method, act, dim, width, cfg["depth"], seed).to(device)
    return layer_ranks(net, *grid, cfg["eps"])


# ---------------------------------------------------------------- the parts of run()

def _main_sweep(cfg: dict, seed_list: list[int], device: torch.device) -> pd.DataFrame:
    methods = ["sfli", *cfg["baselines"], *([QUASI] if cfg["placement"] else []), *(ON + b for b in cfg["sfli_on"])]
    cells = [(a, d, w, s) for a in cfg["activations"] for d in cfg["dims"] for w in cfg["widths"] for s in seed_list]
    grids = {d: _grid(d, cfg["nodes"][d - 1], device) for d in cfg["dims"]}
    rows = []
    for act, dim, width, s in progress(cells, desc="ε-rank sweep"):
        for method in methods:
            first, last = _ranks_of(method, act, dim, width, s, cfg, grids[dim], device)
            rows.append({"activation": act, "dim": dim, "width": width, "method": method, "seed": s,
                         "first": first, "last": last})
    return pd.DataFrame(rows)


def _quad_check(cfg: dict, ranks: pd.DataFrame, seed: int, device: torch.device) -> pd.DataFrame:
    """Ranks at the largest width recomputed with the nodes per axis × ``quad_check_factor``: must barely move."""
    width, rows = max(cfg["widths"]), []
    for dim in cfg["dims"]:
        n = cfg["nodes"][dim - 1]
        n_fine = int(math.ceil(n * cfg["quad_check_factor"]))
        fine = _grid(dim, n_fine, device)
        for act in cfg["activations"]:
            for method in cfg["quad_check_methods"]:
                coarse = ranks[(ranks.activation == act) & (ranks.dim == dim) & (ranks.width == width)
                               & (ranks.method == method) & (ranks.seed == seed)].iloc[0]
                f1, l1 = _ranks_of(method, act, dim, width, seed, cfg, fine, device)
                rows.append({"activation": act, "dim": dim, "width": width, "method": method, "nodes": n,
                             "first": int(coarse["first"]), "last": int(coarse["last"]), "nodes_fine": n_fine,
                             "first_fine": f1, "last_fine": l1})
    return pd.DataFrame(rows)


def reference_gamma(activation: str, width: int, layer: nn.Linear) -> float:
    """The default γ of an SFLI layer: ``default_gamma`` (sigmoidal, periodic, radial), or, for the ReLU family
    (whose γ sfli_ sets from the drawn offsets), the norm of a weight row W_i = γ a_i, |a_i| = 1."""
    if family(activation) == "relu":
        return float(layer.weight.detach()[0].norm())
    return default_gamma(activation, width, domain(layer.in_features))


def _gamma_ranks(cfg: dict, act: str, dim: int, seed: int, grid, device) -> list[dict]:
    width = cfg["gamma_width"]
    net = build_net("sfli", act, dim, width, cfg["depth"], seed)
    g0 = reference_gamma(act, width, net.first)
    net, rows = net.to(device), []
    for c in cfg["gamma_multipliers"]:  # same generator key: same directions, offsets and phases, only γ changes
        sfli_(net.first, domain(dim), act, gamma=c * g0, generator=generator("sfli", act, dim, width, seed))
        first, last = layer_ranks(net, *grid, cfg["eps"])
        rows.append({"activation": act, "dim": dim, "width": width, "seed": seed, "multiplier": c, "gamma": c * g0,
                     "first": first, "last": last})
    return rows


def _gamma_sweep(cfg: dict, seed_list: list[int], device: torch.device) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The γ sweep, and its first seed again on a finer quadrature (× ``gamma_check_factor`` nodes per axis)."""
    rows, check = [], []
    for act in cfg["gamma_activations"]:
        for dim in cfg["gamma_dims"]:
            n = cfg["nodes"][dim - 1]
            n_fine = int(math.ceil(n * cfg["gamma_check_factor"]))
            grid, fine = _grid(dim, n, device), _grid(dim, n_fine, device)
            for s in seed_list:
                rows += _gamma_ranks(cfg, act, dim, s, grid, device)
            for coarse, r in zip(rows[-len(seed_list) * len(cfg["gamma_multipliers"]):],
                                 _gamma_ranks(cfg, act, dim, seed_list[0], fine, device)):
                check.append({"activation": act, "dim": dim, "multiplier": r["multiplier"], "nodes": n,
                              "first": coarse["first"], "last": coarse["last"], "nodes_fine": n_fine,
                              "first_fine": r["first"], "last_fine": r["last"]})
    gamma, check = pd.DataFrame(rows), pd.DataFrame(check)
    change = np.maximum((check.first_fine - check["first"]).abs() / check.first_fine.clip(lower=1),
                        (check.last_fine - check["last"]).abs() / check.last_fine.clip(lower=1))
    check["resolved"] = change <= RESOLVED_TOL
    gamma = gamma.merge(check[["activation", "dim", "multiplier", "resolved"]], on=["activation", "dim", "multiplier"])
    return gamma, check


def _figure_layers(cfg: dict, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """First-layer neuron functions in 1-D and transition lines in 2-D (tanh, width ``figure_width``)."""
    width, neuron_rows, line_rows, ranks = cfg["figure_width"], [], [], {}
    x = torch.linspace(-1.0, 1.0, cfg["figure_points"], dtype=torch.float64)[:, None]
    xq, wq = _grid(1, cfg["nodes"][0], torch.device("cpu"))
    for method in FIGURE_METHODS:
        first = build_net(method, "tanh", 1, width, cfg["depth"], seed).first
        with torch.no_grad():
            phi, phi_q = torch.tanh(first(x)), torch.tanh(first(xq))
        ranks[method] = eps_rank(phi_q, wq, cfg["eps"])
        neuron_rows += [{"method": method, "neuron": i, "x": float(x[k, 0]), "value": float(phi[k, i])}
                        for i in range(width) for k in range(len(x))]
        layer = build_net(method, "tanh", 2, width, cfg["depth"], seed).first
        wt, b = layer.weight.detach(), layer.bias.detach()
        line_rows += [{"method": method, "neuron": i, "w1": float(wt[i, 0]), "w2": float(wt[i, 1]), "b": float(b[i])}
                      for i in range(width)]
    return pd.DataFrame(neuron_rows), pd.DataFrame(line_rows), ranks


def meets_box(weight: torch.Tensor, bias: torch.Tensor, box: Box) -> torch.Tensor:
    """Whether each hyperplane {W_i·x + b_i = 0} cuts the box: min and max of W_i·x + b_i over Ω have opposite signs.

    On a box, min/max of an affine function are W_i·x_c + b_i ∓ Σ_k |W_ik| h_k (x_c the centre, h the half-widths).
    """
    center = torch.tensor(box.center, dtype=weight.dtype)
    half = torch.tensor(box.half_widths, dtype=weight.dtype)
    mid, spread = weight @ center + bias, weight.abs() @ half
    return (mid - spread < 0) & (mid + spread > 0)


def _transition_stats(cfg: dict, seed_list: list[int]) -> pd.DataFrame:
    width, rows = cfg["transition_width"], []
    for method in ["sfli", *cfg["baselines"]]:
        for dim in (1, 2, 3):
            inside, center = [], []
            for s in seed_list:
                layer = nn.Linear(dim, width).double()
                initialize_(layer, method, domain=domain(dim), activation="tanh",
                            generator=generator("transitions", method, dim, s))
                wt, b = layer.weight.detach(), layer.bias.detach()
                inside.append(meets_box(wt, b, domain(dim)).double().mean().item())
                center.append((b.abs() <= 1e-12 * wt.norm(dim=1)).double().mean().item())
            rows.append({"method": method, "dim": dim, "inside_fraction": float(np.mean(inside)),
                         "through_center_fraction": float(np.mean(center))})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- summaries and metrics

def log_ratio(ranks: pd.DataFrame, num: str, den: str, layer: str) -> pd.Series:
    """log(max(r_num, 1) / max(r_den, 1)) per (activation, dim, width, seed) cell, indexed by the cell."""
    r = ranks.pivot_table(index=["activation", "dim", "width", "seed"], columns="method", values=layer)
    return np.log(r[num].clip(lower=1)) - np.log(r[den].clip(lower=1))


def win_rate(ranks: pd.DataFrame, num: str, den: str, layer: str) -> float:
    """Fraction of (activation, dim, width) cells where the seed-mean rank of ``num`` is strictly above ``den``'s."""
    means = ranks.pivot_table(index=["activation", "dim", "width"], columns="method", values=layer, aggfunc="mean")
    return float((means[num] > means[den]).mean())


def ratio_tables(ranks: pd.DataFrame, baselines: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per baseline: geometric-mean ratio and win rate, first and last layer (also with the same hidden layers,
    where measured); and the ratios per (activation, dim)."""
    methods, rows, group_rows = set(ranks.method), [], []
    for b in baselines:
        row: dict[str, object] = {"baseline": b}
        for layer in ("first", "last"):
            row[f"{layer}_ratio"] = float(np.exp(log_ratio(ranks, "sfli", b, layer).mean()))
            row[f"{layer}_win_rate"] = win_rate(ranks, "sfli", b, layer)
        same = "sfli" if b == "xavier_normal" else ON + b
        row["last_ratio_same_hidden"] = (float(np.exp(log_ratio(ranks, same, b, "last").mean()))
                                         if same in methods else math.nan)
        row["last_win_rate_same_hidden"] = win_rate(ranks, same, b, "last") if same in methods else math.nan
        rows.append(row)
        per = {layer: np.exp(log_ratio(ranks, "sfli", b, layer).groupby(["activation", "dim"]).mean())
               for layer in ("first", "last")}
        group_rows += [{"activation": a, "dim": d, "baseline": b, "first_ratio": float(v),
                        "last_ratio": float(per["last"][(a, d)])} for (a, d), v in per["first"].items()]
    return pd.DataFrame(rows), pd.DataFrame(group_rows)


def placement_differences(ranks: pd.DataFrame) -> pd.DataFrame:
    """r(quasi) − r(random) and its relative size (r(quasi) − r(random)) / max(r(random), 1) per
    (activation, dim, width, seed), first and last layer (paired nets)."""
    key = ["activation", "dim", "width", "seed"]
    quasi = ranks[ranks.method == QUASI].set_index(key)[["first", "last"]]
    rand = ranks[ranks.method == "sfli"].set_index(key)[["first", "last"]].loc[quasi.index]
    diff = quasi - rand
    rel = (diff / rand.clip(lower=1)).add_suffix("_rel")
    return pd.concat([diff, rel], axis=1).reset_index()


def best_multiplier(gamma: pd.DataFrame, activation: str, layer: str) -> float:
    """The multiplier c of the largest mean (over dims and seeds) rank among the resolved ones (all if none is);
    among ties the one nearest c = 1 (in log)."""
    g = gamma[gamma.activation == activation]
    ok = g.groupby("multiplier").resolved.all()
    mean = g.groupby("multiplier")[layer].mean()
    mean = mean[ok] if ok.any() else mean
    best = mean[mean == mean.max()].index.to_numpy()
    return float(best[np.argmin(np.abs(np.log(best)))])


def _metrics(res: Result, cfg: dict, fig_ranks: dict[str, int]) -> dict[str, float | int]:
    m: dict[str, float | int] = {}
    for row in res.ratios.to_dict("records"):
        b = row["baseline"]
        for layer in ("first", "last"):
            m[f"{layer}_layer_ratio/{b}"] = row[f"{layer}_ratio"]
            m[f"{layer}_layer_win_rate/{b}"] = row[f"{layer}_win_rate"]
        if not math.isnan(row["last_ratio_same_hidden"]):
            m[f"same_hidden/last_layer_ratio/{b}"] = row["last_ratio_same_hidden"]
            m[f"same_hidden/last_layer_win_rate/{b}"] = row["last_win_rate_same_hidden"]
    for b in cfg["baselines"]:
        for layer in ("first", "last"):
            for act, v in np.exp(log_ratio(res.ranks, "sfli", b, layer).groupby("activation").mean()).items():
                m[f"{layer}_layer_ratio/{act}/{b}"] = float(v)
    sfli = res.ranks[res.ranks.method == "sfli"].groupby(["activation", "dim", "width"])["first"].mean()
    m["sfli_first_layer_full_rank_fraction"] = float((sfli == sfli.index.get_level_values("width")).mean())
    full = res.ranks[res.ranks.width == max(cfg["widths"])]
    for method, v in full.groupby("method")[["first", "last"]].mean().iterrows():
        m[f"rank_at_max_width/first/{method}"] = float(v["first"])
        m[f"rank_at_max_width/last/{method}"] = float(v["last"])
    if len(res.placement):
        for layer in ("first", "last"):
            m[f"placement/quasi_minus_random/{layer}"] = float(res.placement[layer].mean())
            m[f"placement/quasi_minus_random_rel/{layer}"] = float(res.placement[f"{layer}_rel"].mean())
            for dim, v in res.placement.groupby("dim")[layer].mean().items():
                m[f"placement/quasi_minus_random/{layer}/d{dim}"] = float(v)
            for dim, v in res.placement.groupby("dim")[f"{layer}_rel"].mean().items():
                m[f"placement/quasi_minus_random_rel/{layer}/d{dim}"] = float(v)
    for act in cfg["gamma_activations"]:
        mean = res.gamma[res.gamma.activation == act].groupby("multiplier")[["first", "last"]].mean()
        for layer in ("first", "last"):
            m[f"gamma_sweep/best_multiplier/{act}/{layer}"] = best_multiplier(res.gamma, act, layer)
            if 1.0 in mean.index:
                m[f"gamma_sweep/default_over_max/{act}/{layer}"] = float(mean.loc[1.0, layer] / mean[layer].max())
    m["gamma_sweep/resolved_fraction"] = float(res.gamma_check.resolved.mean())
    qc = res.quad_check
    for kind in ("first", "last"):
        qc = qc.assign(**{f"d_{kind}": (qc[f"{kind}_fine"] - qc[kind]).abs()})
    m["quadrature_check/max_abs_change"] = int(max(qc.d_first.max(), qc.d_last.max()))
    m["quadrature_check/max_rel_change"] = float(max((qc.d_first / qc.first_fine.clip(lower=1)).max(),
                                                     (qc.d_last / qc.last_fine.clip(lower=1)).max()))
    stats = res.transition_stats.groupby("method")[["inside_fraction", "through_center_fraction"]].mean()
    for method, row in stats.iterrows():
        m[f"transitions/inside_fraction/{method}"] = float(row.inside_fraction)
        m[f"transitions/through_center_fraction/{method}"] = float(row.through_center_fraction)
    for method, r in fig_ranks.items():
        m[f"neurons_1d/first_rank/{method}"] = r
    m["n_nets"] = int(len(res.ranks) + len(res.gamma) + len(res.gamma_check) + len(res.quad_check))
    m.update({f"time/{k}_s": round(v, 3) for k, v in res.timings.items()})
    return m


def run(cfg: dict, seed: int = 0) -> Result:
    """Every table and metric of the chapter for the settings ``cfg`` and the seeds ``seeds(cfg, seed)``."""
    seed_list, device, t = seeds(cfg, seed), _device(cfg), {}
    start = mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        t[name], mark = time.perf_counter() - mark, time.perf_counter()

    ranks = _main_sweep(cfg, seed_list, device)
    lap("sweep")
    quad = _quad_check(cfg, ranks, seed, device)
    lap("quad_check")
    gamma, gamma_check = _gamma_sweep(cfg, seed_list, device)
    lap("gamma_sweep")
    neurons, lines, fig_ranks = _figure_layers(cfg, seed)
    stats = _transition_stats(cfg, seed_list)
    ratios, by_group = ratio_tables(ranks, cfg["baselines"])
    placement = (placement_differences(ranks) if cfg["placement"]
                 else pd.DataFrame(columns=["first", "last", "first_rel", "last_rel"]))
    lap("other")
    t["total"] = time.perf_counter() - start
    res = Result(ranks, ratios, by_group, gamma, gamma_check, placement, quad, neurons, lines, stats, timings=t)
    res.metrics = _metrics(res, cfg, fig_ranks)
    return res
