r"""The chapter's tables and flat metrics from its units' outputs (:func:`aggregate`), with the Wilson interval and
the born-dead bounds of symmetric zero-bias nets on a 1-D input [ours]:

A zero-bias ReLU net of a scalar input is f(x) = x·A for x > 0 and |x|·B for x < 0, where a_ℓ = relu(W_ℓ a_{ℓ−1})
(a_1 = relu(w_1)) and likewise b_ℓ. For a non-zero a ≥ 0 and rows with a symmetric law, each neuron is dead with
probability ½, independently: P(a_ℓ = 0 | a_{ℓ−1} ≠ 0) = 2^{−N}. Hence, at width N and depth L,
1 − 2(1 − 2^{−N})^L ≤ P(born dead) ≤ 1 − (1 − 2^{−N})^L — for He and for anti-correlated rows alike.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ...meanfield import relu_correlations, relu_fixed_point
from ..chapter import Part
from .runs import BornDead, Collapse, Correlations, Digits, MapCheck, Teacher, scheme, schemes, units

Z95 = 1.959963984540054


def wilson(k: np.ndarray | int, n: np.ndarray | int, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of a proportion k/n (95 % by default)."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def born_dead_bounds(width: int, depth: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
    """[lower, upper] of P(born dead) for symmetric zero-bias nets on a 1-D input (module docstring)."""
    alive = (1.0 - 2.0 ** (-width)) ** np.asarray(depth, dtype=float)
    return np.clip(1 - 2 * alive, 0, 1), 1 - alive


@dataclass
class Result:
    """The chapter's tables and the flat ``metrics`` the record stores."""

    born_dead: pd.DataFrame  # scheme, width, depth, dead, n, p, lo, hi, theory_lo, theory_hi
    collapse: pd.DataFrame  # target, scheme, n, rate, lo, hi, born_dead, rate_t…
    spreads: pd.DataFrame  # target, scheme, spread0, spread (one row per net)
    map_check: pd.DataFrame  # k, c, simulated, theory
    correlations: pd.DataFrame  # scheme, width, net, depth, c
    phase: dict  # sigma_w2, k, q, c
    teacher: pd.DataFrame  # scheme, seed, step, loss
    digits: pd.DataFrame  # arch, scheme, seed, epoch, loss
    accuracy: pd.DataFrame  # arch, scheme, seed, acc
    data: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    cfg: dict = field(default_factory=dict)


def aggregate(cfg: dict, seed_list: list[int], results: dict[Any, dict]) -> Result:
    """Tables in the order of :func:`units`, whatever the order of ``results``."""
    dead: dict[tuple[str, int], list] = {}
    spreads, maps, corr, teach, dig, acc = [], [], [], [], [], []
    timings: dict[str, float] = {}
    phase, data = {}, ""
    for unit in units(cfg, seed_list):
        out = results[unit]
        part = type(unit).__name__
        timings[part] = timings.get(part, 0.0) + out["seconds"]
        if isinstance(unit, BornDead):
            prev = dead.setdefault((unit.scheme.key, unit.width), [0, 0])
            prev[0], prev[1] = prev[0] + out["dead"], prev[1] + out["n"]
        elif isinstance(unit, Collapse):
            spreads += [{"target": unit.target, "scheme": unit.scheme.key, "spread0": float(a), "spread": float(b)}
                        for a, b in zip(out["spread0"], out["spread"])]
        elif isinstance(unit, MapCheck):
            maps += [{"k": unit.k, "c": c, "simulated": s, "sem": e, "theory": t}
                     for c, s, e, t in zip(out["c"], out["simulated"], out["sem"], out["theory"])]
        elif isinstance(unit, Correlations):
            corr += [{"scheme": unit.scheme.key, "width": unit.width, "net": i, "depth": d + 1, "c": float(c)}
                     for i, row in enumerate(out["c"]) for d, c in enumerate(row)]
        elif isinstance(unit, Teacher):
            teach += [{"scheme": unit.scheme.key, "seed": s, "step": int(step), "loss": float(loss)}
                      for step, row in zip(out["steps"], out["loss"]) for s, loss in zip(unit.seeds, row)]
        elif isinstance(unit, Digits):
            dig += [{"arch": unit.arch, "scheme": unit.scheme.key, "seed": s, "epoch": e + 1, "loss": float(v)}
                    for e, row in enumerate(out["loss"]) for s, v in zip(unit.seeds, row)]
            acc += [{"arch": unit.arch, "scheme": unit.scheme.key, "seed": s, "acc": float(a)}
                    for s, a in zip(unit.seeds, out["acc"])]
            data = out["data"]
        elif isinstance(unit, Part):
            phase = out
    timings["total"] = sum(timings.values())
    res = Result(_born_dead_table(dead, cfg), _collapse_table(pd.DataFrame(spreads), cfg), pd.DataFrame(spreads),
                 pd.DataFrame(maps), pd.DataFrame(corr), phase, pd.DataFrame(teach), pd.DataFrame(dig),
                 pd.DataFrame(acc), data, timings=timings, cfg=dict(cfg))
    res.metrics = metrics(res, cfg)
    return res


def _born_dead_table(dead: dict, cfg: dict) -> pd.DataFrame:
    rows = []
    for (key, width), (counts, n) in dead.items():
        depth = np.arange(1, len(counts) + 1)
        lo, hi = wilson(counts, n)
        t_lo, t_hi = born_dead_bounds(width, depth)
        rows.append(pd.DataFrame({"scheme": key, "width": width, "depth": depth, "dead": counts, "n": n,
                                  "p": counts / n, "lo": lo, "hi": hi, "theory_lo": t_lo, "theory_hi": t_hi}))
    return pd.concat(rows, ignore_index=True)


def _collapse_table(spreads: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    co, rows = cfg["collapse"], []
    for (tgt, key), d in spreads.groupby(["target", "scheme"], sort=False):
        k, n = int((d.spread < co["threshold"]).sum()), len(d)
        lo, hi = wilson(k, n)
        rows.append({"target": tgt, "scheme": key, "n": n, "rate": k / n, "lo": float(lo), "hi": float(hi),
                     "born_dead": float((d.spread0 < co["threshold"]).mean()),
                     **{f"rate_t{t:g}": float((d.spread < t).mean()) for t in co["thresholds"]}})
    return pd.DataFrame(rows)


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else (1.0 if a == 0 else math.inf)


def steps_to_level(curves: pd.DataFrame, level: float, steps: int) -> pd.Series:
    """Per (scheme, seed): the first recorded step with loss ≤ ``level`` (``steps`` + 1 when never)."""
    hit = curves[curves.loss <= level].groupby(["scheme", "seed"]).step.min()
    every = curves.groupby(["scheme", "seed"]).step.max()
    return hit.reindex(every.index).fillna(steps + 1)


def metrics(res: Result, cfg: dict) -> dict[str, float]:
    """Flat metrics; names: see the chapter's ``METRICS``."""
    m: dict[str, float] = {}
    bd, keys = res.born_dead, [s.key for s in schemes(cfg)]
    last = bd[bd.depth == cfg["born_dead"]["depth"]]
    for key in keys:
        d = last[last.scheme == key]
        for _, r in d.iterrows():
            m[f"born_dead/{key}/w{int(r.width)}/depth_max"] = float(r.p)
        m[f"born_dead/{key}/depth_max_mean"] = float(d.p.mean())
    he, rai, lps = (scheme(x, cfg).key for x in ("kaiming_normal", "rai", "lps"))
    sym = bd[bd.scheme.isin([he, scheme("anticorrelated", cfg).key])]
    overlap = (sym.lo <= sym.theory_hi + 1e-12) & (sym.hi >= sym.theory_lo - 1e-12)
    m["born_dead/theory_agreement"] = float(overlap.mean())
    m["born_dead/ratio_rai_he"] = _ratio(m[f"born_dead/{rai}/depth_max_mean"], m[f"born_dead/{he}/depth_max_mean"])
    m["born_dead/ratio_lps_he"] = _ratio(m[f"born_dead/{lps}/depth_max_mean"], m[f"born_dead/{he}/depth_max_mean"])
    co = res.collapse
    for _, r in co.iterrows():
        m[f"collapse/{r.target}/{r.scheme}/rate"] = float(r.rate)
        m[f"collapse/{r.target}/{r.scheme}/born_dead"] = float(r.born_dead)
        for t in cfg["collapse"]["thresholds"]:
            m[f"collapse/{r.target}/{r.scheme}/rate_t{t:g}"] = float(r[f"rate_t{t:g}"])
    one_d = [t for t in cfg["collapse"]["targets"] if t != "abs2d"]
    for key in co.scheme.unique():
        m[f"collapse/{key}/rate_mean"] = float(co[co.scheme == key].rate.mean())
        if one_d:
            m[f"collapse/{key}/rate_1d_mean"] = float(co[(co.scheme == key) & co.target.isin(one_d)].rate.mean())
    m["collapse/ratio_rai_he"] = _ratio(m[f"collapse/{rai}/rate_mean"], m[f"collapse/{he}/rate_mean"])
    m["collapse/ratio_lps_he"] = _ratio(m[f"collapse/{lps}/rate_mean"], m[f"collapse/{he}/rate_mean"])
    m["meanfield/map_max_abs_dev"] = float((res.map_check.simulated - res.map_check.theory).abs().max())
    m.update(_correlation_metrics(res, cfg))
    m.update(_teacher_metrics(res, cfg))
    accs = res.accuracy.groupby(["arch", "scheme"]).acc.mean()
    for (arch, key), a in accs.items():
        m[f"digits/{arch}/{key}/test_acc"] = float(a)
    m["digits/deep/acc_gain_rai_he"] = float(accs[("deep", rai)] - accs[("deep", he)])
    if ("wide", rai) in accs and ("wide", he) in accs:
        m["digits/wide/acc_gap_rai_he"] = float(abs(accs[("wide", rai)] - accs[("wide", he)]))
    m["time/seconds_total"] = res.timings["total"]
    return m


def _correlation_metrics(res: Result, cfg: dict) -> dict[str, float]:
    m: dict[str, float] = {}
    mf = cfg["meanfield"]
    c = res.correlations
    last = c[c.depth == mf["depth"]].groupby(["scheme", "width"]).c.mean()
    for (key, width), v in last.items():
        m[f"corr/{key}/w{width}/c_last"] = float(v)
    wide = max(mf["widths"])
    he, anti = scheme("kaiming_normal", cfg).key, scheme("anticorrelated", cfg).key
    m["corr/distance_ratio_anti_he"] = _ratio(1 - last[(anti, wide)], 1 - last[(he, wide)])
    m["corr/anti_dev_fixed_point"] = float(abs(last[(anti, wide)] - relu_fixed_point(cfg["k"])))
    m["corr/he_theory_c_last"] = float(relu_correlations(mf["c0"], 0.0, mf["depth"] - 1)[-1])
    return m


def _teacher_metrics(res: Result, cfg: dict) -> dict[str, float]:
    m: dict[str, float] = {}
    te, t = cfg["teacher"], res.teacher
    final = t[t.step == te["steps"]]
    geo = final.groupby("scheme").loss.agg(lambda v: float(np.exp(np.log(np.maximum(v, 1e-30)).mean())))
    reach = steps_to_level(t, te["level"], te["steps"]).groupby("scheme").median()
    for key in geo.index:
        m[f"teacher/{key}/final_loss"] = float(geo[key])
        m[f"teacher/{key}/steps_to_level"] = float(reach[key])
    he, anti, comb = (scheme(x, cfg).key for x in ("kaiming_normal", "anticorrelated", "anticorrelated_rai"))
    m["teacher/loss_ratio_anti_he"] = float(geo[anti] / geo[he])
    m["teacher/loss_ratio_combined_anti"] = float(geo[comb] / geo[anti])
    m["teacher/speedup_anti_he"] = float(reach[he] / reach[anti])
    m["teacher/speedup_combined_he"] = float(reach[he] / reach[comb])
    m["teacher/speedup_combined_anti"] = float(reach[anti] / reach[comb])
    return m
