"""Run profiles and a chapter's settings as data.

Profiles: ``smoke`` (seconds, for tests), ``ci`` (minutes on a 2-core CPU; the default), ``paper`` (GPU or
cluster). A chapter keeps one settings dict per profile; a setting is a value or a *group* (a nested dict, e.g.
``{"c2": {"width": 18, "lr": 4e-5}}``). :func:`config` returns a profile's settings with overrides applied and
rejects unknown profiles and unknown or mistyped settings with an error naming the valid ones.
"""
from __future__ import annotations

import copy
from typing import Any, Mapping

PROFILES = ("smoke", "ci", "paper")
DEFAULT_PROFILE = "ci"


def check_profile(profile: object) -> str:
    """Return ``profile`` if valid, else raise ValueError naming the valid profiles."""
    if not isinstance(profile, str) or profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; valid profiles: {', '.join(PROFILES)}")
    return profile


def _merge(base: dict[str, Any], overrides: Mapping[str, Any], where: str) -> None:
    for key, value in overrides.items():
        path = f"{where}{key}"
        if key not in base:
            raise ValueError(f"unknown setting {path!r}; valid settings: "
                             f"{', '.join(where + k for k in sorted(base))}")
        old = base[key]
        if isinstance(old, dict):
            if not isinstance(value, Mapping):
                raise ValueError(f"setting {path!r} is a group; give a dict of its settings "
                                 f"({', '.join(sorted(old))}), got {type(value).__name__} {value!r}")
            _merge(old, value, f"{path}.")
            continue
        ok = (old is None or (isinstance(value, type(old)) and not (isinstance(value, bool) and not isinstance(old, bool)))
              or (isinstance(old, float) and isinstance(value, int) and not isinstance(value, bool)))
        if not ok:
            raise ValueError(f"setting {path!r} must be {type(old).__name__}, got {type(value).__name__} {value!r}")
        base[key] = value


def config(settings: Mapping[str, Mapping[str, Any]], profile: str, **overrides: Any) -> dict[str, Any]:
    """The settings of ``profile`` (a deep copy), with ``overrides`` applied; groups take dicts of overrides.

    An override must name an existing setting and keep its type (an int may replace a float, a bool is not an
    int).
    """
    base = copy.deepcopy(dict(settings[check_profile(profile)]))
    _merge(base, overrides, "")
    return base


def derive(base: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """A profile's settings from a chapter's ``base`` (a deep copy): a value replaces a setting, a dict updates a
    group (``derive(BASE, n_seeds=2, c1={"epochs": 50})``). Unlike :func:`config`, it declares settings: no checks."""
    out = copy.deepcopy(dict(base))
    for key, value in changes.items():
        if isinstance(value, dict):
            out[key].update(value)
        else:
            out[key] = value
    return out


def setting(cfg: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of ``cfg`` (``"c2.width"``)."""
    value: Any = cfg
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            raise KeyError(f"no setting {path!r}")
        value = value[part]
    return value


def seeds(cfg: Mapping[str, Any], seed: int = 0) -> list[int]:
    """The seeds a run uses: ``seed``, ``seed + 1``, … (``cfg["n_seeds"]`` of them; one when not set)."""
    return list(range(seed, seed + int(cfg.get("n_seeds", 1))))
