r"""Appendix — the training engine: the forward derivative engine agrees with nested autograd, and how fast one
PINN training step is per engine and step mode (:mod:`.benchmark`).

Agreement (float64): for every net of the book (MLP, residual MLP, modified MLP, PirateNet with and without
embeddings and random weight factorization) × activation, random weights and points, the largest relative
difference of u, ∇u and the pure second derivatives between the forward engine and nested autograd.

Speed: :func:`.benchmark.run` on the profile's grid. Timings are machine-dependent: they are stored under
``time/`` in the record, so the regression tests never compare them; only the agreement numbers and the
losses of the first step are regressed.

Units (independent, picklable, each carrying its seed): one :class:`Agreement` per activation, one
:class:`Timing` per benchmarked configuration (problem, net, points) with all its variants — the variants of a
configuration run in one process on one device, so their ratios compare like with like.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd
import torch

from ...derivatives import autograd_derivatives, forward_derivatives
from ...nets import MLP, ModifiedMLP, PirateNet, ResMLP
from . import benchmark, jax_reference

#: the book's target configuration (H100, strict fp32): 2-D Poisson, tanh MLP 4×128, 8192 points
TARGET = ("poisson2d", "mlp4x128", 8192)
QUANTITIES = ("u", "du", "d2u")  #: what the agreement check compares


@dataclass(frozen=True)
class Agreement:
    """The float64 agreement check for one activation, on every net of the book."""

    activation: str
    seed: int


@dataclass(frozen=True)
class Timing:
    """One benchmarked configuration: every variant of the profile on (problem, net, points)."""

    problem: str
    net: str
    points: int
    seed: int

    @property
    def key(self) -> str:
        return f"{self.problem}/{self.net}/{self.points}"


@dataclass
class UnitOutput:
    """What a unit returns: its rows (agreement rows or benchmark rows), its wall time and the device it ran on."""

    rows: list[dict[str, Any]]
    seconds: float
    device: str = ""


@dataclass
class Result:
    agreement: pd.DataFrame  # net, activation, quantity, max_rel_diff
    rows: list[dict]  # one per timed configuration and variant (.benchmark.run)
    device: str
    metrics: dict[str, float | int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds of the agreement check and of the benchmark
    cfg: dict = field(default_factory=dict)


# ---------------------------------------------------------------- agreement

def agreement_nets(activation: str, generator: torch.Generator) -> dict[str, torch.nn.Module]:
    """The book's nets on 2-D input (two outputs), float64, every parameter random (biases and PirateNet's α
    included, so no term of the derivative rules is multiplied away)."""
    kw = {"activation": activation, "generator": generator}
    built = {
        "MLP": MLP(2, 12, 3, 2, **kw),
        "ResMLP": ResMLP(2, 12, 3, 2, **kw),
        "ModifiedMLP": ModifiedMLP(2, 12, 3, 2, **kw),
        "PirateNet": PirateNet(2, 12, 2, 2, fourier_scale=None, **kw),
        "PirateNet+Fourier+RWF": PirateNet(2, 12, 2, 2, fourier_scale=1.0, rwf=(0.5, 0.1), **kw),
        "PirateNet+periodic": PirateNet(2, 12, 2, 2, periods={0: 2.0}, fourier_scale=None, **kw),
    }
    for net in built.values():
        net.double()
        with torch.no_grad():
            for p in net.parameters():
                p.copy_(0.7 * torch.randn(p.shape, generator=generator, dtype=p.dtype))
    return built


def agreement_rows(activation: str, points: int, seed: int) -> list[dict[str, Any]]:
    """max |forward − autograd| / max |autograd| per net and quantity (u, du, d2u) for ``activation``, float64,
    at ``points`` random points of [−1, 1]²; weights and points drawn with ``seed``."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(points, 2, generator=g, dtype=torch.float64) * 2 - 1
    rows = []
    for name, net in agreement_nets(activation, g).items():
        ref, fwd = autograd_derivatives(net, x, create_graph=False), forward_derivatives(net, x)
        for q in QUANTITIES:
            a, b = getattr(ref, q).detach(), getattr(fwd, q).detach()
            scale = float(a.abs().max()) or 1.0
            rows.append({"net": name, "activation": activation, "quantity": q,
                         "max_rel_diff": float((a - b).abs().max()) / scale})
    return rows


def engine_agreement(cfg: Mapping[str, Any], seed: int = 0) -> pd.DataFrame:
    """The agreement table of every activation of ``cfg`` (serially; the chapter runs them as units)."""
    return pd.DataFrame([r for act in cfg["agreement"]["activations"]
                         for r in agreement_rows(act, cfg["agreement"]["points"], seed)])


# ---------------------------------------------------------------- units

def timing_configs(cfg: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    """(problem, net, points) of the speed grid, and the target configuration when ``speed.target`` is on."""
    speed = cfg["speed"]
    grid = [(p, n, k) for p in speed["problems"] for n in speed["nets"] for k in speed["points"]]
    return grid + [TARGET] if speed["target"] and TARGET not in grid else grid


def units(cfg: Mapping[str, Any], seed_list: list[int]) -> list[Agreement | Timing]:
    """One agreement check per activation, then one timing per configuration; all with the first seed."""
    seed = seed_list[0]
    return ([Agreement(act, seed) for act in cfg["agreement"]["activations"]]
            + [Timing(p, n, k, seed) for p, n, k in timing_configs(cfg)])


def device_name(device: torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"


def run_unit(unit: Agreement | Timing, cfg: Mapping[str, Any]) -> UnitOutput:
    """Run one unit: the agreement check on the CPU, a timing on the default device (CUDA when available)."""
    start = time.perf_counter()
    if isinstance(unit, Agreement):
        rows = agreement_rows(unit.activation, cfg["agreement"]["points"], unit.seed)
        return UnitOutput(rows, time.perf_counter() - start, "CPU")
    if not isinstance(unit, Timing):
        raise TypeError(f"not a unit of this chapter: {unit!r}")
    speed = cfg["speed"]
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    benchmark.configure_precision()
    rows = benchmark.run([unit.problem], [unit.net], [unit.points], speed["variants"], device, speed["repeats"],
                         speed["warmup"], speed["jax"] and jax_reference.available(),
                         tuple(speed["compile_only"]) or None, log=lambda line: None, seed=unit.seed)
    return UnitOutput(rows, time.perf_counter() - start, device_name(device))


def aggregate(cfg: Mapping[str, Any], seed_list: list[int], results: Mapping[Any, UnitOutput]) -> Result:
    """The agreement table, the speed rows (in the order of :func:`units`) and the metrics."""
    order = units(cfg, seed_list)
    agree = [results[u] for u in order if isinstance(u, Agreement)]
    timed = [results[u] for u in order if isinstance(u, Timing)]
    agreement = pd.DataFrame([r for out in agree for r in out.rows],
                             columns=["net", "activation", "quantity", "max_rel_diff"])
    rows = [r for out in timed for r in out.rows]
    device = timed[0].device if timed else device_name(torch.device("cuda" if torch.cuda.is_available() else "cpu"))
    timings = {"agreement": sum(out.seconds for out in agree), "speed": sum(out.seconds for out in timed)}
    res = Result(agreement, rows, device, timings=timings, cfg=dict(cfg))
    res.metrics = metrics(res, target=bool(cfg["speed"]["target"]))
    return res


# ---------------------------------------------------------------- metrics

def config_key(r: Mapping[str, Any]) -> str:
    """"problem/net/points" of a benchmark row."""
    return f"{r['problem']}/{r['net']}/{r['points']}"


def metrics(res: Result, target: bool = False) -> dict[str, float | int]:
    """Agreement (regressed), first-step losses (regressed: the same numbers on every engine) and timings
    (under ``time/``, never regressed); with ``target``, the target configuration's speed and speed-ups (NaN
    where it did not run, or JAX did not)."""
    m: dict[str, float | int] = {"engine/max_rel_diff": float(res.agreement.max_rel_diff.max())}
    for q, d in res.agreement.groupby("quantity"):
        m[f"engine/{q}/max_rel_diff"] = float(d.max_rel_diff.max())
    ok = [r for r in res.rows if "ms" in r and not r["variant"].startswith("jax-")]
    by_config: dict[str, dict[str, dict]] = {}
    for r in ok:
        by_config.setdefault(config_key(r), {})[r["variant"]] = r
        m[f"time/{config_key(r)}/{r['variant']}_ms"] = r["ms"]
    worst, speedups = 0.0, []
    for key, variants in by_config.items():
        ref = variants.get(benchmark.REFERENCE)
        if ref is None:
            continue
        m[f"loss/{key}/first"] = ref["first_loss"]
        for v in variants.values():
            worst = max(worst, abs(v["first_loss"] - ref["first_loss"]) / abs(ref["first_loss"]))
        if "forward-eager" in variants:
            speedups.append(ref["ms"] / variants["forward-eager"]["ms"])
    m["engine/first_loss_max_rel_diff"] = worst
    if speedups:
        m["time/forward_eager_speedup_geomean"] = float(np.exp(np.mean(np.log(speedups))))
    if target:
        m.update(target_metrics(res.rows))
    m["time/total_s"] = sum(res.timings.values()) if res.timings else math.nan
    return m


def target_metrics(rows: list[dict]) -> dict[str, float]:
    """The target configuration's fastest ms per step, its speed-up over eager nested autograd and its ratio to
    the faster JAX reference; NaN for what did not run."""
    key = "/".join(map(str, TARGET))
    ran = [r for r in rows if "ms" in r and config_key(r) == key]
    torch_ms = {r["variant"]: r["ms"] for r in ran if not r["variant"].startswith("jax-")}
    jax_ms = [r["ms"] for r in ran if r["variant"].startswith("jax-")]
    best = min(torch_ms.values(), default=math.nan)
    ref = torch_ms.get(benchmark.REFERENCE, math.nan)
    return {"time/target/best_ms": best, "time/target/speedup_vs_eager_autograd": ref / best,
            "time/target/ratio_vs_jax": best / min(jax_ms) if jax_ms else math.nan}
