r"""Chapter 4 — condensation at initial training under small initialization (Zhou, Zhou, Luo, Zhang, Xu,
arXiv:2105.11686), experiments C1 (5-D, six activations), C5 (1-D output vs polynomial fits) and the bridge to
the book: the ε-rank of the first layer through the condensation run, against common initialization and SFLI,
and a scale sweep γ.

Two-layer nets d–m–1 with biases, every parameter ~ N(0, var) (a VARIANCE): "small" var = ``small_std``² (the
paper's 0.005²), "common" var = 1/m, "gamma" var = m^(−γ) (:func:`sfli.init.small_gaussian_`). Full-batch Adam on
the mean squared error, float32, a small loop of our own (the points are fixed samples, no quadrature error needed).
Orientations are counted by :func:`count_orientations`. Plots are in :mod:`condensation_plots`.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

from .. import profiles
from ..train import torch_threads
from ..eps_rank import DEFAULT_EPS, gram_spectrum, rank_from_spectrum
from ..init import sfli_, small_gaussian_
from ..profiles import seeds  # noqa: F401  (part of the chapter's API)
from ..quadrature import quadrature
from .condensation_acts import ACTS, PAPER_P, Act, multiplicity
from .init_rank import generator
from .condensation_plots import (  # noqa: F401  (re-exported)
    count_table, plot_c1_heatmaps, plot_c5, plot_ranks, plot_sweep,
)

NAME = "04_condensation"
C1_BOX = [(-4.0, 2.0)] * 5
C5_BOX = [(-1.0, 1.5)]
SFLI_ACTS = ("tanh", "sigmoid", "relu", "softplus")  # activations sfli.init.sfli_ supports

_BASE = {"activations": list(ACTS), "n_train": 80, "width": 50, "small_std": 0.005, "lr": 1e-3, "epochs": 100,
         "cos_threshold": 0.9, "min_share": 0.05, "thresholds_extra": [0.8, 0.95], "quadrature_n": 2048, "eps": DEFAULT_EPS,
         "c5": True, "c5_activations": ["tanh", "xtanh", "x2tanh", "relu"], "c5_n_train": 40, "c5_width": 100,
         "c5_lr": 5e-4, "c5_epochs": 1000, "c5_degrees": [1, 2, 3],
         "gammas": [0.5, 1.0, 2.0, 3.0, 4.0], "sweep_activations": ["tanh", "x2tanh"], "threads": 1}
# Settings [paper unless noted]. C1: n_train points of U(C1_BOX), d–width–1 nets, small_std (var small_std²),
# Adam at lr for `epochs` full-batch steps. Counting [ours]: greedy clusters of normalized (w, b) with
# cos ≥ cos_threshold holding ≥ min_share of the neurons (also counted at thresholds_extra: sensitivity). ε-ranks [ours]: quadrature_n Sobol points of the box,
# neurons normalized to unit L² norm first. C5: 1-D. gammas: var = m^(−γ) sweep [ours]. threads: torch threads.
CONFIGS: dict[str, dict] = {
    "smoke": {**_BASE, "n_seeds": 2, "activations": ["tanh", "xtanh"], "quadrature_n": 256, "c5_epochs": 100,
              "c5_activations": ["tanh", "relu"], "gammas": [1.0, 3.0], "sweep_activations": ["tanh"]},
    "ci": {**_BASE, "n_seeds": 5},
    "paper": {**_BASE, "n_seeds": 20, "quadrature_n": 8192, "gammas": [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0],
              "sweep_activations": list(ACTS), "threads": 0},
}


def config(profile: str, **overrides) -> dict:
    """Settings of ``profile`` ("smoke", "ci", "paper"), with validated ``overrides``."""
    return profiles.config(CONFIGS, profile, **overrides)


@dataclass
class Result:
    """Tables of the chapter and the flat ``metrics`` the record stores."""

    counts: pd.DataFrame  # experiment, activation, init, gamma, seed, step, directions, lines, share, eps_rank…
    weights: dict  # (activation, init) -> normalized input weights (m×(d+1)) at the last epoch, first seed
    c5: pd.DataFrame  # activation, seed, x, y (net output at c5_epochs), target, fit_1, fit_2, fit_3
    c5_fits: pd.DataFrame  # activation, seed, degree, rel_error
    metrics: dict[str, float | int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    cfg: dict = field(default_factory=dict)


# ---------------------------------------------------------------- the statistic

def normalized_input_weights(first: nn.Linear) -> np.ndarray:
    """Rows (w_j, b_j)/‖(w_j, b_j)‖ of the first layer (float64)."""
    w = torch.cat([first.weight.detach(), first.bias.detach()[:, None]], 1).double().cpu().numpy()
    return w / np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-300)


def count_orientations(u: np.ndarray, threshold: float = 0.9, min_share: float = 0.05) -> dict[str, float]:
    """Count condensed orientations of unit rows ``u``: greedily take the row with the most rows at cosine
    ≥ ``threshold`` among those left, make them a cluster, repeat; clusters of ≥ ``min_share`` of the rows
    are orientations. Lines: orientations merged with an opposite one (mean directions at cosine ≤ −threshold).
    Returns directions, lines, share (fraction of rows in counted clusters)."""
    u = np.asarray(u, dtype=float)
    m = len(u)
    cos = u @ u.T
    left, clusters = np.ones(m, bool), []
    while left.any():
        near = (cos >= threshold) & left[None, :] & left[:, None]
        counts = near.sum(1)
        j = int(np.argmax(counts))
        members = np.flatnonzero(near[j])
        clusters.append(members)
        left[members] = False
    big = [c for c in clusters if len(c) >= max(2, math.ceil(min_share * m))]
    means = [u[c].mean(0) / np.linalg.norm(u[c].mean(0)) for c in big]
    paired, lines = set(), 0
    for i in range(len(means)):
        if i in paired:
            continue
        lines += 1
        for k in range(i + 1, len(means)):
            if k not in paired and means[i] @ means[k] <= -threshold:
                paired.add(k)
                break
    return {"directions": len(big), "lines": lines, "share": sum(len(c) for c in big) / m}


def order_neurons(u: np.ndarray) -> np.ndarray:
    """Order for the heat map: leaves of an average-linkage clustering on the distance 1 − cos."""
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    d = np.clip(1.0 - u @ u.T, 0.0, 2.0)
    np.fill_diagonal(d, 0.0)
    return leaves_list(linkage(squareform(d, checks=False), "average"))


def normalized_eps_rank(first: nn.Linear, act: str, x: torch.Tensor, w: torch.Tensor, eps: float) -> int:
    """ε-rank of the first-layer neurons σ(w_j·x + b_j), each scaled to unit L² norm on the quadrature [ours:
    small weights make every raw neuron tiny, so the raw ε-rank would only measure the scale]."""
    with torch.no_grad():
        f = ACTS[act](first(x.to(first.weight.dtype))).double()
    f = f - 0.0
    n = torch.sqrt((w[:, None] * f ** 2).sum(0) / w.sum()).clamp_min(1e-300)
    return rank_from_spectrum(gram_spectrum(f / n, w / w.sum()), eps)


# ---------------------------------------------------------------- nets and training

def build(d: int, m: int, act: str, init: str, cfg: dict, seed: int, gamma: float = 1.0, box=None) -> nn.Sequential:
    g = generator("cond", d, m, act, seed)
    net = nn.Sequential(nn.Linear(d, m), Act(act), nn.Linear(m, 1))
    for lin in (net[0], net[2]):
        if init == "small":
            for p in lin.parameters():
                nn.init.normal_(p, 0.0, cfg["small_std"], generator=g)
        elif init == "common":
            small_gaussian_(lin, gamma=1.0, m=m, generator=g)
        elif init == "gamma":
            small_gaussian_(lin, gamma=gamma, m=m, generator=g)
        elif init == "sfli":
            small_gaussian_(lin, gamma=1.0, m=m, generator=g)
        else:
            raise ValueError(f"unknown init {init!r}; valid: small, common, gamma, sfli")
    if init == "sfli":
        sfli_(net[0], box, act, generator=g)
    return net


def train(net: nn.Sequential, x: torch.Tensor, y: torch.Tensor, lr: float, epochs: int, snap=None) -> list[float]:
    """Full-batch Adam on the MSE for ``epochs`` steps; ``snap(step, net)`` is called at steps 0..epochs."""
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    losses = []
    for step in range(epochs + 1):
        opt.zero_grad(set_to_none=True)
        loss = ((net(x) - y) ** 2).mean()
        losses.append(float(loss.detach()))
        if snap is not None:
            snap(step, net)
        if step < epochs:
            loss.backward()
            opt.step()
    return losses


def c1_data(cfg: dict, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = -4.0 + 6.0 * torch.rand(cfg["n_train"], 5, generator=g)
    return x, c1_target(x)


def c1_target(x: torch.Tensor) -> torch.Tensor:
    return (3.5 * torch.sin(5 * x + 1)).sum(1, keepdim=True)


def c5_target(x: torch.Tensor) -> torch.Tensor:
    return torch.sin(3 * x) + torch.sin(6 * x) / 2




def _c1_run(act, init, cfg, seed, xq, wq, gamma=math.nan, record=True):
    x, y = c1_data(cfg, seed)
    net = build(5, cfg["width"], act, init, cfg, seed, gamma=gamma, box=C1_BOX)
    rows, rec = [], {0, cfg["epochs"] // 4, cfg["epochs"] // 2, cfg["epochs"]}

    def snap(step, n):
        if step in rec:
            u = normalized_input_weights(n[0])
            c = count_orientations(u, cfg["cos_threshold"], cfg["min_share"])
            for thr in cfg["thresholds_extra"]:
                c[f"directions_t{thr:g}"] = count_orientations(u, thr, cfg["min_share"])["directions"]
            rows.append({"experiment": "sweep" if init == "gamma" else "c1", "activation": act, "init": init,
                         "gamma": gamma, "seed": seed, "step": step, **c,
                         "eps_rank": normalized_eps_rank(n[0], act, xq, wq, cfg["eps"]) if record else -1})
    losses = train(net, x, y, cfg["lr"], cfg["epochs"], snap)
    for r in rows:
        r["loss"] = losses[r["step"]]
    return rows, normalized_input_weights(net[0])


def _c5(cfg, seed_list):
    rows, fits = [], []
    for act in cfg["c5_activations"]:
        for s in seed_list:
            g = torch.Generator().manual_seed(s)
            x = -1.0 + 2.5 * torch.rand(cfg["c5_n_train"], 1, generator=g)
            net = build(1, cfg["c5_width"], act, "small", cfg, s)
            train(net, x, c5_target(x), cfg["c5_lr"], cfg["c5_epochs"])
            xs = torch.linspace(-1.0, 1.5, 101)[:, None]
            with torch.no_grad():
                out = net(xs)[:, 0].double().numpy()
            row = {"activation": act, "seed": s, "x": xs[:, 0].numpy(), "y": out,
                   "target": c5_target(xs)[:, 0].numpy()}
            scale = np.sqrt(np.mean((out - out.mean()) ** 2)) or 1.0
            for deg in cfg["c5_degrees"]:
                coef = np.polyfit(xs[:, 0].numpy(), out, deg)
                fit = np.polyval(coef, xs[:, 0].numpy())
                row[f"fit_{deg}"] = fit
                fits.append({"activation": act, "seed": s, "degree": deg,
                             "rel_error": float(np.sqrt(np.mean((out - fit) ** 2)) / scale)})
            rows.append(row)
    return pd.DataFrame(rows), pd.DataFrame(fits)


def run(cfg: dict, seed: int = 0) -> Result:
    """Every table and metric of the chapter for the settings ``cfg`` and the seeds ``seeds(cfg, seed)``."""
    seed_list, t = seeds(cfg, seed), {}
    start = time.perf_counter()
    xq, wq = quadrature(C1_BOX, cfg["quadrature_n"], rule="qmc")
    rows, weights = [], {}
    with torch_threads(cfg["threads"]):
        for act in cfg["activations"]:
            inits = ["small", "common"] + (["sfli"] if act in SFLI_ACTS else [])
            for init in inits:
                for s in seed_list:
                    r, u = _c1_run(act, init, cfg, s, xq, wq)
                    rows += r
                    if s == seed_list[0]:
                        weights[(act, init)] = u
        t["c1"] = time.perf_counter() - start
        mark = time.perf_counter()
        for act in cfg["sweep_activations"]:
            for gam in cfg["gammas"]:
                for s in seed_list:
                    rows += _c1_run(act, "gamma", cfg, s, xq, wq, gamma=float(gam))[0]
        t["sweep"] = time.perf_counter() - mark
        mark = time.perf_counter()
        c5, c5_fits = _c5(cfg, seed_list) if cfg["c5"] else (pd.DataFrame(), pd.DataFrame())
        t["c5"] = time.perf_counter() - mark
    t["total"] = time.perf_counter() - start
    res = Result(pd.DataFrame(rows), weights, c5, c5_fits, timings=t, cfg=cfg)
    res.metrics = metrics(res, cfg)
    return res


def metrics(res: Result, cfg: dict) -> dict[str, float | int]:
    """Flat metrics: per activation at the last epoch (mean/min/max over seeds) and the C5 fit errors."""
    m: dict[str, float | int] = {}
    df = res.counts
    last = df[df.step == cfg["epochs"]]
    for act in cfg["activations"]:
        p = PAPER_P[act]
        m[f"multiplicity/{act}"] = multiplicity(act) or 0
        for init in ("small", "common", "sfli"):
            d = last[(last.experiment == "c1") & (last.activation == act) & (last.init == init)]
            if d.empty:
                continue
            for col in ("directions", "lines", "share", "eps_rank"):
                m[f"c1/{act}/{init}/{col}_mean"] = float(d[col].mean())
                if col in ("directions", "eps_rank"):
                    m[f"c1/{act}/{init}/{col}_min"] = int(d[col].min())
                    m[f"c1/{act}/{init}/{col}_max"] = int(d[col].max())
            for thr in cfg["thresholds_extra"]:
                m[f"c1/{act}/{init}/directions_t{thr:g}_mean"] = float(d[f"directions_t{thr:g}"].mean())
            if p is not None:
                m[f"c1/{act}/{init}/frac_at_most_2p"] = float((d.directions <= 2 * p).mean())
                m[f"c1/{act}/{init}/frac_equal_2p"] = float((d.directions == 2 * p).mean())
        d0 = df[(df.experiment == "c1") & (df.activation == act) & (df.init == "small") & (df.step == 0)]
        m[f"c1/{act}/small/eps_rank_0_mean"] = float(d0.eps_rank.mean())
    sw = last[last.experiment == "sweep"]
    for (act, gam), d in sw.groupby(["activation", "gamma"]):
        m[f"sweep/{act}/gamma_{gam:g}/directions_mean"] = float(d.directions.mean())
        m[f"sweep/{act}/gamma_{gam:g}/eps_rank_mean"] = float(d.eps_rank.mean())
    if not res.c5_fits.empty:
        for (act, deg), d in res.c5_fits.groupby(["activation", "degree"]):
            m[f"c5/{act}/fit_{deg}/rel_error_mean"] = float(d.rel_error.mean())
            m[f"c5/{act}/fit_{deg}/rel_error_max"] = float(d.rel_error.max())
    m["seconds_total"] = res.timings.get("total", math.nan)
    return m
