r"""Chapter 8 — SFLI on PDE benchmarks (arXiv:2507.11962): the problems, the units and how one runs.

Every training run is :func:`sfli.train.fit` on a physics-informed loss (:mod:`sfli.pdes`: boundary, initial and
periodic conditions by penalty; the forward derivative engine; float32; collocation points drawn once per seed),
recording the loss, the relative L² error ‖u − u*‖ / ‖u*‖ against the exact or reference solution on a
Gauss–Legendre grid and the ε-rank of every hidden layer. Runs of the same (problem, arch, seed) share their
collocation points, and SFLI and Xavier share every Xavier layer's initial weights (one generator per problem,
arch and seed), so the comparisons are paired. A :class:`Run` is one training run; :class:`OneLine` the plain
PirateNet script of :mod:`.one_line`; :class:`Check` the book's check of the PDEs' residuals at their exact
solutions. Settings: :mod:`.settings`.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Union

import numpy as np
import pandas as pd
import torch
from torch import nn

from ...derivatives import derivatives
from ...init import default_gamma
from ...nets import MLP, ModifiedMLP, PirateNet
from ...pdes import AllenCahn1D, Burgers1D, Helmholtz2D, PoissonMultiscale2D
from ...placement import WHERE, apply_sfli
from ...train import DivergenceError, fit
from ..seeding import generator
from . import one_line

ACTIVATION = "tanh"
PLAIN = ("xavier_normal", "pytorch_default")  #: baselines that set every layer
ALL_INITS = ("sfli", *PLAIN)
ARCH_NAMES = ("mlp", "modified_mlp", "pirate")


@dataclass(frozen=True)
class ProblemSpec:
    """A benchmark: how to build it from the settings, and what the chapter says of it."""

    make: Callable[[Mapping[str, Any]], Any]
    description: str


def _points(cfg: Mapping[str, Any], evolution: bool) -> dict[str, Any]:
    p = cfg["points"]
    out = {"n_interior": p["n_interior"], "n_boundary": p["n_boundary"], "sampling": p["sampling"]}
    return {**out, "n_initial": p["n_initial"]} if evolution else out


PROBLEMS: dict[str, ProblemSpec] = {
    "poisson": ProblemSpec(lambda cfg: PoissonMultiscale2D(wave=float(cfg["pde"]["poisson_wave"]), **_points(cfg, False)),
                           "−Δu = f on [0, 1]², u* = sin πx sin πy + 0.1 sin kπx sin kπy (multi-scale)"),
    "helmholtz": ProblemSpec(lambda cfg: Helmholtz2D(a2=float(cfg["pde"]["helmholtz_a2"]), **_points(cfg, False)),
                             "Δu + u = f on [−1, 1]², u* = sin πx sin a₂πy"),
    "allen_cahn": ProblemSpec(lambda cfg: AllenCahn1D(T=float(cfg["pde"]["allen_cahn_T"]), **_points(cfg, True)),
                              "u_t = 10⁻⁴u_xx − 5u³ + 5u, periodic, u₀ = x² cos πx (reference: ETDRK4)"),
    "burgers": ProblemSpec(lambda cfg: Burgers1D(T=float(cfg["pde"]["burgers_T"]), **_points(cfg, True)),
                           "u_t + uu_x = (0.01/π)u_xx, u₀ = −sin πx, u(±1) = 0 (reference: Cole–Hopf)"),
}


def make_problem(name: str, cfg: Mapping[str, Any]):
    """The problem ``name`` at the settings ``cfg``; ValueError naming the valid ones for an unknown name."""
    if name not in PROBLEMS:
        raise ValueError(f"unknown problem {name!r}; valid: {', '.join(PROBLEMS)}")
    return PROBLEMS[name].make(cfg)


@dataclass(frozen=True)
class Run:
    """One training run: ``init`` on ``problem`` with ``arch`` at learning rate ``lr``. SFLI's γ is ``factor`` ×
    the default γ_k of derivative order ``k`` (:func:`sfli.init.default_gamma`), placed at ``where``."""

    problem: str
    arch: str
    init: str
    lr: float
    seed: int
    k: int = 2
    factor: float = 1.0
    where: str = "first"


@dataclass(frozen=True)
class OneLine:
    """The plain PirateNet script of :mod:`.one_line`, with or without ``apply_sfli``."""

    use_sfli: bool
    seed: int


@dataclass(frozen=True)
class Check:
    """The book's check: the residual of each PDE with an exact solution, at that solution (float64)."""

    problems: tuple[str, ...]


Unit = Union[Run, OneLine, Check]


def check_settings(cfg: Mapping[str, Any]) -> None:
    """ValueError naming the bad setting and the valid values."""
    for key, valid in (("problems", PROBLEMS), ("archs", ARCH_NAMES), ("inits", ALL_INITS)):
        if bad := [v for v in cfg[key] if v not in valid]:
            raise ValueError(f"unknown {key} {bad}; valid: {', '.join(valid)}")
    if "sfli" not in cfg["inits"] or not set(PLAIN) & set(cfg["inits"]):
        raise ValueError(f"inits must include 'sfli' and a plain baseline ({', '.join(PLAIN)}); got {cfg['inits']}")
    if cfg["gamma"]["arch"] not in ARCH_NAMES or cfg["lr_grid"]["arch"] not in ARCH_NAMES:
        raise ValueError(f"gamma.arch and lr_grid.arch must be among {', '.join(ARCH_NAMES)}")
    for key in ("placement", "lr_grid"):
        if cfg[key]["problem"] not in PROBLEMS:
            raise ValueError(f"unknown {key}.problem {cfg[key]['problem']!r}; valid: {', '.join(PROBLEMS)}")
    if bad := [w for w in cfg["placement"]["where"] if w not in WHERE]:
        raise ValueError(f"unknown placement.where {bad}; valid: {', '.join(WHERE)}")
    if not cfg["levels"] or any(not 0 < lv < 1 for lv in cfg["levels"]):
        raise ValueError(f"levels must be relative errors in (0, 1), got {cfg['levels']}")


def units(cfg: Mapping[str, Any], seed_list: list[int]) -> list[Unit]:
    """Every unit: problem × arch × init × seed at the main learning rate; the γ sweep; the placements; the
    learning-rate grid; the one-line script; the residual check. Duplicates (a main run that is also a sweep
    point) are run once."""
    check_settings(cfg)
    t, k = cfg["train"], int(cfg["train"]["derivative_order"])
    lr = float(t["lr"])
    out: list[Unit] = [Check(tuple(p for p in cfg["problems"] if p in ("poisson", "helmholtz")))]
    if not 1 <= int(cfg["side_seeds"]) <= len(seed_list):
        raise ValueError(f"side_seeds must be between 1 and n_seeds ({len(seed_list)}), got {cfg['side_seeds']}")
    for s in seed_list:
        out += [Run(p, a, i, lr, s, k) for p in cfg["problems"] for a in cfg["archs"] for i in cfg["inits"]]
    for s in seed_list[:int(cfg["side_seeds"])]:
        g = cfg["gamma"]
        for p in cfg["problems"]:
            out += [Run(p, g["arch"], "sfli", lr, s, 0, float(f)) for f in g["factors"]]
            out += [Run(p, g["arch"], "sfli", lr, s, int(order)) for order in g["orders"]]
            out += [Run(p, g["arch"], i, lr, s, k) for i in PLAIN if i in cfg["inits"]]
        pl = cfg["placement"]
        out += [Run(pl["problem"], "pirate", "sfli", lr, s, k, 1.0, w) for w in pl["where"]]
        out += [Run(pl["problem"], "pirate", i, lr, s, k) for i in PLAIN if i in cfg["inits"]]
        lg = cfg["lr_grid"]
        out += [Run(lg["problem"], lg["arch"], i, float(r), s, k) for i in cfg["inits"] for r in lg["lrs"]]
        out += [OneLine(False, s), OneLine(True, s)]
    return list(dict.fromkeys(out))


def build(run: Run, cfg: Mapping[str, Any], problem) -> nn.Module:
    """The net of ``run``, its layers drawn from a generator keyed by (problem, arch, seed) — not by the init's
    other choices — so that SFLI and Xavier differ only where SFLI acts."""
    net = cfg["net"]
    g = generator("net", run.problem, run.arch, run.seed)
    init = "xavier_normal" if run.init == "sfli" else run.init
    if run.arch == "mlp":
        model: nn.Module = MLP(2, net["width"], net["depth"], activation=ACTIVATION, init=init, generator=g)
    elif run.arch == "modified_mlp":
        model = ModifiedMLP(2, net["width"], net["depth"], activation=ACTIVATION, init=init, generator=g)
    elif run.arch == "pirate":
        rwf = tuple(net["rwf"]) if net["rwf"] else None
        model = PirateNet(2, net["width"], net["blocks"], activation=ACTIVATION, init=init, generator=g,
                          fourier_scale=float(net["fourier_scale"]), rwf=rwf)
    else:
        raise ValueError(f"unknown arch {run.arch!r}; valid: {', '.join(ARCH_NAMES)}")
    if run.init == "sfli":
        gamma = None
        if run.factor != 1.0:
            gamma = run.factor * default_gamma(ACTIVATION, net["width"], problem.box, run.k)
        apply_sfli(model, problem.box, ACTIVATION, where=run.where, derivative_order=run.k, gamma=gamma,
                   generator=generator("sfli", run.problem, run.arch, run.seed))
    return model


def picture_grid(box, n: int) -> torch.Tensor:
    """The n × n cell-centred grid of the box (rows: the second coordinate), as N×2 float64 points."""
    axes = [torch.linspace(a, b, 2 * n + 1, dtype=torch.float64)[1::2] for a, b in zip(box.lower, box.upper)]
    gx, gy = torch.meshgrid(axes[0], axes[1], indexing="xy")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)


CHECK_PDE = {"poisson_wave": 8.0, "helmholtz_a2": 4.0, "allen_cahn_T": 1.0, "burgers_T": 1.0}


def residual_check(names: tuple[str, ...]) -> dict[str, float]:
    """RMS of the residual at the exact solution over RMS of the source, per problem, on 1024 random points in
    float64 (autograd): ≈ 1e-15 when the residual and the exact solution agree."""
    out = {}
    for name in names:
        problem = PROBLEMS[name].make({"points": {"n_interior": 8, "n_boundary": 8, "n_initial": 8,
                                                  "sampling": "random"}, "pde": dict(CHECK_PDE)})

        class Exact(nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return problem.exact(x)

        lo, hi = torch.tensor(problem.box.lower, dtype=torch.float64), torch.tensor(problem.box.upper, dtype=torch.float64)
        x = lo + (hi - lo) * torch.rand(1024, 2, generator=generator("check", name), dtype=torch.float64)
        D = derivatives(Exact(), x.requires_grad_(True), "autograd")
        f = problem.source(x)
        out[name] = float(problem.residual(x, D, f).detach().norm() / f.detach().norm())
    return out


def run_unit(unit: Unit, cfg: Mapping[str, Any]) -> dict:
    """Run one unit; a training run returns its recorded curves and its solution on the picture grid (a diverged
    run keeps what it recorded)."""
    if isinstance(unit, Check):
        return {"residual": residual_check(unit.problems)}
    if isinstance(unit, OneLine):
        started = time.perf_counter()
        error = one_line.train(unit.use_sfli, seed=unit.seed, **cfg["one_line"])
        return {"final_error": error, "seconds": time.perf_counter() - started}
    problem = make_problem(unit.problem, cfg)
    model = build(unit, cfg, problem)
    t = cfg["train"]
    diverged = False
    try:
        history = fit(model, problem, steps=t["steps"], lr=unit.lr, optimizer=t["optimizer"], decay=t["decay"],
                      decay_every=t["decay_every"], seed=unit.seed, eps=cfg["eps"], quadrature_n=t["quadrature_n"],
                      n_log=t["n_log"], record_every=t["record_every"], engine="forward")
    except DivergenceError as err:
        history, diverged = err.history, True
    grid = picture_grid(problem.box, cfg["picture"]).to(torch.float32)
    with torch.no_grad():
        u = model(grid)[:, 0].numpy().astype(np.float32)
    return {"curves": history.frame(), "diverged": diverged, "train_seconds": history.train_seconds,
            "record_seconds": history.record_seconds, "solution": u}


def curves_frame(results: Mapping[Unit, dict]) -> pd.DataFrame:
    """Every recorded step of every training run, with the run's fields as columns."""
    frames = [out["curves"].assign(problem=u.problem, arch=u.arch, init=u.init, lr=u.lr, seed=u.seed, k=u.k,
                                   factor=u.factor, where=u.where, diverged=out["diverged"])
              for u, out in results.items() if isinstance(u, Run)]
    return pd.concat(frames, ignore_index=True)


def exact_on_grid(name: str, cfg: Mapping[str, Any]) -> np.ndarray:
    """The exact or reference solution of problem ``name`` on the picture grid (float64)."""
    problem = make_problem(name, cfg)
    return problem.exact(picture_grid(problem.box, cfg["picture"]))[:, 0].numpy()


INF = math.inf
