"""The claims ledger of the whole book: every chapter's claims, their verdicts against the records, and the
reproduction page (MyST markdown) generated from them. Nothing on that page is typed by hand."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..experiments import chapters
from ..experiments.chapter import Chapter
from ..experiments.claims import ORIGINS, SOURCES, Claim, Verdict, fmt
from ..experiments.records import RecordError, read_record


def book_chapters(names: Sequence[str]) -> list[Chapter]:
    """The chapters of the notebooks ``names`` (book order); ValueError for a notebook without a chapter package."""
    known = chapters()
    if missing := [n for n in names if n not in known]:
        raise ValueError(f"no chapter package declares notebook(s) {', '.join(missing)}; chapters: {', '.join(known)}")
    return [known[n] for n in names]


def all_claims(chs: Sequence[Chapter]) -> list[Claim]:
    """Every claim of ``chs``; ValueError if two share an id."""
    out: dict[str, Claim] = {}
    for ch in chs:
        for c in ch.claims:
            if c.id in out:
                raise ValueError(f"claim id {c.id!r} is used by {out[c.id].record} and {ch.name}")
            out[c.id] = c
    return list(out.values())


@dataclass
class Records:
    """The readable records of a folder and profile by chapter name, and one line per unreadable one."""

    by_name: dict[str, dict[str, Any]]
    problems: list[str]


def load_records(folder: Path, profile: str, names: Sequence[str]) -> Records:
    """``<folder>/<profile>/<name>.json`` for each name that has one; unreadable ones are named in ``problems``."""
    found, problems = {}, []
    for name in names:
        path = folder / profile / f"{name}.json"
        if not path.exists():
            continue
        try:
            found[name] = read_record(path)
        except RecordError as err:
            problems.append(str(err))
    return Records(found, problems)


def verdicts(chs: Sequence[Chapter], recs: Mapping[str, Mapping[str, Any]], profile: str) -> list[Verdict]:
    """Every claim of ``chs`` against the records ``recs`` (by chapter name) at ``profile``."""
    out = []
    for ch in chs:
        rec = recs.get(ch.name)
        out += ch.verdicts(None if rec is None else rec.get("metrics", {}), profile, rec)
    return out


_MARK = {"holds": "✅ holds", "fails": "❌ does not hold", "not measured": "⚪ not measured",
         "not run": "➖ not run at this profile"}
_COUNTED = {"holds": "hold", "fails": "do not hold", "not measured": "not measured", "not run": "not run here"}
_SHORT = {"book": "book check"}


def _origin(c: Claim) -> str:
    return "**chosen after measuring**" if c.origin == "measured" else ORIGINS[c.origin]


def render_page(sections: Mapping[str, list[Verdict]], problems: Sequence[str] = ()) -> str:
    """The reproduction page: a verdict table per profile, the claims in full, the records behind them."""
    lines = [
        "# Reproduction status",
        "",
        "Every claim the book tests, the number measured and the verdict. The page is generated from the run "
        "records by `sfli book`; nothing on it is typed by hand. The gate is decided by rule (see "
        "{doc}`methods`): **must hold** is only for the book's own checks (exact answers, engine agreement, "
        "determinism); a claim from a paper is a finding, reported as it comes out — including those that do not "
        "reproduce — and its verdict is regressed against the committed record. Tags: [paper] read in the paper "
        "itself, [secondary] from a third-party source, [ours] the book's reconstruction or its own check. "
        "Thresholds *chosen after measuring* are marked so. The claims are stated in full below the tables.",
        "",
    ]
    if problems:
        lines += ["```{warning}", "Records that could not be read:", *[f"- {p}" for p in problems], "```", ""]
    shown: dict[str, Claim] = {}
    for label, vs in sections.items():
        if not vs:
            continue
        counts = {s: sum(v.status == s for v in vs) for s in _MARK}
        lines += [f"## {label}", "",
                  ", ".join(f"{n} {_COUNTED[s]}" for s, n in counts.items() if n) + ".",
                  "", "| verdict | claim | source | measured | needs | must hold |", "|---|---|---|---|---|---|"]
        for v in vs:
            c = v.claim
            shown[c.id] = c
            needs = c.criterion + (" (chosen after measuring)" if c.origin == "measured" else "")
            lines.append(f"| {_MARK[v.status]} | [`{c.id}`](#{c.id}) | {_SHORT.get(c.source, c.source)} {c.tag} | "
                         f"{fmt(v.value)} | {needs} | {'**yes**' if v.must_hold else 'no'} |")
        lines.append("")
        seen = {v.claim.record: v.record for v in vs if v.record}
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
            where = ", ".join(f"`{p}`" for p in c.must_hold) or "nowhere (a finding, reported and regressed)"
            lines += [f"({c.id})=", f"`{c.id}`",
                      f": {c.statement} Source: {SOURCES[c.source]} {c.tag}. Measured by `{c.metric}` in the record "
                      f"of `{c.record}`; needs {c.criterion}; threshold from {_origin(c)}; must hold at {where}."
                      + (f" *Note: {c.note}.*" if c.note else ""), ""]
    return "\n".join(lines)
