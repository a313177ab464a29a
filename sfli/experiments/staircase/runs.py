r"""Chapter 3 — ε-rank and the staircase phenomenon (Yang, Zhao, Zhu, arXiv:2412.05144), experiments S1–S7 of
the notes, with SFLI as the structured first layer: the chapter's units, how one runs, and their aggregation.

The units are the distinct training runs (:class:`Spec`) and the random-feature solves of S6
(:class:`FeatureSpec`), frozen and hashable; each is seeded by its own fields, never by the order of the runs.
Every training run is :func:`sfli.train.fit` (full batch, Adam, float32; ε-ranks of every hidden layer in float64
on a Gauss–Legendre grid at every recorded step). The runs (settings: :mod:`.settings`):

* S1 — 1-D regression of f(x) = Σ_k sin(kπx), k ∈ ``regression.frequencies``, on [−1, 1] (``n_train`` random
  points from the seed) by tanh MLPs of every depth × width; loss and last-layer ε-rank vs iteration, and the
  alignment of loss drops with rank jumps (:mod:`.analysis`).
* S2 — the ε-rank of every hidden layer of the main net (``main.depth`` × ``main.width``).
* S3 — the main net with each of ``activations`` (Xavier normal, zero biases, for all: the MLP default).
* S4 — the main net with SFLI on its first layer (``placements``; "quasi" in 1-D is deterministic) against the
  same net without it (Xavier normal): initial ε-rank, steps to each loss level.
* S5 — the 2-D Poisson PINN (``sfli.problems.Poisson2D``), SFLI first layer vs Xavier normal (``pinn``).
* S6 — least squares with random features: partition of unity vs a global ELM (``sfli.rfm.solve``; ``rfm``).
* S7 — the residual MLP (``sfli.nets.ResMLP``) against the main MLP, same initial weights.
* sensitivity — the small S1 net (``sens``) re-trained at each ε (same seed ⇒ same trajectory; only the
  threshold of the recorded ranks changes).

Nets of the same (problem, activation, depth, width, seed) share their initial weights and training points, so
MLP vs ResMLP and Xavier vs SFLI (which only replaces the first layer) are paired comparisons. The metrics are in
:mod:`.metrics`, the record's tables in :mod:`.tables`, the figures in :mod:`.plots`.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Mapping, Union

import numpy as np
import pandas as pd

from ...eps_rank import DEFAULT_EPS
from ...init import sfli_
from ...nets import MLP, ResMLP
from ...problems import Poisson2D, Regression, sine_sum
from ...train import DivergenceError, History, fit
from ..seeding import generator
from .analysis import alignment, depth_monotone_fraction, rank_loss_spearman, steps_to_level
from .metrics import RFM_METHODS, metrics

DOMAIN = [(-1.0, 1.0)]


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


@dataclass(frozen=True)
class FeatureSpec:
    """One least-squares solve of S6: ``method`` ("elm" or "pou") with ``activation`` features whose weights and
    biases are uniform on [−scale, scale], on the 2-D Poisson problem."""

    activation: str = "tanh"
    scale: float = 1.0
    method: str = "elm"
    seed: int = 0


Unit = Union[Spec, FeatureSpec]


@dataclass
class RunOutput:
    """What one training run gives: its row of ``Result.runs`` (without the run index), its recorded curves and
    its training + recording seconds."""

    summary: dict
    curves: pd.DataFrame  # step, loss, error, hidden_1 … hidden_L
    seconds: float


@dataclass
class SolveOutput:
    """What one random-feature solve gives: its row of ``Result.rfm``, the Gram spectrum and its wall seconds."""

    row: dict
    spectrum: np.ndarray
    seconds: float


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


# ---------------------------------------------------------------- the units

def specs(cfg: Mapping, seed_list: list[int]) -> list[Spec]:
    """Every distinct training run of the chapter (a run shared by several experiments appears once)."""
    out: list[Spec] = []
    eps, md, mw = cfg["eps"], cfg["main"]["depth"], cfg["main"]["width"]
    for s in seed_list:
        out += [Spec(depth=d, width=w, eps=eps, seed=s) for d in cfg["depths"] for w in cfg["widths"]]  # S1, S2
        out += [Spec(activation=a, depth=md, width=mw, eps=eps, seed=s) for a in cfg["activations"]]  # S3
        out += [Spec(depth=md, width=mw, init="sfli", placement=p, eps=eps, seed=s)  # S4
                for p in cfg["placements"]]
        if cfg["resnet"]:
            out += [Spec(arch="resmlp", depth=md, width=mw, eps=eps, seed=s)]  # S7
        out += [Spec(depth=cfg["sens"]["depth"], width=cfg["sens"]["width"], eps=e, seed=s)  # sensitivity
                for e in cfg["sens"]["eps"]]
        p = cfg["pinn"]
        out += [Spec(problem="poisson", depth=p["depth"], width=p["width"], init=i,  # S5
                     placement="random" if i == "sfli" else "", eps=eps, seed=s) for i in ("xavier_normal", "sfli")]
    return list(dict.fromkeys(out))


def feature_specs(cfg: Mapping, seed_list: list[int]) -> list[FeatureSpec]:
    """Every random-feature solve of S6: activation × scale × seed × method."""
    r = cfg["rfm"]
    return [FeatureSpec(act, float(scale), method, s)
            for act in r["activations"] for scale in r["scales"] for s in seed_list for method in RFM_METHODS]


def units(cfg: Mapping, seed_list: list[int]) -> list[Unit]:
    """The chapter's units: the training runs, then the random-feature solves."""
    return [*specs(cfg, seed_list), *feature_specs(cfg, seed_list)]


def run_unit(unit: Unit, cfg: Mapping) -> RunOutput | SolveOutput:
    """Run one unit (a training run or a random-feature solve); it depends on ``unit`` and ``cfg`` only."""
    if isinstance(unit, Spec):
        hist, diverged = train(unit, cfg)
        return RunOutput(summarize(unit, hist, diverged, cfg), hist.frame().drop(columns="seconds"),
                         hist.train_seconds + hist.record_seconds)
    if isinstance(unit, FeatureSpec):
        return solve_features(unit, cfg)
    raise TypeError(f"not a unit of this chapter: {unit!r}")


def aggregate(cfg: Mapping, seed_list: list[int], outputs: Mapping[Unit, RunOutput | SolveOutput]) -> Result:
    """The chapter's tables and metrics from its units' outputs, in the order of :func:`specs` and
    :func:`feature_specs` (whatever order the units ran in). Timings: seconds per kind of unit (training and
    recording for the runs, wall time for the solves); ``total`` is their sum."""
    rows, curves, t = [], [], {}
    for i, spec in enumerate(specs(cfg, seed_list)):
        out = outputs[spec]
        rows.append({"run": i, **out.summary})
        curves.append(out.curves.assign(run=i))
        key = "train_pinn" if spec.problem == "poisson" else "train_regression"
        t[key] = t.get(key, 0.0) + out.seconds
    solves = [(u, outputs[u]) for u in feature_specs(cfg, seed_list)]
    first = (seed_list[0], float(cfg["rfm"]["scales"][0]))
    spectra = [{"activation": u.activation, "method": u.method, "index": i, "eigenvalue": float(v)}
               for u, out in solves if (u.seed, u.scale) == first for i, v in enumerate(out.spectrum)]
    t["rfm"] = sum(out.seconds for _, out in solves)
    t["total"] = sum(t.values())
    res = Result(pd.DataFrame(rows), pd.concat(curves, ignore_index=True), pd.DataFrame([o.row for _, o in solves]),
                 pd.DataFrame(spectra), timings=t, cfg=dict(cfg))
    res.metrics = metrics(res, cfg)
    return res


# ---------------------------------------------------------------- building and training

def problem_of(spec: Spec, cfg: Mapping) -> Regression | Poisson2D:
    if spec.problem == "poisson":
        p = cfg["pinn"]
        return Poisson2D(n_interior=p["n_interior"], n_boundary=p["n_boundary"])
    if spec.problem == "regression":
        r = cfg["regression"]
        return Regression(sine_sum(tuple(r["frequencies"])), DOMAIN, n_train=r["n_train"])
    raise ValueError(f"unknown problem {spec.problem!r}; valid: regression, poisson")


def training(spec: Spec, cfg: Mapping) -> Mapping:
    """The settings group that trains ``spec``: ``pinn`` for the Poisson problem, else ``regression``."""
    return cfg["pinn"] if spec.problem == "poisson" else cfg["regression"]


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


def train(spec: Spec, cfg: Mapping) -> tuple[History, bool]:
    """Train the net of ``spec``; returns its history and whether it diverged (history up to divergence)."""
    problem = problem_of(spec, cfg)
    net = build_net(spec, problem.box)
    s = training(spec, cfg)
    try:
        hist = fit(net, problem, steps=s["steps"], lr=s["lr"], optimizer=cfg["optimizer"], seed=spec.seed,
                   eps=spec.eps, quadrature_n=s["quadrature_n"], n_log=cfg["n_log"], record_every=s["record_every"])
        return hist, False
    except DivergenceError as err:
        return err.history, True


def summarize(spec: Spec, hist: History, diverged: bool, cfg: Mapping) -> dict:
    """One row of ``Result.runs``: final and initial numbers, alignment, steps to the levels, timing."""
    every, levels = training(spec, cfg)["record_every"], training(spec, cfg)["levels"]
    layers = sorted(hist.ranks, key=lambda name: int(name.split("_")[1]))
    last = hist.ranks[layers[-1]]
    al = alignment(hist.step, hist.loss, last, every=every, k=cfg["alignment"]["k"],
                   local_shifts=cfg["alignment"]["local_shifts"])
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


# ---------------------------------------------------------------- S6: random features

def solve_features(unit: FeatureSpec, cfg: Mapping) -> SolveOutput:
    """Least squares with the random features of ``unit`` on the 2-D Poisson problem; ε-ranks of the Gram matrix
    at the book's ε and at each of ``rfm.eps_list``."""
    from ... import rfm  # imported here: the solver is only needed by S6

    r, start = cfg["rfm"], time.perf_counter()
    if r["problem"] != "poisson":
        raise ValueError(f"rfm problem must be 'poisson', got {r['problem']!r}")
    res = rfm.solve(Poisson2D(), method=unit.method, n_features=r["n_features"], subdomains=r["subdomains"],
                    activation=unit.activation, scale=unit.scale, eps=cfg["eps"], quadrature_n=r["quadrature_n"],
                    generator=generator("rfm", unit.activation, unit.scale, unit.seed))
    row = {"activation": unit.activation, "method": unit.method, "scale": unit.scale, "seed": unit.seed,
           "n_features": res.n_features, "error": res.error, "eps_rank": res.eps_rank,
           **{f"eps_rank_{e:g}": int((res.spectrum > e).sum()) for e in r["eps_list"]},
           "residual": res.residual, "seconds": res.seconds}
    return SolveOutput(row, np.asarray(res.spectrum), time.perf_counter() - start)
