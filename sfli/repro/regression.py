"""Regression of recorded numbers: fresh records against the committed references in ``records/<profile>/``.

Tolerance: a metric matches when |new − ref| ≤ ATOL + RTOL·|ref|. Metrics under ``time/`` and ``tracking/``
(wall times and their shares) are not compared, nor are the verdicts of claims on them. A missing or new metric,
a number out of tolerance, and a claim whose verdict flips are each one readable line of the report.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping

from .claims import CLAIMS, evaluate

RTOL = 0.02  #: relative tolerance: seed-averaged ε-ranks may move by a fraction of a neuron across BLAS builds
ATOL = 1e-9
IGNORED_PREFIXES = ("time/", "tracking/")  # wall times and wall-time shares vary from run to run


def _close(new: Any, ref: Any, rtol: float, atol: float) -> bool:
    if isinstance(ref, (int, float)) and isinstance(new, (int, float)):
        if math.isnan(ref) or math.isnan(new):
            return math.isnan(ref) and math.isnan(new)
        return abs(new - ref) <= atol + rtol * abs(ref)
    return new == ref


def compare(reference: Mapping[str, Any], fresh: Mapping[str, Any], rtol: float = RTOL,
            atol: float = ATOL) -> list[str]:
    """Lines describing every difference between two records' metrics and claim verdicts (empty: match)."""
    name = fresh.get("name") or reference.get("name") or "?"
    ref_m, new_m = reference.get("metrics", {}), fresh.get("metrics", {})
    diffs = []
    for key in sorted(set(ref_m) | set(new_m)):
        if key.startswith(IGNORED_PREFIXES):
            continue
        if key not in new_m:
            diffs.append(f"{name}: metric {key!r} missing (reference {ref_m[key]!r})")
        elif key not in ref_m:
            diffs.append(f"{name}: new metric {key!r} = {new_m[key]!r} has no reference (run `sfli bless`)")
        elif not _close(new_m[key], ref_m[key], rtol, atol):
            ref, new = ref_m[key], new_m[key]
            change = (f" ({(new - ref) / abs(ref):+.1%})" if isinstance(ref, (int, float)) and
                      isinstance(new, (int, float)) and ref != 0 else "")
            diffs.append(f"{name}: {key}: reference {ref!r} → now {new!r}{change}; tolerance "
                         f"{atol:g} + {rtol:.0%}·|ref|")
    profile = fresh.get("profile", "")
    for claim in (c for c in CLAIMS if c.record == name and not c.metric.startswith(IGNORED_PREFIXES)):
        before, after = evaluate(claim, reference, profile).status, evaluate(claim, fresh, profile).status
        if before != after:
            diffs.append(f"{name}: claim {claim.id!r} was '{before}' in the reference, now '{after}'")
    return diffs


def regress(profile: str, results: Path, references: Path, names: list[str]) -> list[str]:
    """Compare ``results/<profile>/<name>.json`` with ``references/<profile>/<name>.json`` for each name."""
    from .records import read_record

    diffs = []
    for name in names:
        ref_path, new_path = references / profile / f"{name}.json", results / profile / f"{name}.json"
        if not ref_path.exists():
            diffs.append(f"{name}: no reference record {ref_path} (run `sfli bless --profile {profile}`)")
        elif not new_path.exists():
            diffs.append(f"{name}: no fresh record {new_path}")
        else:
            diffs.extend(compare(read_record(ref_path), read_record(new_path)))
    return diffs
