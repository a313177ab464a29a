"""The claims ledger: every paper claim the book tests, as data, with its measured verdict.

A claim names the record (notebook) and metric that measure it, a comparison, and the profiles where it must
hold. Evaluating the ledger against the records gives a verdict per claim and profile; only a must-hold claim
that does not hold fails the build. Claims that do not reproduce stay in the ledger and on the page.
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from . import records
from .profiles import PROFILES

OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq,
}
SOURCES = {
    "2412.05144": "Yang, Zhao, Zhu — ε-rank and the staircase phenomenon (arXiv:2412.05144)",
    "2507.11962": "Tang, Yang, Zhao, Zhu — SFLI (arXiv:2507.11962)",
    "book": "the book's own verification of its tools",
}


@dataclass(frozen=True)
class Claim:
    id: str
    source: str  # a key of SOURCES
    tag: str  # "[paper]", "[secondary]" or "[ours]" as in ../shared/papers
    statement: str
    record: str  # notebook name
    metric: str  # key in the record's metrics
    op: str  # a key of OPS
    threshold: float
    must_hold: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"claim {self.id}: unknown comparison {self.op!r}; valid: {', '.join(OPS)}")
        if self.source not in SOURCES:
            raise ValueError(f"claim {self.id}: unknown source {self.source!r}; valid: {', '.join(SOURCES)}")
        if unknown := set(self.must_hold) - set(PROFILES):
            raise ValueError(f"claim {self.id}: unknown profiles {sorted(unknown)}; valid: {', '.join(PROFILES)}")


@dataclass(frozen=True)
class Verdict:
    claim: Claim
    profile: str
    value: float | None
    status: str  # "holds" | "fails" | "not measured"
    record: Mapping[str, Any] | None = None

    @property
    def blocking(self) -> bool:
        """True when this verdict must fail the build."""
        return self.profile in self.claim.must_hold and self.status != "holds"


_BASELINES = ("pytorch_default", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
              "small_gaussian")

CLAIMS: list[Claim] = [
    # ---- Chapter 1: the tools are right (checks with exact answers)
    Claim("eps-rank-hilbert", "book", "[ours]",
          "The computed ε-rank of the monomials 1, x, …, x^k on [0, 1] equals the ε-rank of the exact Hilbert "
          "matrix, for every k and every ε ≥ 1e-10.",
          "01_eps_rank", "hilbert/max_rank_error", "==", 0, must_hold=("smoke", "ci", "paper")),
    Claim("eps-rank-legendre", "book", "[ours]",
          "The Gram matrix of orthonormal Legendre polynomials is the identity (largest |λ − 1|).",
          "01_eps_rank", "legendre/max_eig_deviation", "<", 1e-8, must_hold=("smoke", "ci", "paper"),
          note="the tolerance covers float64 round-off of degree-255 polynomials and their Gauss weights "
               "(about 3e-10 at the paper profile), five decades below any ε the book uses"),
    Claim("eps-rank-duplicates", "book", "[ours]",
          "q duplicated neurons lower the ε-rank by exactly q (largest error of the deficit).",
          "01_eps_rank", "duplicates/rank_deficit_error", "==", 0, must_hold=("smoke", "ci", "paper")),
    # ---- Chapter 2: SFLI improves the initial ε-rank (2507.11962, abstract)
    *[Claim(f"sfli-initial-rank-first-{b}", "2507.11962", "[paper]",
            f"SFLI improves the initial ε-rank: first hidden layer, SFLI vs {b} (geometric-mean ratio "
            "over activations, input dimensions, widths and seeds).",
            "02_sfli_init", f"first_layer_ratio/{b}", ">", 1.0, must_hold=("ci", "paper"))
      for b in _BASELINES],
    Claim("sfli-first-layer-independent", "2507.11962", "[paper]",
          "SFLI makes the first-layer neurons ε-linearly independent (r_ε = m): share of the (activation, d, m) "
          "cells where SFLI's first layer has full ε-rank, ε = 1e-3.",
          "02_sfli_init", "sfli_first_layer_full_rank_fraction", ">=", 0.9,
          note="the paper's ε and γ are unknown; at our default γ neighbouring transitions overlap by design"),
    *[Claim(f"sfli-initial-rank-last-{b}", "2507.11962", "[paper]",
            f"SFLI improves the initial ε-rank: last hidden layer of a depth-4 MLP, SFLI vs {b} "
            "(geometric-mean ratio).",
            "02_sfli_init", f"last_layer_ratio/{b}", ">", 1.0)
      for b in _BASELINES],
]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def evaluate(claim: Claim, record: Mapping[str, Any] | None, profile: str) -> Verdict:
    """Verdict of one claim against one record (None: the notebook has no record at this profile)."""
    value = None if record is None else _number(record.get("metrics", {}).get(claim.metric))
    if value is None or math.isnan(value):
        return Verdict(claim, profile, value, "not measured", record)
    holds = OPS[claim.op](value, claim.threshold)
    return Verdict(claim, profile, value, "holds" if holds else "fails", record)


def load_records(folder: Path, profile: str) -> dict[str, dict[str, Any]]:
    """All records ``<folder>/<profile>/*.json`` by notebook name."""
    out = {}
    for path in sorted((folder / profile).glob("*.json")):
        try:
            out[path.stem] = records.read_record(path)
        except (OSError, ValueError):
            continue
    return out


def evaluate_all(recs: Mapping[str, Mapping[str, Any]], profile: str,
                 claims: Iterable[Claim] = CLAIMS) -> list[Verdict]:
    return [evaluate(c, recs.get(c.record), profile) for c in claims]


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if float(value).is_integer() and abs(value) < 1e6:
        return f"{int(value)}"
    return f"{value:.3g}"


_MARK = {"holds": "✅ holds", "fails": "❌ does not hold", "not measured": "⚪ not measured"}
_SHORT = {"book": "book check"}


def render_page(sections: Mapping[str, list[Verdict]]) -> str:
    """The reproduction page (MyST markdown): a verdict table per profile, the claims in full, the records."""
    lines = [
        "# Reproduction status",
        "",
        "Every claim the book tests, the number measured and the verdict. The page is generated from the run "
        "records by `sfli book`; nothing on it is typed by hand. **Must hold** marks the claims whose failure "
        "fails the build at that profile; the others are reported as they come out, including those that do "
        "not reproduce. Tags: [paper] read in the paper itself, [secondary] from a third-party source, [ours] "
        "the book's reconstruction or its own check. The claims are stated in full below the tables.",
        "",
    ]
    shown: dict[str, Claim] = {}
    for label, verdicts in sections.items():
        if not verdicts:
            continue
        counts = {s: sum(v.status == s for v in verdicts) for s in _MARK}
        lines += [f"## {label}", "",
                  f"{counts['holds']} hold, {counts['fails']} do not hold, {counts['not measured']} not measured.",
                  "", "| verdict | claim | source | measured | needs | must hold |", "|---|---|---|---|---|---|"]
        for v in verdicts:
            c = v.claim
            shown[c.id] = c
            source = _SHORT.get(c.source, c.source)
            must = "**yes**" if v.profile in c.must_hold else "no"
            lines.append(f"| {_MARK[v.status]} | [`{c.id}`](#{c.id}) | {source} {c.tag} | {_fmt(v.value)} | "
                         f"{c.op} {_fmt(c.threshold)} | {must} |")
        lines.append("")
        seen: dict[str, Mapping[str, Any]] = {v.claim.record: v.record for v in verdicts if v.record}
        if seen:
            lines += ["Records behind these verdicts:", ""]
            for name, rec in seen.items():
                prov = rec.get("provenance", {})
                git = prov.get("git", {}) or {}
                commit = (git.get("commit") or "unknown")[:10] + (" (modified)" if git.get("dirty") else "")
                lines.append(f"- `{name}` — profile `{rec.get('profile')}`, seeds {rec.get('seeds')}, "
                             f"{rec.get('wall_time_s', 0):.0f} s on {prov.get('device')}, commit {commit}, "
                             f"torch {prov.get('versions', {}).get('torch')}, {prov.get('created')}")
            lines.append("")
    if shown:
        lines += ["## The claims in full", ""]
        for c in shown.values():
            where = ", ".join(f"`{p}`" for p in c.must_hold) or "nowhere (reported only)"
            lines += [f"({c.id})=", f"`{c.id}`", f": {c.statement} Source: {SOURCES[c.source]} {c.tag}. Measured by "
                      f"`{c.metric}` in the record of `{c.record}`; must hold at {where}."
                      + (f" *Note: {c.note}.*" if c.note else ""), ""]
    return "\n".join(lines)
