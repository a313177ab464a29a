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

from .. import profiles
from ..eps_rank import DEFAULT_EPS
from ..profiles import seeds  # noqa: F401  (part of the chapter's API)
from ..quadrature import quadrature
from ..train import torch_threads
from . import condensation_variants as var
from .condensation_acts import ACTS, LABELS, PAPER_P, multiplicity
from .condensation_core import (  # noqa: F401  (re-exported: the chapter's API)
    build, c1_data, c1_target, c5_target, count_orientations, input_weights, normalized_eps_rank,
    normalized_input_weights, order_neurons, train,
)
from .condensation_plots import (  # noqa: F401  (re-exported)
    count_table, plot_c1_heatmaps, plot_c2, plot_c5, plot_c6, plot_heatmap_row, plot_ranks, plot_sweep, sensitivity_table, variants_table,
)

NAME = "04_condensation"
C1_BOX = [(-4.0, 2.0)] * 5
C5_BOX = [(-1.0, 1.5)]
SFLI_ACTS = ("tanh", "sigmoid", "relu", "softplus")  # activations sfli.init.sfli_ supports

_BASE = {"activations": list(ACTS), "n_train": 80, "width": 50, "small_std": 0.005, "lr": 1e-3, "epochs": 100,
         "cos_threshold": 0.9, "min_share": 0.05, "thresholds_extra": [0.8, 0.95], "quadrature_n": 2048, "eps": DEFAULT_EPS,
         "c5": True, "c5_activations": ["tanh", "xtanh", "x2tanh", "relu"], "c5_n_train": 40, "c5_width": 100,
         "c5_lr": 5e-4, "c5_epochs": 1000, "c5_degrees": [1, 2, 3],
         "gammas": [0.5, 1.0, 2.0, 3.0, 4.0], "sweep_activations": ["tanh", "x2tanh"], "threads": 1,
         "c2": True, "c2_activations": ["x2tanh", "xtanh", "sigmoid", "tanh", "softplus"],
         "c2_epochs": [1000, 900, 900, 1400, 1400], "c2_width": 18, "c2_std": 0.01, "c2_lr": 4e-5,
         "c3": True, "c3_frequency": 2.0, "c3_activation": "x2tanh", "c3_min_norm": 0.04,
         "c4": True, "c4_dataset": "digits", "c4_n": 0, "c4_width": 30, "c4_std": 0.001, "c4_lr": 5e-5,
         "c4_epochs": 100, "c4_activation": "x2tanh",
         "c6_epoch": 200, "c6_cos_threshold": 0.95,
         "lr_activations": ["relu", "sigmoid", "softplus"], "lr_alternatives": [2.5e-4, 8e-4],
         "epochs_activations": ["xtanh", "x2tanh"], "epochs_alternatives": [300, 1000]}
# Settings [paper unless noted]. C1: n_train points of U(C1_BOX), d–width–1 nets, small_std (var small_std²),
# Adam at lr for `epochs` full-batch steps. Counting [ours]: greedy clusters of normalized (w, b) with
# cos ≥ cos_threshold holding ≥ min_share of the neurons (also counted at thresholds_extra: sensitivity). ε-ranks [ours]: quadrature_n Sobol points of the box,
# neurons normalized to unit L² norm first. C5: 1-D. gammas: var = m^(−γ) sweep [ours]. threads: torch threads.
# C2: residual 3–18×5–1 net, layer l has c2_activations[l] and is counted at c2_epochs[l], all parameters
# N(0, c2_std²). C3: C1's x²·tanh on sin(2x_k + 1), neurons of norm < c3_min_norm dropped. C4: c4_dataset ("digits"
# ships with scikit-learn [ours: the ci stand-in]; "mnist" downloads, paper profile), first c4_n samples (0: all).
# C6: the C5 nets' (w, b) at c6_epoch, lines counted at c6_cos_threshold [ours: the 2-D plane needs a tighter one].
# lr_*: C1 again at the paper's two other learning rates for ReLU/sigmoid/softplus (which gets which is ambiguous).
# epochs_*: C1 trained longer for the activations whose count exceeds 2p [ours: is epoch 100 too early?].
CONFIGS: dict[str, dict] = {
    "smoke": {**_BASE, "n_seeds": 2, "activations": ["tanh", "xtanh"], "quadrature_n": 256, "c5_epochs": 100,
              "c5_activations": ["tanh", "relu"], "gammas": [1.0, 3.0], "sweep_activations": ["tanh"],
              "c2_epochs": [200, 180, 180, 280, 280], "c2_lr": 2e-4, "c4_epochs": 50, "c6_epoch": 50},
    "ci": {**_BASE, "n_seeds": 5},
    "paper": {**_BASE, "n_seeds": 20, "quadrature_n": 8192, "gammas": [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0],
              "sweep_activations": list(ACTS), "threads": 0, "c4_dataset": "mnist", "c4_n": 60000},
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
    variants: pd.DataFrame = field(default_factory=pd.DataFrame)  # C2 (per layer), C3, C4 and C6 counts
    c6: dict = field(default_factory=dict)  # activation -> {"weights": m×2 (w, b), "signs": m, "x", "y", "lines"}
    c4_weights: np.ndarray | None = None  # normalized input weights of the first seed's C4 net
    c4_data: str = ""  # what C4 ran on
    c2_weights: dict = field(default_factory=dict)  # layer -> normalized input weights at its epoch, first seed
    metrics: dict[str, float | int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    cfg: dict = field(default_factory=dict)



def _c1_run(act, init, cfg, seed, xq, wq, gamma=math.nan, record=True, experiment=None):
    x, y = c1_data(cfg, seed)
    net = build(5, cfg["width"], act, init, cfg, seed, gamma=gamma, box=C1_BOX)
    rows, rec = [], {0, cfg["epochs"] // 4, cfg["epochs"] // 2, cfg["epochs"]}

    def snap(step, n):
        if step in rec:
            u = normalized_input_weights(n[0])
            c = count_orientations(u, cfg["cos_threshold"], cfg["min_share"])
            for thr in cfg["thresholds_extra"]:
                c[f"directions_t{thr:g}"] = count_orientations(u, thr, cfg["min_share"])["directions"]
            rows.append({"experiment": experiment or ("sweep" if init == "gamma" else "c1"), "activation": act,
                         "init": init, "gamma": gamma, "lr": cfg["lr"], "epochs": cfg["epochs"], "seed": seed, "step": step, **c,
                         "eps_rank": normalized_eps_rank(n[0], act, xq, wq, cfg["eps"]) if record else -1})
    losses = train(net, x, y, cfg["lr"], cfg["epochs"], snap)
    for r in rows:
        r["loss"] = losses[r["step"]]
    return rows, normalized_input_weights(net[0])


def _c5(cfg, seed_list):
    """C5 output fits, and (C6) each net's (w, b) at ``c6_epoch`` with the lines of the initial field."""
    rows, fits, c6_rows, c6 = [], [], [], {}
    for act in cfg["c5_activations"]:
        for s in seed_list:
            g = torch.Generator().manual_seed(s)
            x = -1.0 + 2.5 * torch.rand(cfg["c5_n_train"], 1, generator=g)
            net = build(1, cfg["c5_width"], act, "small", cfg, s)
            snaps = {}

            def snap(step, n, snaps=snaps):
                if step == cfg["c6_epoch"]:
                    snaps[step] = (input_weights(n[0]), n[2].weight.detach()[0].numpy().copy())
            train(net, x, c5_target(x), cfg["c5_lr"], cfg["c5_epochs"], snap)
            if cfg["c6_epoch"] in snaps:
                w_end, a_end = snaps[cfg["c6_epoch"]]
                residual = c5_target(x)  # the initial stage: f ≈ 0
                lines = var.field_lines(act, x, residual, var.radius_of(w_end))
                c6_rows.append({"experiment": "c6", "activation": act, "seed": s, "step": cfg["c6_epoch"],
                                "field_lines": len(lines), "lines": var.neuron_lines(w_end, cfg)})
                if s == seed_list[0]:
                    c6[act] = {"weights": w_end, "signs": np.sign(a_end), "x": x, "residual": residual,
                               "lines": lines}
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
    return pd.DataFrame(rows), pd.DataFrame(fits), c6_rows, c6


def run(cfg: dict, seed: int = 0) -> Result:
    """Every table and metric of the chapter for the settings ``cfg`` and the seeds ``seeds(cfg, seed)``."""
    if cfg["c5"] and not 0 < cfg["c6_epoch"] <= cfg["c5_epochs"]:
        raise ValueError(f"c6_epoch must be in 1..c5_epochs = {cfg['c5_epochs']}, got {cfg['c6_epoch']}")
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
        for act in (a for a in cfg["lr_activations"] if a in cfg["activations"]):
            for lr in cfg["lr_alternatives"]:
                for s in seed_list:
                    rows += _c1_run(act, "small", {**cfg, "lr": lr}, s, xq, wq, experiment="lr")[0]
        for act in (a for a in cfg["epochs_activations"] if a in cfg["activations"]):
            for epochs in cfg["epochs_alternatives"]:
                for s in seed_list:
                    rows += _c1_run(act, "small", {**cfg, "epochs": epochs}, s, xq, wq, record=False,
                                    experiment="epochs")[0]
        t["sweep"] = time.perf_counter() - mark
        mark = time.perf_counter()
        c5, c5_fits, variants, c6 = _c5(cfg, seed_list) if cfg["c5"] else (pd.DataFrame(), pd.DataFrame(), [], {})
        t["c5_c6"] = time.perf_counter() - mark
        mark = time.perf_counter()
        c2_weights = {}
        for s in seed_list:
            if cfg["c2"]:
                r, u = var.run_c2(cfg, s)
                variants += r
                c2_weights = c2_weights or u
            variants += var.run_c3(cfg, s) if cfg["c3"] else []
        t["c2_c3"] = time.perf_counter() - mark
        mark = time.perf_counter()
        c4_weights, c4_data = None, ""
        if cfg["c4"]:
            x4, y4, c4_data = var.load_dataset(cfg["c4_dataset"], cfg["c4_n"] or None)
            for s in seed_list:
                r, u = var.run_c4(cfg, s, (x4, y4))
                variants += r
                c4_weights = u if c4_weights is None else c4_weights
        t["c4"] = time.perf_counter() - mark
    t["total"] = time.perf_counter() - start
    res = Result(pd.DataFrame(rows), weights, c5, c5_fits, pd.DataFrame(variants), c6, c4_weights, c4_data,
                 c2_weights, timings=t, cfg=cfg)
    res.metrics = metrics(res, cfg)
    return res


def metrics(res: Result, cfg: dict) -> dict[str, float | int]:
    """Flat metrics: per activation at the last epoch (mean/min/max over seeds) and the C5 fit errors."""
    m: dict[str, float | int] = {}
    df = res.counts
    last = df[df.step == cfg["epochs"]]
    for act in ACTS:
        m[f"multiplicity/{act}"] = multiplicity(act) or 0  # numerically; 0: none (ReLU)
    ratios = []
    for act in cfg["activations"]:
        p = PAPER_P[act]
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
        ratios.append(m[f"c1/{act}/common/eps_rank_mean"] / max(m[f"c1/{act}/small/eps_rank_mean"], 1e-12))
    if ratios:
        m["c1/common/share_max"] = max(m[f"c1/{a}/common/share_mean"] for a in cfg["activations"])
        m["bridge/rank_ratio_common_small_min"] = min(ratios)
    for (act, lr), d in last[last.experiment == "lr"].groupby(["activation", "lr"]):
        m[f"lr/{act}/lr_{lr:g}/directions_mean"] = float(d.directions.mean())
    longer = df[(df.experiment == "epochs") & (df.step == df.epochs)]
    for (act, epochs), d in longer.groupby(["activation", "epochs"]):
        m[f"epochs/{act}/epochs_{int(epochs)}/directions_mean"] = float(d.directions.mean())
    sw = last[last.experiment == "sweep"]
    for (act, gam), d in sw.groupby(["activation", "gamma"]):
        m[f"sweep/{act}/gamma_{gam:g}/directions_mean"] = float(d.directions.mean())
        m[f"sweep/{act}/gamma_{gam:g}/eps_rank_mean"] = float(d.eps_rank.mean())
    if not res.c5_fits.empty:
        for (act, deg), d in res.c5_fits.groupby(["activation", "degree"]):
            m[f"c5/{act}/fit_{deg}/rel_error_mean"] = float(d.rel_error.mean())
            m[f"c5/{act}/fit_{deg}/rel_error_max"] = float(d.rel_error.max())
    v = res.variants
    if not v.empty:
        c2, c3, c4, c6 = (v[v.experiment == e].dropna(axis=1, how="all") for e in ("c2", "c3", "c4", "c6"))
        for (layer, act), d in (c2.groupby(["layer", "activation"]) if len(c2) else ()):
            m[f"c2/layer_{int(layer)}/lines_mean"] = float(d.lines.mean())
            m[f"c2/layer_{int(layer)}/frac_lines_at_most_p"] = float((d.lines <= PAPER_P[act]).mean())
            dev = abs(float(d.lines.mean()) - PAPER_P[act])
            m["c2/max_abs_dev_lines"] = max(m.get("c2/max_abs_dev_lines", 0.0), dev)
        for freq, d in (c3.groupby("frequency") if len(c3) else ()):
            m[f"c3/freq_{freq:g}/directions_mean"] = float(d.directions.mean())
            m[f"c3/freq_{freq:g}/lines_mean"] = float(d.lines.mean())
        if len(c3):
            m["c3/direction_ratio"] = (m[f"c3/freq_{cfg['c3_frequency']:g}/directions_mean"]
                                       / max(m["c3/freq_5/directions_mean"], 1e-12))
        for col in ("directions", "lines", "share"):
            if len(c4):
                m[f"c4/{col}_mean"] = float(c4[col].mean())
        for act, d in (c6.groupby("activation") if len(c6) else ()):
            m[f"c6/{act}/field_lines_mean"] = float(d.field_lines.mean())
            m[f"c6/{act}/lines_mean"] = float(d.lines.mean())
            if PAPER_P[act] is not None:
                for col in ("field_lines", "lines"):
                    frac = float((d[col] == PAPER_P[act]).mean())
                    m[f"c6/{act}/frac_{col}_equal_p"] = frac
                    m[f"c6/frac_{col}_equal_p_min"] = min(m.get(f"c6/frac_{col}_equal_p_min", 1.0), frac)
    m["time/seconds_total"] = res.timings.get("total", math.nan)  # wall time: not regressed
    return m
