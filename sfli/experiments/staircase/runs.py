r"""Chapter 3 — ε-rank and the staircase phenomenon (Yang, Zhao, Zhu, arXiv:2412.05144), experiments S1–S7 of
the notes, with SFLI as the structured first layer.

Every training run is :func:`sfli.train.fit` (full batch, Adam, float32; ε-ranks of every hidden layer in
float64 on a Gauss–Legendre grid at every recorded step). The runs:

* S1 — 1-D regression of f(x) = Σ_k sin(kπx), k ∈ ``frequencies``, on [−1, 1] (``n_train`` random points from
  the seed) by tanh MLPs of every depth × width; loss and last-layer ε-rank vs iteration, and the alignment of
  loss drops with rank jumps (:mod:`staircase_analysis`).
* S2 — the ε-rank of every hidden layer of the main net (``main_depth`` × ``main_width``).
* S3 — the main net with each of ``activations`` (Xavier normal, zero biases, for all: the MLP default).
* S4 — the main net with SFLI on its first layer (placements ``placements``; "quasi" in 1-D is deterministic)
  against the same net without it (Xavier normal): initial ε-rank, steps to each of ``levels``.
* S5 — the 2-D Poisson PINN (``sfli.problems.Poisson2D``), SFLI first layer vs Xavier normal (``pinn``).
* S6 — least squares with 900 random features: partition of unity (3 × 3 subdomains × 100) vs a global ELM
  (``sfli.rfm.solve``), tanh and cos (``rfm``).
* S7 — the residual MLP (``sfli.nets.ResMLP``) against the main MLP, same initial weights.
* sensitivity — the small S1 net (``sens_depth`` × ``sens_width``) re-trained at each ε of ``eps_list``
  (same seed ⇒ same trajectory; only the threshold of the recorded ranks changes).

Nets of the same (activation, depth, width, seed) share their initial weights and training points, so MLP vs
ResMLP and Xavier vs SFLI (which only replaces the first layer) are paired comparisons. Plots are in
:mod:`sfli.experiments.staircase_plots`; the numbers in :mod:`sfli.experiments.staircase_metrics`.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import torch

from .. import profiles
from ..profiles import seeds  # noqa: F401  (part of the chapter's API: exp.seeds(cfg, seed))
from ..eps_rank import DEFAULT_EPS
from ..init import sfli_
from ..nets import MLP, ResMLP
from ..problems import Poisson2D, Regression, sine_sum
from ..progress import progress
from ..train import DivergenceError, History, fit, torch_threads
from .init_rank import generator
from .staircase_analysis import alignment, depth_monotone_fraction, rank_loss_spearman, steps_to_level
from .staircase_metrics import main_spec, select  # noqa: F401  (re-exported)
from .staircase_metrics import metrics as _metrics
from .staircase_plots import (  # noqa: F401  (re-exported: the notebook calls exp.plot_…)
    alignment_table, init_table, plot_activations, plot_alignment, plot_eps_sensitivity, plot_layer_ranks,
    plot_loss_vs_rank, plot_pinn, plot_resnet, plot_rfm, plot_sfli, plot_staircase, rfm_table,
)

NAME = "03_staircase"
DOMAIN = [(-1.0, 1.0)]

_REG = {"frequencies": [1, 2, 4, 8], "n_train": 256, "quadrature_n": 256, "eps": DEFAULT_EPS,
        "optimizer": "adam", "lr": 1e-3, "n_log": 40, "align_k": 1, "local_shifts": 10,
        "eps_list": [1e-2, 1e-4], "levels": [1e-2, 1e-3], "threads": 1}
# Settings. Regression (S1–S4, S7, sensitivity): target frequencies, n_train points, quadrature_n Gauss nodes for
# the ε-ranks and the error, Adam at lr for `steps` full-batch steps, ranks recorded every `record_every` steps
# (+ n_log log-spaced); alignment windows ±align_k records, local null over local_shifts shifts; levels: loss
# levels for "steps to reach". S5: `pinn` (Poisson2D sizes, net, steps, levels; quadrature_n nodes per axis).
# S6: `rfm` (sfli.rfm.solve arguments; scales swept). threads: torch threads while training (0: leave as is).
CONFIGS: dict[str, dict] = {
    "smoke": {**_REG, "n_seeds": 2, "steps": 300, "record_every": 20, "n_log": 10, "depths": [2], "widths": [12],
              "main_depth": 2, "main_width": 12, "sens_depth": 2, "sens_width": 12,
              "activations": ["tanh", "relu", "elu", "cos"], "placements": ["random", "quasi"], "resnet": True,
              "levels": [0.5, 1e-3], "local_shifts": 3,
              "pinn": {"width": 12, "depth": 2, "n_interior": 64, "n_boundary": 32, "steps": 60, "lr": 1e-3,
                       "record_every": 20, "quadrature_n": 12, "levels": [100.0, 30.0]},
              "rfm": {"n_features": 90, "subdomains": 3, "activations": ["tanh", "cos"], "scales": [1.0],
                      "quadrature_n": 24, "problem": "poisson"}},
    "ci": {**_REG, "n_seeds": 3, "steps": 5000, "record_every": 50, "depths": [2, 4], "widths": [25, 50],
           "main_depth": 4, "main_width": 50, "sens_depth": 2, "sens_width": 25,
           "activations": ["tanh", "relu", "elu", "cos"], "placements": ["random", "quasi"], "resnet": True,
           "pinn": {"width": 32, "depth": 2, "n_interior": 512, "n_boundary": 128, "steps": 1500, "lr": 1e-3,
                    "record_every": 50, "quadrature_n": 32, "levels": [1.0, 0.3]},
           "rfm": {"n_features": 900, "subdomains": 3, "activations": ["tanh", "cos"], "scales": [1.0, 3.0],
                   "quadrature_n": 64, "problem": "poisson"}},
    "paper": {**_REG, "n_seeds": 10, "steps": 20000, "record_every": 100, "quadrature_n": 512,
              "depths": [2, 4], "widths": [25, 50, 100], "main_depth": 4, "main_width": 50,
              "sens_depth": 2, "sens_width": 25, "activations": ["tanh", "relu", "elu", "cos", "sin", "gelu"],
              "placements": ["random", "quasi"], "resnet": True, "levels": [1e-2, 1e-3, 1e-4], "threads": 0,
              "pinn": {"width": 64, "depth": 3, "n_interior": 2048, "n_boundary": 512, "steps": 10000,
                       "lr": 1e-3, "record_every": 100, "quadrature_n": 48, "levels": [1.0, 0.1, 0.01]},
              "rfm": {"n_features": 900, "subdomains": 3, "activations": ["tanh", "cos"],
                      "scales": [0.5, 1.0, 2.0, 4.0, 8.0], "quadrature_n": 96, "problem": "poisson"}},
}


def config(profile: str, **overrides) -> dict:
    """Settings of ``profile`` ("smoke", "ci", "paper"), with validated ``overrides``."""
    return profiles.config(CONFIGS, profile, **overrides)


@dataclass(frozen=True)
class Spec:
    """One training run. ``init``: "xavier_normal" (every layer; the MLP default) or "sfli" (then SFLI on the
    first layer with ``placement``)."""

    problem: str = "regression"  # "regression" | "poisson"
    arch: str = "mlp"  # "mlp" | "resmlp"
    activation: str = "tanh"
    depth: int = 4
    width: int = 50
    init: str = "xavier_normal"
    placement: str = ""
    eps: float = DEFAULT_EPS
    seed: int = 0

    @property
    def method(self) -> str:
        """"xavier_normal", "sfli" or "sfli_quasi"."""
        return "sfli_quasi" if self.placement == "quasi" else self.init


@dataclass
class Result:
    """Tables of the chapter (pandas DataFrames) and the flat ``metrics`` the record stores."""

    runs: pd.DataFrame  # one row per training run: the Spec, summary numbers, alignment, timing
    curves: pd.DataFrame  # run, step, loss, error, hidden_1 … hidden_L: every recorded step of every run
    rfm: pd.DataFrame  # activation, method, scale, seed, n_features, error, eps_rank, residual, seconds
    spectra: pd.DataFrame  # activation, method, index, eigenvalue (Gram spectrum; first seed, first scale)
    metrics: dict[str, float | int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    cfg: dict = field(default_factory=dict)


# ---------------------------------------------------------------- building and training

def problem_of(spec: Spec, cfg: dict) -> Regression | Poisson2D:
    if spec.problem == "poisson":
        p = cfg["pinn"]
        return Poisson2D(n_interior=p["n_interior"], n_boundary=p["n_boundary"])
    if spec.problem == "regression":
        return Regression(sine_sum(tuple(cfg["frequencies"])), DOMAIN, n_train=cfg["n_train"])
    raise ValueError(f"unknown problem {spec.problem!r}; valid: regression, poisson")


def build_net(spec: Spec, box) -> MLP:
    """The float32 net of ``spec``; its weights depend on (problem, activation, depth, width, seed) only."""
    cls = {"mlp": MLP, "resmlp": ResMLP}.get(spec.arch)
    if cls is None:
        raise ValueError(f"unknown arch {spec.arch!r}; valid: mlp, resmlp")
    key = (spec.problem, spec.activation, spec.depth, spec.width, spec.seed)
    net = cls(box.dim, spec.width, spec.depth, 1, spec.activation, generator=generator("net", *key))
    if spec.init == "sfli":
        sfli_(net.first, box, spec.activation, placement=spec.placement or "random",
              generator=generator("sfli", *key))
    elif spec.init != "xavier_normal":
        raise ValueError(f"unknown init {spec.init!r}; valid: xavier_normal, sfli")
    return net


def train(spec: Spec, cfg: dict) -> tuple[History, bool]:
    """Train the net of ``spec``; returns its history and whether it diverged (history up to divergence)."""
    problem = problem_of(spec, cfg)
    net = build_net(spec, problem.box)
    pinn = spec.problem == "poisson"
    s = cfg["pinn"] if pinn else cfg
    try:
        hist = fit(net, problem, steps=s["steps"], lr=s["lr"], optimizer=cfg["optimizer"], seed=spec.seed,
                   eps=spec.eps, quadrature_n=s["quadrature_n"], n_log=cfg["n_log"], record_every=s["record_every"])
        return hist, False
    except DivergenceError as err:
        return err.history, True


def summarize(spec: Spec, hist: History, diverged: bool, cfg: dict) -> dict:
    """One row of ``Result.runs``: final and initial numbers, alignment, steps to the levels, timing."""
    pinn = spec.problem == "poisson"
    every = (cfg["pinn"] if pinn else cfg)["record_every"]
    levels = (cfg["pinn"] if pinn else cfg)["levels"]
    layers = sorted(hist.ranks, key=lambda name: int(name.split("_")[1]))
    last = hist.ranks[layers[-1]]
    al = alignment(hist.step, hist.loss, last, every=every, k=cfg["align_k"], local_shifts=cfg["local_shifts"])
    row = {**asdict(spec), "method": spec.method, "diverged": diverged, "steps": hist.step[-1],
           "loss_0": hist.loss[0], "loss_final": hist.loss[-1], "loss_min": float(np.min(hist.loss)),
           "error_final": hist.error[-1], "rank_first_0": hist.ranks[layers[0]][0],
           "rank_first_final": hist.ranks[layers[0]][-1], "rank_last_0": last[0], "rank_last_final": last[-1],
           "rank_last_max": max(last), **{f"align_{k}": v for k, v in al.items()},
           "spearman": rank_loss_spearman(hist.step, hist.loss, last, every=every),
           "depth_monotone": (depth_monotone_fraction(np.array([hist.ranks[n] for n in layers]).T)
                              if len(layers) > 1 else math.nan),
           "record_share": hist.record_share, "train_seconds": hist.train_seconds,
           "record_seconds": hist.record_seconds}
    for lvl in levels:
        row[f"steps_to_{lvl:g}"] = steps_to_level(hist.step, hist.loss, lvl)
    return row




def specs(cfg: dict, seed_list: list[int]) -> list[Spec]:
    """Every distinct training run of the chapter (a run shared by several experiments appears once)."""
    out: list[Spec] = []
    md, mw = cfg["main_depth"], cfg["main_width"]
    for s in seed_list:
        out += [Spec(depth=d, width=w, seed=s) for d in cfg["depths"] for w in cfg["widths"]]  # S1 (and S2)
        out += [Spec(activation=a, depth=md, width=mw, seed=s) for a in cfg["activations"]]  # S3
        out += [Spec(depth=md, width=mw, init="sfli", placement=p, seed=s) for p in cfg["placements"]]  # S4
        if cfg["resnet"]:
            out += [Spec(arch="resmlp", depth=md, width=mw, seed=s)]  # S7
        out += [Spec(depth=cfg["sens_depth"], width=cfg["sens_width"], eps=e, seed=s)  # sensitivity
                for e in [cfg["eps"], *cfg["eps_list"]]]
        p = cfg["pinn"]
        out += [Spec(problem="poisson", depth=p["depth"], width=p["width"], init=i,  # S5
                     placement="random" if i == "sfli" else "", seed=s) for i in ("xavier_normal", "sfli")]
    return list(dict.fromkeys(out))


def _rfm(cfg: dict, seed_list: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    from .. import rfm  # imported here: the solver is only needed by S6

    r = cfg["rfm"]
    if r["problem"] != "poisson":
        raise ValueError(f"rfm problem must be 'poisson', got {r['problem']!r}")
    rows, spectra = [], []
    for act in r["activations"]:
        for scale in r["scales"]:
            for s in seed_list:
                for method in ("elm", "pou"):
                    res = rfm.solve(Poisson2D(), method=method, n_features=r["n_features"],
                                    subdomains=r["subdomains"], activation=act, scale=float(scale), eps=cfg["eps"],
                                    quadrature_n=r["quadrature_n"], generator=generator("rfm", act, scale, s))
                    rows.append({"activation": act, "method": method, "scale": float(scale), "seed": s,
                                 "n_features": res.n_features, "error": res.error, "eps_rank": res.eps_rank,
                                 **{f"eps_rank_{e:g}": int((res.spectrum > e).sum()) for e in cfg["eps_list"]},
                                 "residual": res.residual, "seconds": res.seconds})
                    if s == seed_list[0] and scale == r["scales"][0]:
                        spectra += [{"activation": act, "method": method, "index": i, "eigenvalue": float(v)}
                                    for i, v in enumerate(res.spectrum)]
    return pd.DataFrame(rows), pd.DataFrame(spectra)


def run(cfg: dict, seed: int = 0) -> Result:
    """Every table and metric of the chapter for the settings ``cfg`` and the seeds ``seeds(cfg, seed)``."""
    seed_list, t = seeds(cfg, seed), {}
    start = time.perf_counter()
    rows, curves = [], []
    with torch_threads(cfg["threads"]):
        for i, spec in enumerate(progress(specs(cfg, seed_list), desc="training runs")):
            hist, diverged = train(spec, cfg)
            rows.append({"run": i, **summarize(spec, hist, diverged, cfg)})
            curves.append(hist.frame().drop(columns="seconds").assign(run=i))
            key = "pinn" if spec.problem == "poisson" else "regression"
            t[f"train_{key}"] = t.get(f"train_{key}", 0.0) + hist.train_seconds + hist.record_seconds
        mark = time.perf_counter()
        rfm_table, spectra = _rfm(cfg, seed_list)
        t["rfm"] = time.perf_counter() - mark
    t["total"] = time.perf_counter() - start
    res = Result(pd.DataFrame(rows), pd.concat(curves, ignore_index=True), rfm_table, spectra, timings=t, cfg=cfg)
    res.metrics = _metrics(res, cfg)
    return res

