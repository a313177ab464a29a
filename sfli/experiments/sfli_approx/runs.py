r"""Chapter 6 — SFLI for function approximation (arXiv:2507.11962): the targets, the units and how one runs.

Every training run is :func:`sfli.train.fit` (full batch, float32, relative L² error on a Gauss–Legendre grid —
quasi-Monte Carlo in 4-D —, ε-ranks of every hidden layer in float64 at every recorded step) with a
:class:`sfli.spectral.BandError` probe (the error per frequency band, for inputs of dimension ≤ 2). Runs of the
same (cell, seed) share their training points, and the methods that share Xavier normal layers (SFLI, Xavier,
RFF) share those layers' initial weights, so the comparisons are paired. Settings: :mod:`.settings`.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Mapping, Union

import pandas as pd
import torch
from torch import nn

from ...init import default_gamma, sfli_
from ...nets import MLP
from ...pirate import FourierEmbedding
from ...problems import Regression, axis_sines, bump, sine_product_sum, sine_sum, step
from ...spectral import BandError
from ...train import DivergenceError, fit
from ..seeding import generator
from . import one_line

INF = math.inf


@dataclass(frozen=True)
class Target:
    """A benchmark target: its function, box, training points, quadrature nodes (per axis for d ≤ 3) and the
    frequency bands of its spectral-bias probe (``band_grid`` points per axis; none above 2-D)."""

    make: Callable[[], Callable[[torch.Tensor], torch.Tensor]]
    dim: int
    n_train: int
    quadrature_n: int
    band_grid: int = 0
    band_edges: tuple[float, ...] = ()
    description: str = ""

    @property
    def domain(self) -> list[tuple[float, float]]:
        return [(-1.0, 1.0)] * self.dim


_EDGES_1D = (0.0, 1.5, 3.5, 7.5, INF)  # one band per frequency of sines1d: k = 1, 2, 5, 10
TARGETS: dict[str, Target] = {
    "sines1d": Target(lambda: sine_sum((1, 2, 5, 10)), 1, 256, 512, 256, _EDGES_1D,
                      "Σ sin(kπx), k = 1, 2, 5, 10 (a decade of frequencies)"),
    "bump1d": Target(lambda: bump(0.3, 0.05), 1, 256, 512, 256, (0.0, 2.0, 5.0, 10.0, INF),
                     "sin(πx) + exp(−((x − 0.3)/0.05)²) (a sharp localized feature)"),
    "step1d": Target(lambda: step(0.2), 1, 256, 512, 256, (0.0, 2.0, 5.0, 10.0, INF),
                     "1{x > 0.2} − ½ + 0.3 sin(πx) (a discontinuity)"),
    "sines2d": Target(lambda: sine_product_sum((1, 2, 5)), 2, 512, 32, 48, (0.0, 2.25, 4.75, INF),
                      "Σ sin(kπx) sin(kπy), k = 1, 2, 5"),
    "sines4d": Target(lambda: axis_sines((1, 2, 3, 4)), 4, 512, 2048, 0, (),
                      "Σᵢ sin(kᵢπxᵢ), k = 1, 2, 3, 4 in 4-D"),
}
PLAIN = ("xavier_normal", "kaiming_normal", "pytorch_default")  #: baselines that set every layer
ALL_METHODS = ("sfli", *PLAIN, "rff")


def split_cell(cell: str) -> tuple[str, str]:
    """``"sines1d/tanh"`` → ("sines1d", "tanh"), checked."""
    from ...activations import check_activation

    target, _, activation = cell.partition("/")
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r} in cell {cell!r}; valid: {', '.join(TARGETS)}")
    return target, check_activation(activation)


@dataclass(frozen=True)
class Run:
    """One training run: ``method`` on ``cell`` at learning rate ``lr``; ``factor`` scales SFLI's γ (or the RFF
    scale) from its default; ``placement`` is SFLI's."""

    cell: str
    method: str
    lr: float
    seed: int
    factor: float = 1.0
    placement: str = "random"


@dataclass(frozen=True)
class OneLine:
    """The plain PyTorch script of :mod:`.one_line`, with or without ``apply_sfli``."""

    use_sfli: bool
    seed: int


Unit = Union[Run, OneLine]


def units(cfg: Mapping, seed_list: list[int]) -> list[Unit]:
    """Every run: cell × method × learning rate × seed; the sensitivity runs; the one-line script."""
    for cell in [*cfg["cells"], cfg["sensitivity"]["cell"]]:
        split_cell(cell)
    unknown = [m for m in cfg["methods"] if m not in ALL_METHODS]
    if unknown or "sfli" not in cfg["methods"]:
        raise ValueError(f"methods must include 'sfli' and be among {', '.join(ALL_METHODS)}; got {cfg['methods']}")
    out: list[Unit] = [Run(c, m, float(lr), s) for c in cfg["cells"] for m in cfg["methods"]
                       for lr in cfg["train"]["lrs"] for s in seed_list]
    sens = cfg["sensitivity"]
    for s in seed_list:
        out += [Run(sens["cell"], "sfli", float(sens["lr"]), s, float(f)) for f in sens["factors"]]
        out += [Run(sens["cell"], "sfli", float(sens["lr"]), s, 1.0, p) for p in sens["placements"]]
        if "rff" in cfg["methods"]:
            out += [Run(sens["cell"], "rff", float(sens["lr"]), s, float(f)) for f in sens["factors"]]
        out += [OneLine(False, s), OneLine(True, s)]
    return list(dict.fromkeys(out))


def build(run: Run, width: int, depth: int) -> nn.Module:
    """The net of ``run``, initialized from generators keyed by (cell, seed) — not by method or learning rate, so
    that runs differing only in those start from the same shared layers."""
    target_name, act = split_cell(run.cell)
    target = TARGETS[target_name]
    g = generator("net", run.cell, run.seed)
    if run.method == "rff":
        scale = run.factor * default_gamma("sin", width, target.domain)  # SFLI's periodic band: same information
        embed = FourierEmbedding(target.dim, width, scale, generator=generator("rff", run.cell, run.seed))
        return nn.Sequential(embed, MLP(width, width, depth, activation=act, init="xavier_normal", generator=g))
    init = "xavier_normal" if run.method == "sfli" else run.method
    model = MLP(target.dim, width, depth, activation=act, init=init, generator=g)
    if run.method == "sfli":
        gamma = None
        if run.factor != 1.0:
            gamma = run.factor * default_gamma(act, width, target.domain)  # raises for the ReLU family
        sfli_(model.first, target.domain, act, gamma=gamma, placement=run.placement,
              generator=generator("sfli", run.cell, run.seed))
    return model


def run_unit(unit: Unit, cfg: Mapping) -> dict:
    """Train one unit; returns its recorded curves and summary (a diverged run keeps what it recorded)."""
    if isinstance(unit, OneLine):
        started = time.perf_counter()
        error = one_line.train(unit.use_sfli, seed=unit.seed, **cfg["one_line"])
        return {"final_error": error, "seconds": time.perf_counter() - started}
    target = TARGETS[split_cell(unit.cell)[0]]
    model = build(unit, cfg["net"]["width"], cfg["net"]["depth"])
    problem = Regression(target.make(), target.domain, n_train=target.n_train)
    probe = BandError(problem.target, target.domain, target.band_grid, target.band_edges) if target.band_grid else None
    t = cfg["train"]
    diverged = False
    try:
        history = fit(model, problem, steps=t["steps"], lr=unit.lr, optimizer=t["optimizer"], seed=unit.seed,
                      eps=cfg["eps"], quadrature_n=target.quadrature_n, n_log=t["n_log"],
                      record_every=t["record_every"], probe=probe)
    except DivergenceError as err:
        history, diverged = err.history, True
    curves = history.frame()
    return {"curves": curves, "diverged": diverged, "train_seconds": history.train_seconds,
            "record_seconds": history.record_seconds}


def curves_frame(results: Mapping[Unit, dict]) -> pd.DataFrame:
    """Every recorded step of every training run, with the run's fields as columns."""
    frames = []
    for unit, out in results.items():
        if isinstance(unit, Run):
            frames.append(out["curves"].assign(cell=unit.cell, method=unit.method, lr=unit.lr, seed=unit.seed,
                                               factor=unit.factor, placement=unit.placement,
                                               diverged=out["diverged"]))
    return pd.concat(frames, ignore_index=True)
