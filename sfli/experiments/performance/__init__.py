"""Appendix — the training engine: the forward derivative engine agrees with nested autograd, and the speed of one
PINN training step per engine and step mode. Compute: :mod:`.runs`; figure and tables: :mod:`.plots`; settings:
:mod:`.settings`; claims: :mod:`.claims`. The speed benchmark (:mod:`.benchmark`, command line
``benchmarks/step.py``) and its JAX reference (:mod:`.jax_reference`) measure the core; they live here, not in it.
"""
from __future__ import annotations

from typing import Any

from ..chapter import Chapter, Metric
from ..records import project_root, read_record
from ..settings import check_profile
from . import runs
from .claims import CLAIMS
from .settings import SETTINGS


def tables(result: runs.Result) -> dict[str, Any]:
    """What the record keeps besides the metrics: the benchmark rows and the agreement table."""
    return {"rows": result.rows, "agreement": result.agreement.to_dict("records")}


_TARGET = "the target configuration (poisson2d, mlp4x128, 8192 points): "

METRICS = (
    Metric("engine/max_rel_diff", "largest relative difference forward engine vs nested autograd, float64",
           atol=1e-13),  # float64 round-off
    *(Metric(f"engine/{q}/max_rel_diff", f"the same for {q} only", atol=1e-13) for q in runs.QUANTITIES),
    Metric("engine/first_loss_max_rel_diff", "largest relative difference of the first float32 loss of any "
           "engine and step mode from eager nested autograd", atol=1e-6),  # float32 round-off: 0 or a few ulps
    Metric("loss/*", "first loss per benchmarked configuration (problem/net/points), eager nested autograd"),
    Metric("time/*_ms", "median ms per step per configuration and variant (wall time)"),
    Metric("time/forward_eager_speedup_geomean", "geometric mean over configurations of t(autograd-eager) / "
           "t(forward-eager) (wall time)"),
    Metric("time/total_s", "seconds of the agreement check and the benchmark (wall time)"),
    Metric("time/target/best_ms", _TARGET + "fastest variant's ms per step (NaN if none ran)", when="speed.target"),
    Metric("time/target/speedup_vs_eager_autograd", _TARGET + "t(autograd-eager) / t(fastest)", when="speed.target"),
    Metric("time/target/ratio_vs_jax", _TARGET + "t(fastest) / t(faster JAX variant) (NaN without jax)",
           when="speed.target"),
)

CHAPTER = Chapter(
    name="05_performance", title="The training engine", settings=SETTINGS, units=runs.units,
    run_unit=runs.run_unit, aggregate=runs.aggregate, metrics=METRICS, claims=CLAIMS, tables=tables,
    parallel=False,  # its units time the code: run side by side they would measure each other
)


def committed_record(profile: str = "paper") -> dict | None:
    """This appendix's committed reference record of ``profile`` (e.g. a GPU run at ``paper``), or None when the
    checkout has none (or this is not a checkout, e.g. on Colab); RecordError if it is there but unusable."""
    root = project_root()
    path = None if root is None else root / "records" / check_profile(profile) / f"{CHAPTER.name}.json"
    return read_record(path) if path is not None and path.exists() else None


def missing_record_note(profile: str = "paper") -> str:
    """What the page says (Markdown) where :func:`committed_record` found none: outside a checkout (Colab, an
    installed package) the committed records are not at hand — which is not the same as none being committed."""
    where = f"`records/{check_profile(profile)}/{CHAPTER.name}.json`"
    if project_root() is None:
        return ("**The committed GPU record is not at hand here**: this notebook runs outside a checkout of the book "
                f"(on Colab, or from an installed package), so it cannot read {where} of the repository. The book's "
                "own appendix page shows it where one has been committed; what this run measured is above.")
    return ("**No GPU record has been committed yet**: the machines that built this book had no GPU, so the GPU "
            "target has not been measured (its claims below are *not run* at this profile). The CUDA-graph code "
            "paths are tested only where a GPU is present.")
