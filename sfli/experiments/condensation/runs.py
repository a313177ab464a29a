r"""Chapter 4 — condensation at initial training under small initialization (Zhou, Zhou, Luo, Zhang, Xu,
arXiv:2105.11686): experiments C1 (5-D, six activations), C2–C6, and the bridge to the book: the ε-rank of the first
layer through the condensation run, against common initialization and SFLI, and a scale sweep γ.

Two-layer nets d–m–1 with biases, every parameter ~ N(0, var) (a VARIANCE): "small" var = small_std² (the paper's
0.005²), "common" var = 1/m, "gamma" var = m^(−γ) (:func:`sfli.init.small_gaussian_`). Full-batch Adam on the mean
squared error, float32 (:func:`.core.train`). Orientations are counted by :func:`.core.count_orientations`.

The chapter's units are its training runs: :class:`C1Run` (one net of C1, the γ sweep or a sensitivity rerun),
:class:`C5Run` (one 1-D net: C5's output and C6's snapshot), :class:`C2Run`, :class:`C3Run`, :class:`C4Run` (one
seed each). Each is seeded by its spec (:func:`sfli.experiments.seeding.generator` and the seed's points), so
:func:`run_unit` gives the same output in any order; :func:`aggregate` builds the tables in the order of
:func:`units`.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import torch

from ...quadrature import quadrature
from . import variants as var
from .acts import ACTS, PAPER_P, multiplicity
from .core import (build, c1_data, c5_data, c5_target, count_orientations, input_weights, normalized_eps_rank,
                   normalized_input_weights, train)

C1_BOX = [(-4.0, 2.0)] * 5
SFLI_ACTS = ("tanh", "sigmoid", "relu", "softplus")  # activations sfli.init.sfli_ supports


# ---------------------------------------------------------------- units


@dataclass(frozen=True)
class C1Run:
    """One 5–m–1 net trained on C1's target. ``experiment``: the table it feeds ("c1"; "sweep": ``init`` "gamma"
    with variance m^(−gamma); "lr", "epochs": C1 rerun at another ``lr`` or number of ``epochs``); ``eps_rank``:
    whether the snapshots compute the normalized ε-rank."""

    experiment: str
    activation: str
    init: str
    seed: int
    lr: float
    epochs: int
    gamma: float | None = None
    eps_rank: bool = True


@dataclass(frozen=True)
class C5Run:
    """One 1-D net of C5 (its output at the last epoch) with C6's snapshot of its (w, b) at ``c6.epoch``."""

    activation: str
    seed: int


@dataclass(frozen=True)
class C2Run:
    """The C2 residual net of one seed."""

    seed: int


@dataclass(frozen=True)
class C3Run:
    """C3's pair of C1 nets (ω = 5 and ``c3.frequency``) of one seed."""

    seed: int


@dataclass(frozen=True)
class C4Run:
    """The C4 net of one seed on the data set."""

    seed: int


Unit = C1Run | C5Run | C2Run | C3Run | C4Run


@dataclass
class Output:
    """What one unit returns: its rows of the chapter's tables, the weights the figures show, and its seconds."""

    counts: list[dict] = field(default_factory=list)  # rows of Result.counts (C1 runs)
    variants: list[dict] = field(default_factory=list)  # rows of Result.variants (C2, C3, C4, C6)
    c5: list[dict] = field(default_factory=list)
    c5_fits: list[dict] = field(default_factory=list)
    weights: Any = None  # normalized input weights (C1, C4: m×(d+1); C2: {layer: …})
    c6: dict | None = None  # C5Run: the plot data of C6
    data: str = ""  # C4Run: what the data set is
    seconds: float = 0.0


def units(cfg: dict, seed_list: list[int]) -> list[Unit]:
    """Every training run of the chapter, in the order of its tables."""
    c1, c5 = cfg["c1"], cfg["c5"]
    if c5["enabled"] and not 0 < cfg["c6"]["epoch"] <= c5["epochs"]:
        raise ValueError(f"c6.epoch must be in 1..c5.epochs = {c5['epochs']}, got {cfg['c6']['epoch']}")
    lr, epochs = c1["lr"], c1["epochs"]
    out: list[Unit] = [C1Run("c1", act, init, s, lr, epochs) for act in c1["activations"]
                       for init in ("small", "common", *(("sfli",) if act in SFLI_ACTS else ())) for s in seed_list]
    out += [C1Run("sweep", act, "gamma", s, lr, epochs, gamma=float(gam))
            for act in cfg["sweep"]["activations"] for gam in cfg["sweep"]["gammas"] for s in seed_list]
    out += [C1Run("lr", act, "small", s, alt, epochs) for act in cfg["lr_sensitivity"]["activations"]
            if act in c1["activations"] for alt in cfg["lr_sensitivity"]["lrs"] for s in seed_list]
    out += [C1Run("epochs", act, "small", s, lr, alt, eps_rank=False) for act in cfg["epochs_sensitivity"]["activations"]
            if act in c1["activations"] for alt in cfg["epochs_sensitivity"]["epochs"] for s in seed_list]
    out += [C5Run(act, s) for act in c5["activations"] for s in seed_list] if c5["enabled"] else []
    for s in seed_list:
        out += [C2Run(s)] if cfg["c2"]["enabled"] else []
        out += [C3Run(s)] if cfg["c3"]["enabled"] else []
    out += [C4Run(s) for s in seed_list] if cfg["c4"]["enabled"] else []
    return out


def run_unit(unit: Unit, cfg: dict) -> Output:
    """Train one unit and return its :class:`Output`."""
    start = time.perf_counter()
    if isinstance(unit, C1Run):
        out = run_c1(unit, cfg)
    elif isinstance(unit, C5Run):
        out = run_c5(unit, cfg)
    elif isinstance(unit, C2Run):
        rows, weights = var.run_c2(cfg, unit.seed)
        out = Output(variants=rows, weights=weights)
    elif isinstance(unit, C3Run):
        out = Output(variants=var.run_c3(cfg, unit.seed))
    elif isinstance(unit, C4Run):
        x, y, what = _dataset(cfg["c4"]["dataset"], cfg["c4"]["n"] or None)
        rows, weights = var.run_c4(cfg, unit.seed, (x, y))
        out = Output(variants=rows, weights=weights, data=what)
    else:
        raise TypeError(f"not a unit of the condensation chapter: {unit!r}")
    out.seconds = time.perf_counter() - start
    return out


@lru_cache(maxsize=4)
def _c1_quadrature(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The Sobol points and weights of C1's box for the ε-rank (deterministic: seed 0)."""
    return quadrature(C1_BOX, n, rule="qmc")


@lru_cache(maxsize=2)
def _dataset(name: str, n: int | None) -> tuple[torch.Tensor, torch.Tensor, str]:
    return var.load_dataset(name, n)


def run_c1(unit: C1Run, cfg: dict) -> Output:
    """Train one C1 net; count its orientations (and ε-rank) at epochs 0, E/4, E/2 and E."""
    c1, counting = cfg["c1"], cfg["counting"]
    xq, wq = _c1_quadrature(cfg["eps_rank"]["quadrature_n"])
    x, y = c1_data(c1["n_train"], unit.seed)
    gamma = math.nan if unit.gamma is None else unit.gamma
    net = build(5, c1["width"], unit.activation, unit.init, c1["small_std"], unit.seed, gamma=gamma, box=C1_BOX)
    rows, recorded = [], {0, unit.epochs // 4, unit.epochs // 2, unit.epochs}

    def snap(step: int, n: torch.nn.Sequential) -> None:
        if step in recorded:
            u = normalized_input_weights(n[0])
            c = count_orientations(u, counting["cos_threshold"], counting["min_share"])
            for thr in counting["thresholds_extra"]:
                c[f"directions_t{thr:g}"] = count_orientations(u, thr, counting["min_share"])["directions"]
            rank = normalized_eps_rank(n[0], unit.activation, xq, wq, cfg["eps_rank"]["eps"]) if unit.eps_rank else -1
            rows.append({"experiment": unit.experiment, "activation": unit.activation, "init": unit.init,
                         "gamma": gamma, "lr": unit.lr, "epochs": unit.epochs, "seed": unit.seed, "step": step, **c,
                         "eps_rank": rank})

    losses = train(net, x, y, unit.lr, unit.epochs, snap)
    for r in rows:
        r["loss"] = losses[r["step"]]
    return Output(counts=rows, weights=normalized_input_weights(net[0]))


def run_c5(unit: C5Run, cfg: dict) -> Output:
    """Train one C5 net: its output at the last epoch and its polynomial fits; (C6) its (w, b) at ``c6.epoch``
    with the lines of the initial velocity field."""
    c5, act, seed = cfg["c5"], unit.activation, unit.seed
    x, y = c5_data(c5["n_train"], seed)
    net = build(1, c5["width"], act, "small", c5["std"], seed)
    at = cfg["c6"]["epoch"]
    snaps: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def snap(step: int, n: torch.nn.Sequential) -> None:
        if step == at:
            snaps[step] = (input_weights(n[0]), n[2].weight.detach()[0].numpy().copy())

    train(net, x, y, c5["lr"], c5["epochs"], snap)
    out = Output()
    if at in snaps:
        w_at, a_at = snaps[at]
        residual = y  # the initial stage: f ≈ 0
        lines = var.field_lines(act, x, residual, var.radius_of(w_at))
        out.variants.append({"experiment": "c6", "activation": act, "seed": seed, "step": at,
                             "field_lines": len(lines),
                             "lines": var.neuron_lines(w_at, cfg["c6"]["cos_threshold"], cfg["counting"]["min_share"])})
        out.c6 = {"weights": w_at, "signs": np.sign(a_at), "x": x, "residual": residual, "lines": lines}
    xs = torch.linspace(-1.0, 1.5, 101)[:, None]
    with torch.no_grad():
        y_net = net(xs)[:, 0].double().numpy()
    grid = xs[:, 0].numpy()
    row = {"activation": act, "seed": seed, "x": grid, "y": y_net, "target": c5_target(xs)[:, 0].numpy()}
    scale = np.sqrt(np.mean((y_net - y_net.mean()) ** 2)) or 1.0
    for deg in c5["degrees"]:
        fit = np.polyval(np.polyfit(grid, y_net, deg), grid)
        row[f"fit_{deg}"] = fit
        out.c5_fits.append({"activation": act, "seed": seed, "degree": deg,
                            "rel_error": float(np.sqrt(np.mean((y_net - fit) ** 2)) / scale)})
    out.c5.append(row)
    return out


# ---------------------------------------------------------------- aggregation


@dataclass
class Result:
    """Tables of the chapter and the flat ``metrics`` the record stores."""

    counts: pd.DataFrame  # experiment, activation, init, gamma, lr, epochs, seed, step, directions, lines, share, eps_rank…
    weights: dict  # (activation, init) -> normalized input weights (m×(d+1)) at the last epoch, first seed
    c5: pd.DataFrame  # activation, seed, x, y (net output at c5.epochs), target, fit_1, fit_2, fit_3
    c5_fits: pd.DataFrame  # activation, seed, degree, rel_error
    variants: pd.DataFrame = field(default_factory=pd.DataFrame)  # C2 (per layer), C3, C4 and C6 counts
    c6: dict = field(default_factory=dict)  # activation -> {"weights": m×2 (w, b), "signs": m, "x", "residual", "lines"}
    c4_weights: np.ndarray | None = None  # normalized input weights of the first seed's C4 net
    c4_data: str = ""  # what C4 ran on
    c2_weights: dict = field(default_factory=dict)  # layer -> normalized input weights at its epoch, first seed
    metrics: dict[str, float | int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds of the units, summed per part, and "total"
    cfg: dict = field(default_factory=dict)


def _part(unit: Unit) -> str:
    """The part of the chapter a unit's seconds count towards."""
    if isinstance(unit, C1Run):
        return "c1" if unit.experiment == "c1" else "sweep"
    return {C5Run: "c5_c6", C2Run: "c2_c3", C3Run: "c2_c3", C4Run: "c4"}[type(unit)]


def aggregate(cfg: dict, seed_list: list[int], results: dict[Unit, Output]) -> Result:
    """The chapter's tables and metrics from its units' outputs (in the order of :func:`units`, whatever the
    order of ``results``); figures show the first seed."""
    first = seed_list[0]
    counts, variants, c5, c5_fits = [], [], [], []
    weights, c6, c2_weights, c4_weights, c4_data = {}, {}, {}, None, ""
    timings = {"c1": 0.0, "sweep": 0.0, "c5_c6": 0.0, "c2_c3": 0.0, "c4": 0.0}
    for unit in units(cfg, seed_list):
        out = results[unit]
        counts += out.counts
        variants += out.variants
        c5 += out.c5
        c5_fits += out.c5_fits
        timings[_part(unit)] += out.seconds
        if unit.seed != first:
            continue
        if isinstance(unit, C1Run) and unit.experiment == "c1":
            weights[(unit.activation, unit.init)] = out.weights
        elif isinstance(unit, C5Run) and out.c6 is not None:
            c6[unit.activation] = out.c6
        elif isinstance(unit, C2Run):
            c2_weights = out.weights
        elif isinstance(unit, C4Run):
            c4_weights, c4_data = out.weights, out.data
    timings["total"] = sum(timings.values())
    res = Result(pd.DataFrame(counts), weights, pd.DataFrame(c5), pd.DataFrame(c5_fits), pd.DataFrame(variants), c6,
                 c4_weights, c4_data, c2_weights, timings=timings, cfg=dict(cfg))
    res.metrics = metrics(res, cfg)
    return res


def metrics(res: Result, cfg: dict) -> dict[str, float | int]:
    """Flat metrics: per activation at the last epoch (mean/min/max over seeds), the sensitivity reruns, the γ
    sweep, the C5 fit errors and the C2, C3, C4, C6 counts. Names: see the chapter's ``METRICS``."""
    m: dict[str, float | int] = {}
    df, epochs = res.counts, cfg["c1"]["epochs"]
    last = df[df.step == epochs]
    for act in ACTS:
        m[f"multiplicity/{act}"] = multiplicity(act) or 0  # numerically; 0: none (ReLU)
    ratios = []
    for act in cfg["c1"]["activations"]:
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
            for thr in cfg["counting"]["thresholds_extra"]:
                m[f"c1/{act}/{init}/directions_t{thr:g}_mean"] = float(d[f"directions_t{thr:g}"].mean())
            if p is not None:
                m[f"c1/{act}/{init}/frac_at_most_2p"] = float((d.directions <= 2 * p).mean())
                m[f"c1/{act}/{init}/frac_equal_2p"] = float((d.directions == 2 * p).mean())
        d0 = df[(df.experiment == "c1") & (df.activation == act) & (df.init == "small") & (df.step == 0)]
        m[f"c1/{act}/small/eps_rank_0_mean"] = float(d0.eps_rank.mean())
        ratios.append(m[f"c1/{act}/common/eps_rank_mean"] / max(m[f"c1/{act}/small/eps_rank_mean"], 1e-12))
    if ratios:
        m["c1/common/share_max"] = max(m[f"c1/{a}/common/share_mean"] for a in cfg["c1"]["activations"])
        m["bridge/rank_ratio_common_small_min"] = min(ratios)
    for (act, lr), d in last[last.experiment == "lr"].groupby(["activation", "lr"]):
        m[f"lr/{act}/lr_{lr:g}/directions_mean"] = float(d.directions.mean())
    longer = df[(df.experiment == "epochs") & (df.step == df.epochs)]
    for (act, n_epochs), d in longer.groupby(["activation", "epochs"]):
        m[f"epochs/{act}/epochs_{int(n_epochs)}/directions_mean"] = float(d.directions.mean())
    sw = last[last.experiment == "sweep"]
    for (act, gam), d in sw.groupby(["activation", "gamma"]):
        m[f"sweep/{act}/gamma_{gam:g}/directions_mean"] = float(d.directions.mean())
        m[f"sweep/{act}/gamma_{gam:g}/eps_rank_mean"] = float(d.eps_rank.mean())
    if not res.c5_fits.empty:
        for (act, deg), d in res.c5_fits.groupby(["activation", "degree"]):
            m[f"c5/{act}/fit_{deg}/rel_error_mean"] = float(d.rel_error.mean())
            m[f"c5/{act}/fit_{deg}/rel_error_max"] = float(d.rel_error.max())
    m.update(_variant_metrics(res.variants, cfg))
    m["time/seconds_total"] = res.timings.get("total", math.nan)  # seconds: not regressed
    return m


def _variant_metrics(v: pd.DataFrame, cfg: dict) -> dict[str, float]:
    """C2 lines per layer, C3 directions per frequency, C4 counts, C6 field and neuron lines."""
    m: dict[str, float] = {}
    if v.empty:
        return m
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
        m["c3/direction_ratio"] = (m[f"c3/freq_{cfg['c3']['frequency']:g}/directions_mean"]
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
    return m
