"""Regression of recorded numbers: fresh records against the committed references in ``records/<profile>/``.

A metric matches when |new − ref| ≤ ATOL + RTOL·|ref| (ATOL raised to the chapter's declared ``atol`` for
metrics at round-off level). Metrics under ``time/`` (wall times and their shares) are
not compared, nor are the verdicts of claims on them. Parameters and seeds are compared first: records made with
different settings are reported as such, not as drifting numbers. A missing or new metric, a number out of
tolerance and a claim whose verdict flips are each one readable line of the report.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..experiments.chapter import WALL_TIME, Chapter
from ..experiments.records import RecordError, read_record

RTOL = 0.02  #: relative tolerance: seed-averaged ε-ranks may move by a fraction of a neuron across BLAS builds
ATOL = 1e-9


def _close(new: Any, ref: Any, rtol: float, atol: float) -> bool:
    if isinstance(ref, (int, float)) and isinstance(new, (int, float)):
        if math.isnan(ref) or math.isnan(new):
            return math.isnan(ref) and math.isnan(new)
        return abs(new - ref) <= atol + rtol * abs(ref)
    return new == ref


def _settings_diff(reference: Mapping[str, Any], fresh: Mapping[str, Any]) -> list[str]:
    ref_p, new_p = reference.get("params", {}), fresh.get("params", {})
    changed = sorted(k for k in set(ref_p) | set(new_p) if ref_p.get(k) != new_p.get(k))
    out = [f"parameter {k!r}: reference {ref_p.get(k)!r}, now {new_p.get(k)!r}" for k in changed[:5]]
    if len(changed) > 5:
        out.append(f"… and {len(changed) - 5} more parameters")
    if reference.get("seeds") != fresh.get("seeds"):
        out.append(f"seeds: reference {reference.get('seeds')}, now {fresh.get('seeds')}")
    return out


def compare(reference: Mapping[str, Any], fresh: Mapping[str, Any], chapter: Chapter | None = None,
            rtol: float = RTOL, atol: float = ATOL) -> list[str]:
    """Lines describing every difference between two records (empty: they match)."""
    name = fresh.get("name") or reference.get("name") or "?"
    if settings := _settings_diff(reference, fresh):
        return [f"{name}: made with other settings than the reference (compare like with like, or bless): "
                + "; ".join(settings)]
    ref_m, new_m = reference.get("metrics", {}), fresh.get("metrics", {})
    cfg = chapter.config(fresh["profile"]) if chapter is not None and fresh.get("profile") else {}
    diffs = []
    for key in sorted(set(ref_m) | set(new_m)):
        if key.startswith(WALL_TIME):
            continue
        if key not in new_m:
            diffs.append(f"{name}: metric {key!r} missing (reference {ref_m[key]!r})")
        elif key not in ref_m:
            diffs.append(f"{name}: new metric {key!r} = {new_m[key]!r} has no reference (run `sfli bless`)")
        elif not _close(new_m[key], ref_m[key], rtol, tol := max(atol, chapter.metric_atol(key, cfg) if cfg else 0.0)):
            ref, new = ref_m[key], new_m[key]
            change = (f" ({(new - ref) / abs(ref):+.1%})" if isinstance(ref, (int, float)) and
                      isinstance(new, (int, float)) and ref != 0 else "")
            diffs.append(f"{name}: {key}: reference {ref!r} → now {new!r}{change}; tolerance "
                         f"{tol:g} + {rtol:.0%}·|ref|")
    if chapter is not None:
        profile = fresh.get("profile", "")
        before = chapter.verdicts(ref_m, profile)
        after = chapter.verdicts(new_m, profile)
        for b, a in zip(before, after):
            if b.status != a.status and not b.claim.metric.startswith(WALL_TIME):
                diffs.append(f"{name}: claim {b.claim.id!r} was '{b.status}' in the reference, now '{a.status}' "
                             "(review, then `sfli bless`)")
    return diffs


def regress(profile: str, results: Path, references: Path, chapters: Sequence[Chapter]) -> list[str]:
    """Compare ``results/<profile>/<name>.json`` with ``references/<profile>/<name>.json`` for each chapter."""
    diffs = []
    for ch in chapters:
        ref_path, new_path = references / profile / f"{ch.name}.json", results / profile / f"{ch.name}.json"
        if not ref_path.exists():
            diffs.append(f"{ch.name}: no reference record {ref_path} (run `sfli bless --profile {profile}`)")
            continue
        if not new_path.exists():
            diffs.append(f"{ch.name}: no fresh record {new_path} (run `sfli book --profile {profile} --only {ch.name}`)")
            continue
        try:
            reference = read_record(ref_path)
        except RecordError as err:
            diffs.append(f"{ch.name}: bad reference: {err} (restore it with `git checkout -- {ref_path}`)")
            continue
        try:
            fresh = read_record(new_path)
        except RecordError as err:
            diffs.append(f"{ch.name}: {err} (`sfli book` re-runs it)")
            continue
        diffs.extend(compare(reference, fresh, ch))
    return diffs
