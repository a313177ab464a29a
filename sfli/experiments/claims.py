"""Claims: what a chapter tests, as data, and its verdict against a record.

A claim names a declared metric of its chapter, a comparison and a threshold, and says where the threshold comes
from. The gate is decided by rule, not by result:

* **must hold** is only for the book's own correctness (source ``"book"``: checks against exact answers, engine
  agreement, determinism, a construction's defining property). A failing must-hold claim fails the build.
* a claim from a paper (source an arXiv id, tag [paper] or [secondary]) is a **finding**: never must-hold; its
  verdict is regressed against the committed record instead, so a flip fails CI until it is reviewed and blessed.
* every threshold has an ``origin``: ``"paper"`` (the paper's words), ``"principle"`` (chance level, a
  numerical tolerance, a definition), ``"target"`` (a goal the book set in advance, e.g. a speed target) or
  ``"measured"`` (chosen after measuring — shown as such on the page).
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .settings import PROFILES

OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq,
}
WITHIN = "within"  #: |value − threshold| ≤ tolerance
SOURCES = {
    "2412.05144": "Yang, Zhao, Zhu — ε-rank and the staircase phenomenon (arXiv:2412.05144)",
    "2507.11962": "Tang, Yang, Zhao, Zhu — SFLI (arXiv:2507.11962)",
    "2105.11686": "Zhou, Zhou, Luo, Zhang, Xu — condensation at initial training (arXiv:2105.11686)",
    "1903.06733": "Lu, Shin, Su, Karniadakis — dying ReLU and initialization, RAI (arXiv:1903.06733)",
    "2109.00125": "Chen, Hao, He — initialization from the linear product structure, LPS (arXiv:2109.00125)",
    "2103.12499": "Singh, Sreejith — ReLU networks in an expressive subspace of weights (arXiv:2103.12499)",
    "2206.07474": "Li, Tai, Yang, Zhu — a priori error of the deep mixed residual method, MIM (arXiv:2206.07474)",
    "2103.08915": "Yang, Zhu — local deep learning method for high-order PDEs, LDLM (arXiv:2103.08915)",
    "book": "the book's own verification of its tools",
}
TAGS = ("[paper]", "[secondary]", "[ours]")
ORIGINS = {
    "paper": "the paper's words",
    "principle": "a principle (chance level, a numerical tolerance, a definition)",
    "target": "a target the book set in advance (a goal, not a finding)",
    "measured": "chosen after measuring",
}
#: Verdicts. "not run": the chapter does not compute the metric at this profile (by its declared settings);
#: "not measured": it should have, but the record has no value (a missing or failed run).
STATUSES = ("holds", "fails", "not measured", "not run")


@dataclass(frozen=True)
class Claim:
    """One checked statement. ``record`` is filled in by the chapter that owns the claim."""

    id: str
    source: str  # a key of SOURCES
    tag: str  # one of TAGS, as in ../shared/papers
    statement: str
    metric: str  # a metric the chapter declares
    op: str  # a key of OPS, or WITHIN
    threshold: float
    origin: str  # a key of ORIGINS
    must_hold: tuple[str, ...] = ()
    tolerance: float = 0.0  # for op WITHIN
    note: str = ""
    record: str = ""  # the chapter (notebook) name; set by Chapter

    def __post_init__(self) -> None:
        where = f"claim {self.id}"
        if self.op not in OPS and self.op != WITHIN:
            raise ValueError(f"{where}: unknown comparison {self.op!r}; valid: {', '.join([*OPS, WITHIN])}")
        if self.source not in SOURCES:
            raise ValueError(f"{where}: unknown source {self.source!r}; valid: {', '.join(SOURCES)}")
        if self.tag not in TAGS:
            raise ValueError(f"{where}: unknown tag {self.tag!r}; valid: {', '.join(TAGS)}")
        if self.origin not in ORIGINS:
            raise ValueError(f"{where}: unknown threshold origin {self.origin!r}; valid: {', '.join(ORIGINS)}")
        if unknown := set(self.must_hold) - set(PROFILES):
            raise ValueError(f"{where}: unknown profiles {sorted(unknown)}; valid: {', '.join(PROFILES)}")
        if self.must_hold and self.source != "book":
            raise ValueError(f"{where}: a claim from a paper ({self.source}) is a finding and never must-hold; "
                             "only the book's own checks (source 'book') gate the build")
        if self.must_hold and self.metric.startswith("time/"):
            raise ValueError(f"{where}: a wall-time metric cannot gate the build")
        if (self.op == WITHIN) != (self.tolerance > 0):
            raise ValueError(f"{where}: a tolerance goes with op {WITHIN!r} and only with it")

    @property
    def criterion(self) -> str:
        """The comparison as text, e.g. ``"> 1"`` or ``"within 0.5 of 3"``."""
        if self.op == WITHIN:
            return f"within {fmt(self.tolerance)} of {fmt(self.threshold)}"
        return f"{self.op} {fmt(self.threshold)}"

    def test(self, value: float) -> bool:
        if self.op == WITHIN:
            return abs(value - self.threshold) <= self.tolerance
        return OPS[self.op](value, self.threshold)


@dataclass(frozen=True)
class Verdict:
    claim: Claim
    profile: str
    value: float | None
    status: str  # one of STATUSES
    record: Mapping[str, Any] | None = None

    @property
    def must_hold(self) -> bool:
        return self.profile in self.claim.must_hold

    @property
    def blocking(self) -> bool:
        """True when this verdict must fail the build."""
        return self.must_hold and self.status != "holds"


def number(value: Any) -> float | None:
    """``value`` as a float, or None for anything that is not a finite-or-NaN number (bools included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def evaluate(claim: Claim, metrics: Mapping[str, Any] | None, profile: str, measured_here: bool = True,
             record: Mapping[str, Any] | None = None) -> Verdict:
    """Verdict of ``claim`` against a record's ``metrics`` (None: no record). ``measured_here`` is False when the
    chapter does not compute the claim's metric at ``profile``."""
    if not measured_here:
        return Verdict(claim, profile, None, "not run", record)
    value = None if metrics is None else number(metrics.get(claim.metric))
    if value is None or math.isnan(value):
        return Verdict(claim, profile, value, "not measured", record)
    return Verdict(claim, profile, value, "holds" if claim.test(value) else "fails", record)


def fmt(value: float | None) -> str:
    """A number for a table: integers as such, else three significant digits; None as "—"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if float(value).is_integer() and abs(value) < 1e6:
        return f"{int(value)}"
    return f"{value:.3g}"
