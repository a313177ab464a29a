r"""The chapter's units: every run is a frozen, picklable spec that carries its seeds; many tiny nets of one spec are
trained side by side in one unit (:mod:`.nets`), so a unit is seconds, not milliseconds.

* :class:`BornDead` — ``born_dead.chunk`` fresh nets of one scheme and width: the first constant layer of each;
* :class:`Collapse` — ``collapse.chunk`` nets of one scheme trained on one target: std(f)/std(target) after training;
* :class:`MapCheck` — the one-layer correlation map of one k, simulated at finite width, against the mean field;
* :class:`Correlations` — c_l through the layers of ``meanfield.n_nets`` nets of one scheme and width;
* :class:`Teacher` — the student nets of one scheme (one per seed) trained on their seed's teacher;
* :class:`Digits` — nets of one scheme and architecture (one per seed) trained on the data set;
* ``Part("phase")`` — the mean-field phase diagram on a (σ_w², k) grid.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ...meanfield import phase_fixed_points, relu_correlation_map
from ...relu_init import anticorrelated_weights
from ..chapter import Part
from ..seeding import generator
from .data import grid, load_dataset, target, target_dims
from .nets import Scheme, first_dead_layer, forward, init_nets, layer, log_steps, train

ANTI = ("anticorrelated", "anticorrelated_rai")


@dataclass(frozen=True)
class BornDead:
    scheme: Scheme
    width: int
    chunk: int
    seed: int


@dataclass(frozen=True)
class Collapse:
    target: str
    scheme: Scheme
    chunk: int
    seed: int


@dataclass(frozen=True)
class MapCheck:
    k: float
    seed: int


@dataclass(frozen=True)
class Correlations:
    scheme: Scheme
    width: int
    seed: int


@dataclass(frozen=True)
class Teacher:
    scheme: Scheme
    seeds: tuple[int, ...]


@dataclass(frozen=True)
class Digits:
    arch: str  # "deep" or "wide"
    scheme: Scheme
    seeds: tuple[int, ...]


Unit = BornDead | Collapse | MapCheck | Correlations | Teacher | Digits | Part


def scheme(method: str, cfg: dict, k: float | None = None) -> Scheme:
    """The chapter's scheme of ``method``: the anti-correlated ones at ``k`` (default: the chapter's ``k``; another
    k is a variant "k…")."""
    if method not in ANTI:
        return Scheme(method)
    k = cfg["k"] if k is None else float(k)
    return Scheme(method, k, variant="" if k == cfg["k"] else f"k{k:g}")


def schemes(cfg: dict) -> list[Scheme]:
    return [scheme(m, cfg) for m in cfg["methods"]]


def units(cfg: dict, seed_list: list[int]) -> list[Unit]:
    """Every unit of the chapter, in the order of its tables."""
    first, bd, co, mf = seed_list[0], cfg["born_dead"], cfg["collapse"], cfg["meanfield"]
    out: list[Unit] = [BornDead(s, w, c, first) for s in schemes(cfg) for w in bd["widths"]
                       for c in range(math.ceil(bd["n_nets"] / bd["chunk"]))]
    col = schemes(cfg) + ([Scheme("lps", scale="he", variant="he")] if co["lps_he"] and "lps" in cfg["methods"] else [])
    out += [Collapse(t, s, c, first) for t in co["targets"] for s in col
            for c in range(math.ceil(co["n_runs"] / co["chunk"]))]
    out += [MapCheck(float(k), first) for k in mf["ks"]]
    out += [Correlations(s, w, first) for s in schemes(cfg) for w in mf["widths"]]
    out.append(Part("phase"))
    seeds = tuple(seed_list)
    teach = schemes(cfg) + [scheme("anticorrelated", cfg, k) for k in cfg["teacher"]["ks"] if k != cfg["k"]]
    out += [Teacher(s, seeds) for s in teach]
    out += [Digits("deep", s, seeds) for s in schemes(cfg)]
    out += [Digits("wide", scheme(m, cfg), seeds[:cfg["digits"]["wide_seeds"]]) for m in cfg["digits"]["wide_methods"]]
    return out


def run_unit(unit: Unit, cfg: dict) -> dict[str, Any]:
    """Run one unit; a dict of arrays and its ``seconds``."""
    start = time.perf_counter()
    runner = {BornDead: run_born_dead, Collapse: run_collapse, MapCheck: run_map_check,
              Correlations: run_correlations, Teacher: run_teacher, Digits: run_digits, Part: run_phase}.get(type(unit))
    if runner is None:
        raise TypeError(f"not a unit of the ReLU-initialization chapter: {unit!r}")
    out = runner(unit, cfg)
    out["seconds"] = time.perf_counter() - start
    return out


def run_born_dead(unit: BornDead, cfg: dict) -> dict[str, Any]:
    """How many nets are born dead at each depth 1..depth (``dead[L-1]``), out of ``n``."""
    bd = cfg["born_dead"]
    n = min(bd["chunk"], bd["n_nets"] - unit.chunk * bd["chunk"])
    gen = generator("born_dead", unit.scheme.key, unit.width, unit.chunk, unit.seed)
    first = first_dead_layer(unit.scheme, n, unit.width, bd["depth"], grid(1, bd["n_grid"], torch.float64), gen)
    dead = np.array([(first <= depth).sum().item() for depth in range(1, bd["depth"] + 1)])
    return {"dead": dead, "n": n}


def _spread(f: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """std(f)/std(y) per net: ‖f − mean f‖/‖y − mean y‖ over the points and outputs; f (B, n, d), y (n, d)."""
    return (f - f.mean(1, keepdim=True)).norm(dim=(1, 2)) / (y - y.mean(0)).norm()


def run_collapse(unit: Collapse, cfg: dict) -> dict[str, Any]:
    """Train ``chunk`` deep narrow nets on the target; their spread std(f)/std(target) before and after."""
    co = cfg["collapse"]
    n = min(co["chunk"], co["n_runs"] - unit.chunk * co["chunk"])
    d_in, d_out = target_dims(unit.target)
    width = co["width_2d"] if d_in == 2 else co["width"]
    x, xe = grid(d_in, co["n_train"]), grid(d_in, co["n_eval"])
    y, ye = target(unit.target, x), target(unit.target, xe)
    gen = generator("collapse", unit.target, unit.scheme.key, unit.chunk, unit.seed)
    params = init_nets(unit.scheme, n, d_in, width, co["depth"], d_out, x, gen)
    with torch.no_grad():
        spread0 = _spread(forward(params, xe), ye)
    trained, hist = train(params, lambda p: (forward(p, x) - y).square().mean(dim=(1, 2)), co["steps"], co["lr"],
                          [co["steps"]])
    with torch.no_grad():
        spread = _spread(forward(trained, xe), ye)
    return {"spread0": spread0.numpy(), "spread": spread.numpy(), "loss": hist[co["steps"]].numpy()}


def run_map_check(unit: MapCheck, cfg: dict) -> dict[str, Any]:
    """Pre-activations of correlation c (q = 1) through relu and ONE anti-correlated layer n_in → n_out at
    σ_w² = 2π/(π + k), ``draws`` times: the measured correlation c' of the outputs (mean over the draws; a single
    draw at width 1 000 scatters by about 0.04) against the mean-field map."""
    mf = cfg["meanfield"]
    gen = generator("map", unit.k, unit.seed)
    cs = np.linspace(-0.9, 0.9, mf["n_c"])
    c = torch.tensor(cs, dtype=torch.float64)
    sims = []
    for _ in range(mf["draws"]):
        u, e = (torch.randn(mf["n_in"], len(cs), generator=gen, dtype=torch.float64) for _ in range(2))
        h = torch.relu(torch.cat([u, c * u + (1 - c * c).sqrt() * e], 1))
        z = anticorrelated_weights(mf["n_out"], mf["n_in"], unit.k, generator=gen, dtype=torch.float64) @ h
        za, zb = z[:, :len(cs)], z[:, len(cs):]
        sims.append((za * zb).sum(0) / (za.norm(dim=0) * zb.norm(dim=0)))
    sim = torch.stack(sims)
    return {"c": cs, "simulated": sim.mean(0).numpy(), "sem": (sim.std(0) / math.sqrt(len(sims))).numpy(),
            "theory": relu_correlation_map(cs, unit.k)}


def run_correlations(unit: Correlations, cfg: dict) -> dict[str, Any]:
    """c_l, l = 1..depth: the cosine of the pre-activations of two inputs of correlation c0 (Gaussian, in
    R^width) in each of ``n_nets`` nets; LPS places its hyperplanes on the pair and 62 more Gaussian points."""
    mf = cfg["meanfield"]
    gen = generator("corr", unit.scheme.key, unit.width, unit.seed)
    x = torch.randn(64, unit.width, generator=gen, dtype=torch.float64)
    x[1] = mf["c0"] * x[0] + math.sqrt(1 - mf["c0"] ** 2) * x[1]
    params = init_nets(unit.scheme, mf["n_nets"], unit.width, unit.width, mf["depth"], 1, x, gen, torch.float64)
    h, cs = x.expand(mf["n_nets"], *x.shape), []
    for w, b in params[:-1]:
        z = layer(h, w, b)
        cs.append(((z[:, 0] * z[:, 1]).sum(-1) / (z[:, 0].norm(dim=-1) * z[:, 1].norm(dim=-1)).clamp_min(1e-300)))
        h = torch.relu(z)
    return {"c": torch.stack(cs, 1).numpy(), "c_input": float(torch.nn.functional.cosine_similarity(x[0], x[1], 0))}


def run_phase(unit: Part, cfg: dict) -> dict[str, Any]:
    """The mean-field (q, c) after many layers on a (σ_w², k) grid, at σ_b² = meanfield.phase_sigma_b2."""
    mf = cfg["meanfield"]
    s2 = np.linspace(1.0, 4.0, mf["phase_n"])
    ks = np.linspace(-1.0, 0.0, mf["phase_n"])
    q, c = phase_fixed_points(s2[None, :], ks[:, None], sigma_b2=mf["phase_sigma_b2"])
    return {"sigma_w2": s2, "k": ks, "q": q, "c": c}


def _teacher_data(seed: int, cfg: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """The seed's inputs x ~ N(0, I_dim) and its He teacher's outputs, standardized."""
    te = cfg["teacher"]
    gen = generator("teacher", seed)
    x = torch.randn(te["n_train"], te["dim"], generator=gen)
    teacher = init_nets(Scheme("kaiming_normal"), 1, te["dim"], te["width"], te["depth"], 1, x, gen)
    with torch.no_grad():
        y = forward(teacher, x)[0]
    return x, (y - y.mean()) / y.std().clamp_min(1e-12)


def run_teacher(unit: Teacher, cfg: dict) -> dict[str, Any]:
    """One student per seed, trained on its seed's teacher: the loss at log-spaced steps (steps × seeds)."""
    te = cfg["teacher"]
    data = [_teacher_data(s, cfg) for s in unit.seeds]
    x, y = torch.stack([d[0] for d in data]), torch.stack([d[1] for d in data])
    gen = generator("student", unit.scheme.key, *unit.seeds)
    params = init_nets(unit.scheme, len(unit.seeds), te["dim"], te["width"], te["depth"], 1, x, gen)
    steps = log_steps(te["steps"])
    _, hist = train(params, lambda p: (forward(p, x) - y).square().mean(dim=(1, 2)), te["steps"], te["lr"], steps)
    return {"steps": np.array(steps), "loss": np.stack([hist[s].numpy() for s in steps])}


def run_digits(unit: Digits, cfg: dict) -> dict[str, Any]:
    """One net per seed on the data set, mini-batch Adam (cross-entropy): training loss per epoch, test accuracy."""
    dg = cfg["digits"]
    x, y, x_te, y_te, what = load_dataset(dg["dataset"], dg["n_train"])
    depth, width = dg["deep"] if unit.arch == "deep" else dg["wide"]
    gen = generator("digits", unit.arch, unit.scheme.key, *unit.seeds)
    n_nets, n_classes = len(unit.seeds), int(y.max()) + 1
    params = init_nets(unit.scheme, n_nets, x.shape[1], width, depth, n_classes, x[:512], gen)
    leaves = [t.clone().requires_grad_(True) for pair in params for t in pair]
    pairs = [(leaves[2 * i], leaves[2 * i + 1]) for i in range(len(params))]
    opt = torch.optim.Adam(leaves, lr=dg["lr"], fused=True)
    losses = []
    for _ in range(dg["epochs"]):
        perm, total = torch.randperm(len(x), generator=gen), torch.zeros(n_nets)
        for i in range(0, len(x), dg["batch"]):
            idx = perm[i:i + dg["batch"]]
            logits = forward(pairs, x[idx])
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, n_classes), y[idx].repeat(n_nets),
                                                     reduction="none").reshape(n_nets, -1).mean(1)
            opt.zero_grad(set_to_none=True)
            loss.sum().backward()
            opt.step()
            total += loss.detach() * len(idx)
        losses.append((total / len(x)).numpy())
    with torch.no_grad():
        acc = (forward(pairs, x_te).argmax(-1) == y_te).float().mean(1)
    return {"loss": np.stack(losses), "acc": acc.numpy(), "data": what}
