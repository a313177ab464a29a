"""Chapter 8's flat metrics (declared in the package's ``__init__``) and the aggregation the chapter runs."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from .runs import PLAIN, Unit
from .summary import NAN, Result, ratio, tabulate

COMPARED = ("rank_ratio", "rank_first_ratio", "speedup", "error_ratio")


def _geomean(values) -> float:
    v = np.asarray([x for x in values if np.isfinite(x) and x > 0], dtype=float)
    return float(np.exp(np.log(v).mean())) if len(v) else NAN


def metrics(result: Result, cfg: Mapping) -> dict[str, Any]:
    """The flat metrics of ``result``."""
    m: dict[str, Any] = {}
    for row in result.summary.to_dict("records"):
        key = f"{row['problem']}/{row['arch']}/{row['init']}"
        for name in ("final_error", "rank_first_init", "rank_last_init"):
            m[f"{key}/{name}"] = float(row[name])
        for level in cfg["levels"]:
            m[f"{key}/steps_to_{level:g}"] = float(row[f"steps_to_{level:g}"])
            m[f"time/{key}/seconds_to_{level:g}"] = float(row[f"seconds_to_{level:g}"])
    comp = result.comparisons
    for row in comp.to_dict("records"):
        for name in COMPARED:
            m[f"{row['problem']}/{row['arch']}/{name}"] = float(row[name])
    for name in ("rank_ratio", "speedup", "error_ratio"):
        m[f"cells/share_{name}"] = float((comp[name] > 1).mean()) if len(comp) else NAN
    gam = result.gamma
    for row in gam.to_dict("records"):
        choice = f"k0_x{row['factor']:g}" if row["choice"].startswith("k0 ×") else row["choice"]
        m[f"gamma/{row['problem']}/{choice}/final_error"] = row["final_error"]
    for choice, g in gam.groupby("choice", sort=False):
        name = choice.replace(" ×", "_x")
        m[f"gamma/{name}/geomean_ratio_to_baseline"] = _geomean(g.ratio_to_baseline)
    for row in result.placement.to_dict("records"):
        m[f"placement/{row['placement']}/final_error"] = row["final_error"]
    lr = result.lr_grid
    for row in lr.to_dict("records"):
        m[f"lr_grid/{row['init']}/lr_{row['lr']:g}/final_error"] = row["final_error"]
    best = lr.groupby("init").final_error.min()
    m["lr_grid/error_ratio_best"] = ratio(float(best[[i for i in best.index if i in PLAIN]].min()),
                                          float(best["sfli"]))
    for problem, value in result.check.items():
        m[f"check/residual/{problem}"] = float(value)
    one = result.one_line
    plain, with_sfli = float(one[~one.use_sfli].final_error.median()), float(one[one.use_sfli].final_error.median())
    m.update({"one_line/error_plain": plain, "one_line/error_sfli": with_sfli,
              "one_line/error_ratio": ratio(plain, with_sfli),
              "time/train_seconds": float(result.runs.train_seconds.sum()),
              "time/one_line_seconds": float(one.seconds.sum())})
    return m


def aggregate(cfg: Mapping, seed_list: list[int], results: Mapping[Unit, dict]) -> Result:
    """The chapter's result (tables and metrics) from ``{unit: run_unit output}``."""
    result = tabulate(cfg, seed_list, results)
    result.metrics = metrics(result, cfg)
    return result
