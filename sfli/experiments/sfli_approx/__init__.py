"""Chapter 6 — SFLI for function approximation and spectral bias (Tang, Yang, Zhao, Zhu, arXiv:2507.11962):
SFLI against Xavier, He, PyTorch's default and a random Fourier feature embedding on targets of our choice.
Units and runs: :mod:`.runs`; aggregation and metrics: :mod:`.summary`; figures: :mod:`.plots`; settings:
:mod:`.settings`; claims: :mod:`.claims`; the plain script with and without the one line: :mod:`.one_line`."""
from __future__ import annotations

from typing import Any

from ...activations import ACTIVATIONS
from ..chapter import Chapter, Metric
from . import runs, summary
from .claims import CLAIMS
from .runs import TARGETS
from .settings import SETTINGS

BAND_CELLS = tuple(f"{t}/{a}" for t, target in TARGETS.items() if target.band_grid for a in ACTIVATIONS)
_CM = {"cell": "cells", "method": "methods"}
_PER_METHOD = {"best_lr": "the best learning rate (lowest median final error)",
               "final_error": "median final relative L² error at the best learning rate",
               "rank_first_init": "seed-mean ε-rank of the first hidden layer at initialization",
               "rank_last_init": "seed-mean ε-rank of the last hidden layer at initialization"}
_PER_CELL = {"rank_ratio": "SFLI's last-layer initial ε-rank / the best plain baseline's",
             "speedup": "fewest plain-baseline steps to the first error level / SFLI's (censored at the budget)",
             "error_ratio": "smallest plain-baseline final error / SFLI's",
             "speedup_vs_rff": "RFF's steps to the first error level / SFLI's",
             "error_ratio_vs_rff": "RFF's final error / SFLI's"}

METRICS = (
    *(Metric(f"{{cell}}/{{method}}/{k}", d, over=_CM) for k, d in _PER_METHOD.items()),
    Metric("{cell}/{method}/steps_to_{level:g}", "median steps to the error level (censored at the budget)",
           over={**_CM, "level": "levels"}),
    Metric("time/{cell}/{method}/seconds_to_{level:g}", "median training seconds to the error level",
           over={**_CM, "level": "levels"}),
    Metric("{cell}/{method}/high_band_steps", "median steps until the highest band's error ≤ band_level",
           over=_CM, among={"cell": BAND_CELLS}),
    *(Metric(f"{{cell}}/{k}", d, over={"cell": "cells"}) for k, d in _PER_CELL.items()),
    Metric("{cell}/band_speedup", "fewest plain-baseline steps until the highest band converges / SFLI's",
           over={"cell": "cells"}, among={"cell": BAND_CELLS}),
    *(Metric(f"cells/share_{k}", f"share of cells whose {k} exceeds 1")
      for k in ("rank_ratio", "speedup", "error_ratio", "band_speedup")),
    Metric("sensitivity/sfli/factor_{factor:g}/final_error", "SFLI (random placement) with γ × factor: median "
           "final error", over={"factor": "sensitivity.factors"}),
    Metric("sensitivity/placement_{placement}/final_error", "SFLI at the default γ with this placement: median "
           "final error", over={"placement": "sensitivity.placements"}),
    Metric("sensitivity/rff/factor_{factor:g}/final_error", "RFF with its scale × factor: median final error",
           over={"factor": "sensitivity.factors"}),
    Metric("one_line/error_plain", "the plain script: median final error"),
    Metric("one_line/error_sfli", "the plain script with apply_sfli: median final error"),
    Metric("one_line/error_ratio", "plain / with apply_sfli"),
    Metric("time/*", "training seconds (summed)"),
)


def tables(result: summary.Result) -> dict[str, Any]:
    """The record keeps the per-(cell, method) summary, the per-cell comparisons and the per-run table."""
    return {"summary": result.summary.to_dict("records"), "comparisons": result.comparisons.to_dict("records"),
            "runs": result.runs.to_dict("records")}


CHAPTER = Chapter(
    name="06_sfli_approx", title="SFLI for function approximation and spectral bias", settings=SETTINGS,
    units=runs.units, run_unit=runs.run_unit, aggregate=summary.aggregate, metrics=METRICS, claims=CLAIMS,
    tables=tables,
)
