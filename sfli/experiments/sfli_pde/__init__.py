"""Chapter 8 — SFLI on PDE benchmarks with MLP, modified MLP and PirateNet (Tang, Yang, Zhao, Zhu,
arXiv:2507.11962): SFLI against Xavier normal and PyTorch's default on four PINN problems, γ for a loss with
derivatives, SFLI's placement in PirateNet and a learning-rate grid. Units and runs: :mod:`.runs`; tables:
:mod:`.summary`; metrics: :mod:`.metrics`; figures: :mod:`.plots`; settings: :mod:`.settings`; claims:
:mod:`.claims`; the plain PirateNet script with and without the one line: :mod:`.one_line`."""
from __future__ import annotations

from typing import Any

from ..chapter import Chapter, Metric
from . import runs
from .claims import CLAIMS
from .metrics import COMPARED, aggregate
from .runs import PLAIN
from .settings import SETTINGS
from .summary import Result

_PAI = {"problem": "problems", "arch": "archs", "init": "inits"}
_PER_INIT = {"final_error": "median final relative L² error (main runs)",
             "rank_first_init": "seed-mean ε-rank of the first hidden layer at initialization",
             "rank_last_init": "seed-mean ε-rank of the last hidden layer at initialization"}
_PER_CELL = {"rank_ratio": "SFLI's last-layer initial ε-rank / the best plain baseline's",
             "rank_first_ratio": "SFLI's first-layer initial ε-rank / the best plain baseline's",
             "speedup": "fewest plain-baseline steps to the first error level / SFLI's (censored at the budget)",
             "error_ratio": "smallest plain-baseline median final error / SFLI's"}
assert set(_PER_CELL) == set(COMPARED)

METRICS = (
    *(Metric(f"{{problem}}/{{arch}}/{{init}}/{k}", d, over=_PAI) for k, d in _PER_INIT.items()),
    Metric("{problem}/{arch}/{init}/steps_to_{level:g}", "median steps to the error level (censored at the budget)",
           over={**_PAI, "level": "levels"}),
    Metric("time/{problem}/{arch}/{init}/seconds_to_{level:g}", "median training seconds to the error level",
           over={**_PAI, "level": "levels"}),
    *(Metric(f"{{problem}}/{{arch}}/{k}", d, over={"problem": "problems", "arch": "archs"})
      for k, d in _PER_CELL.items()),
    *(Metric(f"cells/share_{k}", f"share of (problem, arch) cells whose {k} exceeds 1")
      for k in ("rank_ratio", "speedup", "error_ratio")),
    Metric("gamma/{problem}/k0_x{factor:g}/final_error", "γ sweep (gamma.arch): median final error at γ = factor × γ_0",
           over={"problem": "problems", "factor": "gamma.factors"}),
    Metric("gamma/{problem}/k{order}/final_error", "γ sweep: median final error at the rule γ_k",
           over={"problem": "problems", "order": "gamma.orders"}),
    Metric("gamma/k0_x{factor:g}/geomean_ratio_to_baseline",
           "geometric mean over the problems of (final error at factor × γ_0) / the best plain baseline's",
           over={"factor": "gamma.factors"}),
    Metric("gamma/k{order}/geomean_ratio_to_baseline",
           "geometric mean over the problems of (final error at γ_k) / the best plain baseline's",
           over={"order": "gamma.orders"}),
    Metric("placement/{where}/final_error", "PirateNet, SFLI at this placement: median final error",
           over={"where": "placement.where"}),
    Metric("placement/{init}/final_error", "PirateNet, this plain baseline: median final error",
           over={"init": "inits"}, among={"init": PLAIN}),
    Metric("lr_grid/{init}/lr_{lr:g}/final_error", "learning-rate grid: median final error",
           over={"init": "inits", "lr": "lr_grid.lrs"}),
    Metric("lr_grid/error_ratio_best", "best plain baseline's error at its best lr / SFLI's at its best lr"),
    Metric("check/residual/{problem}", "relative RMS residual at the exact solution (float64)",
           over={"problem": "problems"}, among={"problem": ("poisson", "helmholtz")}, atol=1e-12),
    Metric("one_line/error_plain", "the plain PirateNet script: median final error"),
    Metric("one_line/error_sfli", "the plain PirateNet script with apply_sfli: median final error"),
    Metric("one_line/error_ratio", "plain / with apply_sfli"),
    Metric("time/*", "training seconds (summed)"),
)


def tables(result: Result) -> dict[str, Any]:
    """The record keeps the summary, the comparisons, the γ sweep, the placements, the lr grid and the runs."""
    return {name: getattr(result, name).to_dict("records")
            for name in ("summary", "comparisons", "gamma", "placement", "lr_grid", "runs")}


CHAPTER = Chapter(
    name="08_sfli_pde", title="SFLI on PDE benchmarks with MLP, modified MLP and PirateNet", settings=SETTINGS,
    units=runs.units, run_unit=runs.run_unit, aggregate=aggregate, metrics=METRICS, claims=CLAIMS, tables=tables,
)
