"""Run profiles: ``smoke`` (seconds, for tests), ``ci`` (minutes on a 2-core CPU; the default), ``paper`` (GPU).

Every experiment keeps its settings as data — one dict per profile — and reads them through :func:`config`,
which rejects unknown profiles and unknown or mistyped overrides with an error naming the valid ones.
"""
from __future__ import annotations

from typing import Any, Mapping

PROFILES = ("smoke", "ci", "paper")
DEFAULT_PROFILE = "ci"


def check_profile(profile: str) -> str:
    """Return ``profile`` if valid, else raise ValueError naming the valid profiles."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; valid profiles: {', '.join(PROFILES)}")
    return profile


def config(configs: Mapping[str, Mapping[str, Any]], profile: str, **overrides: Any) -> dict[str, Any]:
    """The settings of ``profile`` from ``configs`` (one dict per profile), with ``overrides`` applied.

    An override must name an existing setting and keep its type (an int may replace a float).
    """
    base = dict(configs[check_profile(profile)])
    for key, value in overrides.items():
        if key not in base:
            raise ValueError(f"unknown setting {key!r}; valid settings: {', '.join(sorted(base))}")
        old = base[key]
        ok = isinstance(value, type(old)) or (isinstance(old, float) and isinstance(value, int))
        if old is not None and not ok:
            raise ValueError(f"setting {key!r} must be {type(old).__name__}, got {type(value).__name__} {value!r}")
        base[key] = value
    return base


def seeds(cfg: Mapping[str, Any], seed: int = 0) -> list[int]:
    """The seeds a run uses: ``seed``, ``seed + 1``, … (``cfg["n_seeds"]`` of them)."""
    return list(range(seed, seed + int(cfg["n_seeds"])))
