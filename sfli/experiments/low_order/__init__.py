"""Chapter 9 — low-order reformulations: the deep mixed residual method (MIM; Li, Tai, Yang, Zhu,
arXiv:2206.07474) and the local deep learning method for high-order PDEs (LDLM; Yang, Zhu, arXiv:2103.08915),
with and without SFLI. Units and runs: :mod:`.runs`; aggregation and metrics: :mod:`.summary`; figures:
:mod:`.plots`; settings: :mod:`.settings`; claims: :mod:`.claims`. The solvers are :mod:`sfli.solvers`."""
from __future__ import annotations

from typing import Any

from ..chapter import Chapter, Metric
from . import runs, summary
from .claims import CLAIMS
from .settings import SETTINGS
from .summary import PATHS

_P = {"dim": "poisson.dims"}
_B = {"dim": "biharmonic.dims", "form": "biharmonic.formulations"}
_LOW = ("second_order", "first_order")

METRICS = (
    *(Metric(f"poisson/d{{dim}}/{{method}}/{q}", f"seed-mean relative L² error of the net's {q}",
             over={**_P, "method": "poisson.methods"}) for q in ("u", "grad_u", "lap_u")),
    *(Metric(f"poisson/d{{dim}}/mim/{q}", f"MIM: seed-mean relative L² error of {q} (vs ∇u*, Δu*)", over=_P)
      for q in ("p", "div_p")),
    *(Metric(f"poisson/d{{dim}}/{k}", d, over=_P) for k, d in (
        ("grad_ratio", "Deep Ritz's ∇u error / MIM's p error"), ("lap_ratio", "Deep Ritz's Δu error / MIM's div p"),
        ("grad_ratio_own", "Deep Ritz's ∇u error / MIM's own ∇u"), ("lap_ratio_own", "Deep Ritz's Δu / MIM's own Δu"))),
    Metric("grid/*", "MIM on the (n, m) grid: seed-mean errors per cell"),
    *(Metric(f"grid/{p}/{k}", f"path {p}: {k}") for p in PATHS for k in ("slope", "slope_lo", "slope_hi", "drop")),
    Metric("biharmonic/d{dim}/{form}/lr", "the learning rate the formulation is reported at (its best)", over=_B),
    Metric("biharmonic/d{dim}/{form}/error", "seed-mean relative L² error of u (at its best rate)", over=_B),
    Metric("biharmonic/d{dim}/{form}/steps_to_level", "median steps to the level (censored)", over=_B),
    Metric("time/biharmonic/d{dim}/{form}/seconds_to_level", "median training seconds to the level", over=_B),
    Metric("time/biharmonic/d{dim}/{form}/ms_per_step", "mean training ms per step", over=_B),
    Metric("time/biharmonic/d{dim}/time_speedup_{form}", "direct's seconds to the level / the system's",
           over=_B, among={"form": _LOW}),
    Metric("time/cost/*", "time per step measured alone, and its growth with d"),
    Metric("cost/d{dim}/{form}/graph_mib", "MiB the autograd graph saves (CPU) or peak (CUDA)",
           over={"dim": "biharmonic.cost_dims", "form": "biharmonic.formulations"}),
    Metric("cost/{form}/memory_growth", "memory per step at the largest d / at the smallest",
           over={"form": "biharmonic.formulations"}),
    *(Metric(f"cost/memory_growth_ratio_{f}", "direct's memory growth / the system's") for f in _LOW),
    *(Metric(f"time/cost/time_growth_ratio_{f}", "direct's time growth / the system's") for f in _LOW),
    *(Metric(f"sfli/{{solver}}/{init}/{k}", d, over={"solver": "sfli.solvers"}) for init in runs.INITS
      for k, d in (
        ("rank_first_init", "seed-mean ε-rank of the first hidden layer at initialization"),
        ("rank_last_init", "seed-mean ε-rank of the last hidden layer at initialization"),
        ("steps_to_level", "median steps to the level (censored)"),
        ("final_error", "median final relative L² error of u"))),
    Metric("time/sfli/*", "seconds to the level and their ratio"),
    *(Metric(f"sfli/{{solver}}/{k}", d, over={"solver": "sfli.solvers"}) for k, d in (
        ("rank_ratio", "SFLI's last-layer initial ε-rank / the default's"),
        ("speedup", "default's steps to the level / SFLI's"), ("error_ratio", "default's final error / SFLI's"))),
    Metric("check/*", "loss at the exact solution per dimension and formulation (float64)"),
    Metric("check/max_loss_exact", "the largest loss at the exact solution (float64)"),
    Metric("time/train_seconds", "training seconds (summed)"),
)


def tables(result: summary.Result) -> dict[str, Any]:
    """The record keeps every summary table and the per-run table."""
    return {k: getattr(result, k).to_dict("records") for k in
            ("poisson", "grid", "rates", "biharmonic", "cost", "sfli", "sfli_comparisons", "checks", "runs")}


CHAPTER = Chapter(
    name="09_low_order", title="Low-order reformulations: MIM and LDLM, with and without SFLI", settings=SETTINGS,
    units=runs.units, run_unit=runs.run_unit, aggregate=summary.aggregate, metrics=METRICS, claims=CLAIMS,
    tables=tables,
)
