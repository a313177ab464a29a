r"""Chapter 9 — low-order reformulations (MIM, arXiv:2206.07474; LDLM, arXiv:2103.08915): the units and how one
runs.

A :class:`Train` unit trains one solver's net by :func:`sfli.train.fit` (full batch, float32, Adam; the relative
L² error of u on a quadrature grid and the ε-ranks of every hidden layer recorded along the way) and ends with
the relative L² errors of u, ∇u, Δu and of the formulation's auxiliary outputs
(:func:`sfli.solvers.relative_errors`). Units that differ only in the initialization (SFLI vs default) share
the training points and every layer but the first (generators keyed by problem and seed, not by init), so the
comparison is paired. A :class:`Cost` unit measures time and memory of one step alone
(:func:`sfli.solvers.cost.step_cost`); a :class:`Check` unit evaluates every formulation's residual at the
exact solution in float64 (the book's own correctness). Settings: :mod:`.settings`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Union

import torch

from ...init import sfli_
from ...nets import MLP
from ...solvers import BIHARMONIC, POISSON, ExactNet, make_problem, relative_errors
from ...solvers.cost import step_cost
from ...train import DivergenceError, fit
from ..seeding import generator

INITS = ("default", "sfli")  #: the first layer: the MLP's default (Xavier normal) or SFLI
EQUATIONS = {"poisson": POISSON, "biharmonic": BIHARMONIC}


@dataclass(frozen=True)
class Train:
    """One training run: ``formulation`` of ``equation`` in ``dim`` dimensions with the exact solution
    ``solution``, width ``width``, ``n`` interior points, ``steps`` Adam steps at ``lr``, first layer ``init``."""

    equation: str
    formulation: str
    dim: int
    width: int
    n: int
    steps: int
    lr: float
    init: str
    seed: int
    solution: str = "plane_waves"


@dataclass(frozen=True)
class Cost:
    """Time and memory of one training step of a biharmonic formulation in ``dim`` dimensions."""

    formulation: str
    dim: int


@dataclass(frozen=True)
class Check:
    """Every formulation's loss at the exact solution (its equation's), float64, in ``dim`` dimensions."""

    dim: int


Unit = Union[Train, Cost, Check]


def solution_of(cfg: Mapping, equation: str) -> str:
    """The exact solution of ``equation``: its part's own ``solution`` if set, else the chapter's."""
    return str(cfg.get(equation, {}).get("solution", cfg["solution"]))


def _train(cfg: Mapping, equation: str, formulation: str, dim: int, g: Mapping, init: str, seed: int,
           lr: float | None = None) -> Train:
    return Train(equation, formulation, dim, int(g["width"]), int(g["n"]), int(g["steps"]),
                 float(lr if lr is not None else g["lr"]), init, seed, solution_of(cfg, equation))


def sfli_units(cfg: Mapping, seed: int, init: str) -> list[Train]:
    """Part 4's runs of one seed and init: each solver of ``sfli.solvers`` in 2-D."""
    out = []
    for s in cfg["sfli"]["solvers"]:
        if s in POISSON:
            out.append(_train(cfg, "poisson", s, 2, cfg["poisson"], init, seed))
        elif s in BIHARMONIC:
            out.append(_train(cfg, "biharmonic", s, 2, cfg["biharmonic"], init, seed))
        else:
            raise ValueError(f"unknown solver {s!r}; valid: {', '.join([*POISSON, *BIHARMONIC])}")
    return out


def grid_units(cfg: Mapping, seed: int) -> list[Train]:
    g = cfg["grid"]
    return [_train(cfg, "poisson", "mim", g["dim"], {**g, "width": m, "n": n}, "default", seed)
            for n in g["ns"] for m in g["widths"]]


def biharmonic_units(cfg: Mapping, seed: int) -> list[Train]:
    """Part 3's runs of one seed: every formulation in every dimension at every learning rate of ``lrs``."""
    b = cfg["biharmonic"]
    return [_train(cfg, "biharmonic", f, d, b, "default", seed, lr=lr)
            for d in b["dims"] for f in b["formulations"] for lr in b["lrs"]]


def units(cfg: Mapping, seed_list: list[int]) -> list[Unit]:
    """Parts 1–4's runs for every seed, the cost measurements and the exactness checks (shared runs once)."""
    unknown = [m for m in cfg["poisson"]["methods"] if m not in POISSON]
    unknown += [f for f in cfg["biharmonic"]["formulations"] if f not in BIHARMONIC]
    if unknown:
        raise ValueError(f"unknown formulations {unknown}; valid: {', '.join([*POISSON, *BIHARMONIC])}")
    out: list[Unit] = []
    for s in seed_list:
        out += [_train(cfg, "poisson", m, d, cfg["poisson"], "default", s)
                for d in cfg["poisson"]["dims"] for m in cfg["poisson"]["methods"]]
        out += grid_units(cfg, s)
        out += biharmonic_units(cfg, s)
        out += sfli_units(cfg, s, "default") + sfli_units(cfg, s, "sfli")
    out += [Cost(f, d) for d in cfg["biharmonic"]["cost_dims"] for f in cfg["biharmonic"]["formulations"]]
    out += [Check(d) for d in sorted({2, *cfg["poisson"]["dims"], *cfg["biharmonic"]["dims"]})]
    return list(dict.fromkeys(out))


def quadrature_n(cfg: Mapping, dim: int) -> int:
    """Gauss nodes per axis for d ≤ 3, quasi-Monte Carlo points above (:func:`sfli.quadrature.quadrature`)."""
    return int(cfg["quadrature"]["gauss"] if dim <= 3 else cfg["quadrature"]["qmc"])


def problem_of(unit: Train, cfg: Mapping):
    """The solver problem of a training unit (a quarter as many boundary points as interior ones, ≥ 2d)."""
    n = unit.n
    return make_problem(unit.equation, unit.formulation, dim=unit.dim, solution=unit.solution, n_interior=n,
                        n_boundary=max(n // 4, 2 * unit.dim))


def build(unit: Train, problem, depth: int) -> torch.nn.Module:
    """The net of ``unit``: an MLP (tanh, Xavier normal) with the formulation's outputs, from a generator keyed
    by (equation, formulation, d, width, seed) — not by init, so SFLI and default share every layer but the
    first; with ``init == "sfli"`` the first layer by :func:`sfli.init.sfli_` with the γ rule for the highest
    derivative order in the formulation's loss (``problem.derivative_order``; the README's one line for a PINN)."""
    if unit.init not in INITS:
        raise ValueError(f"unknown init {unit.init!r}; valid: {', '.join(INITS)}")
    g = generator("net", unit.equation, unit.formulation, unit.dim, unit.width, unit.seed)
    model = MLP(unit.dim, unit.width, depth, problem.out_dim, activation="tanh", generator=g)
    if unit.init == "sfli":
        sfli_(model.first, problem.box, "tanh", derivative_order=problem.derivative_order,
              generator=generator("sfli", unit.equation, unit.formulation, unit.dim, unit.width, unit.seed))
    return model


def check_exact(dim: int, solutions: str | Mapping[str, str]) -> dict[str, float]:
    """{equation/formulation: |loss at the exact solution|} in float64 (every residual and boundary term
    vanishes); ``solutions``: one solution name for every equation, or {equation: name}."""
    out = {}
    for equation, table in EQUATIONS.items():
        solution = solutions if isinstance(solutions, str) else solutions[equation]
        for name in table:
            if name == "ritz":
                continue  # an energy, not a residual: its value at u* is not 0 (its first variation is, tested)
            problem = make_problem(equation, name, dim=dim, solution=solution, n_interior=64, n_boundary=32)
            pts = problem.points(torch.Generator().manual_seed(0), torch.float64)
            loss = problem.loss(ExactNet(problem), pts, engine="autograd")
            out[f"{equation}/{name}"] = abs(float(loss.detach()))
    return out


def run_unit(unit: Unit, cfg: Mapping) -> dict:
    """Run one unit (a diverged training run keeps what it recorded; its final errors are ∞)."""
    if isinstance(unit, Check):
        return {"losses": check_exact(unit.dim, {e: solution_of(cfg, e) for e in EQUATIONS})}
    if isinstance(unit, Cost):
        b = cfg["biharmonic"]
        problem = make_problem("biharmonic", unit.formulation, dim=unit.dim,
                               solution=solution_of(cfg, "biharmonic"),
                               n_interior=int(b["n"]), n_boundary=max(int(b["n"]) // 4, 2 * unit.dim))
        seconds, mib = step_cost(problem, int(b["width"]), int(cfg["net"]["depth"]), int(b["cost_steps"]))
        return {"seconds_per_step": seconds, "graph_mib": mib}
    problem = problem_of(unit, cfg)
    model = build(unit, problem, int(cfg["net"]["depth"]))
    qn = quadrature_n(cfg, unit.dim)
    diverged = False
    try:
        history = fit(model, problem, steps=unit.steps, lr=unit.lr, seed=unit.seed, eps=cfg["eps"],
                      quadrature_n=qn, n_log=20, record_every=max(unit.steps // 20, 1))
    except DivergenceError as err:
        history, diverged = err.history, True
    errors = ({k: float("inf") for k in problem.reference(torch.zeros(1, unit.dim))} if diverged
              else relative_errors(problem, model, n=qn))
    return {"curves": history.frame(), "errors": errors, "diverged": diverged,
            "train_seconds": history.train_seconds, "engine": history.meta["engine"]}
