"""The claims ledger of the whole book: every chapter's claims, their verdicts against the records, and the
reproduction page (MyST markdown) generated from them. Nothing on that page is typed by hand.

Per profile the page shows a summary by source, one figure of every claim (:mod:`.status_figure`), a compact
table per chapter, the records behind the verdicts; then every claim in full. Verdicts are words (styled as
badges by the page's own CSS), never emoji, so the page reads the same without an emoji font or without CSS."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..experiments import chapters
from ..experiments.chapter import Chapter
from ..experiments.claims import ORIGINS, SOURCES, Claim, Verdict, fmt
from ..experiments.records import RecordError, read_record
from .status_figure import COUNTED, WORDS, alt_text, figure_files, needs


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


FIGURES = "_static"  #: the page's figures, relative to the page's folder (book/)
#: The verdict badges and the claim cell's small print; the page carries its own style (nothing in _config.yml).
CSS = """<style>
.verdict { display: inline-block; padding: 0 0.45em; border: 1px solid; border-radius: 0.6em; font-size: 0.85em;
           font-weight: 600; white-space: nowrap; }
.verdict-holds { color: #00466e; background: #e4f0f9; border-color: #0173b2; }
.verdict-fails { color: #8a3500; background: #fbe8dc; border-color: #d55e00; }
.verdict-not-measured, .verdict-not-run { color: #444; background: #f2f2f2; border-color: #999; }
.claim-meta { font-size: 0.8em; color: #555; line-height: 1.2; }
.must-hold { font-weight: 700; color: #222; }
table.repro-details td, table.repro-details th { padding: 0.25rem 0.5rem; vertical-align: top; }
table.repro-details td { line-height: 1.35; }
</style>"""


_SHORT = {"book": "book check"}


def _origin(c: Claim) -> str:
    return "**chosen after measuring**" if c.origin == "measured" else ORIGINS[c.origin]


class Page(str):
    """The page's markdown, with the files it references (``files``: path relative to its folder → bytes)."""

    files: dict[str, bytes]

    def __new__(cls, markdown: str, files: Mapping[str, bytes]) -> "Page":
        page = super().__new__(cls, markdown)
        page.files = dict(files)
        return page


def badge(status: str) -> str:
    """The verdict as a word in a styled span: ``<span class="verdict verdict-fails">does not hold</span>``."""
    return f'<span class="verdict verdict-{status.replace(" ", "-")}">{WORDS[status]}</span>'


def source_label(source: str) -> str:
    """A source for a table cell: ``"SFLI, arXiv:2507.11962"`` linked to arXiv; ``"book check"``."""
    if source == "book":
        return "book check"
    full = SOURCES[source]
    name = full.split(" — ", 1)[-1].split(" (arXiv:", 1)[0]
    return f"{name}, [arXiv:{source}](https://arxiv.org/abs/{source})"


def summary(vs: Sequence[Verdict]) -> dict[str, dict[str, int]]:
    """Verdict counts per source, in the order of SOURCES: ``{source: {status: n}}``."""
    out = {s: {status: 0 for status in COUNTED} for s in SOURCES if any(v.claim.source == s for v in vs)}
    for v in vs:
        out[v.claim.source][v.status] += 1
    return out


def _summary_table(vs: Sequence[Verdict]) -> list[str]:
    lines = ["| source | claims | " + " | ".join(COUNTED.values()) + " |", "|---|" + "---:|" * (len(COUNTED) + 1)]
    rows = summary(vs)
    for source, counts in rows.items():
        lines.append(f"| {source_label(source)} | {sum(counts.values())} | "
                     + " | ".join(str(counts[s]) for s in COUNTED) + " |")
    if len(rows) > 1:
        lines.append(f"| **all** | **{len(vs)}** | "
                     + " | ".join(f"**{sum(v.status == s for v in vs)}**" for s in COUNTED) + " |")
    return lines


def _claim_cell(v: Verdict) -> str:
    """The claim's id (a link to its statement), then its source, tag, and what is special about it."""
    c = v.claim
    meta = [f"{_SHORT.get(c.source, f'arXiv:{c.source}')} {c.tag}"]
    meta += ['<span class="must-hold">must hold</span>'] if v.must_hold else []
    meta += ["threshold chosen after measuring"] if c.origin == "measured" else []
    return f'[`{c.id}`](#{c.id})<br><span class="claim-meta">{" · ".join(meta)}</span>'


def _details(vs: Sequence[Verdict], titles: Mapping[str, str]) -> list[str]:
    """One table per chapter: verdict | claim (source, tag, must hold) | measured | needs."""
    lines: list[str] = []
    for name in dict.fromkeys(v.claim.record for v in vs):
        lines += [f"#### {titles.get(name, name)}", "", "```{table}", ":class: repro-details", ":width: 100%", "",
                  "| verdict | claim | measured | needs |", "|---|---|---:|---|"]
        lines += [f"| {badge(v.status)} | {_claim_cell(v)} | {fmt(v.value)} | {needs(v.claim)} |"
                  for v in vs if v.claim.record == name]
        lines += ["```", ""]
    return lines


def _records(vs: Sequence[Verdict]) -> list[str]:
    seen = {v.claim.record: v.record for v in vs if v.record}
    if not seen:
        return []
    lines = ["### Records behind these verdicts", ""]
    for name, rec in seen.items():
        prov = rec.get("provenance", {})
        git = prov.get("git", {}) or {}
        commit = (git.get("commit") or "unknown")[:10] + (" (modified)" if git.get("dirty") else "")
        lines.append(f"- `{name}` — profile `{rec.get('profile')}`, seeds {rec.get('seeds')}, "
                     f"{rec.get('wall_time_s', 0):.0f} s on {prov.get('device')}, commit {commit}, "
                     f"torch {prov.get('versions', {}).get('torch')}, {prov.get('created')}")
    return lines + [""]


def _figure(vs: Sequence[Verdict], stem: str, profile: str) -> list[str]:
    counts = {s: sum(v.status == s for v in vs) for s in COUNTED}
    return [f"```{{figure}} {FIGURES}/{stem}.svg", f":alt: {alt_text(vs, profile)}", ":width: 100%", "",
            f"Every claim at profile `{profile}`, one row per claim, grouped by chapter. Each claim sits at the "
            "factor by which its measured value clears its threshold, on a log axis: measured ÷ threshold where "
            "the claim needs more (>, ≥), threshold ÷ measured where it needs less (<, ≤), tolerance ÷ miss for "
            "*within*. Right of the line at 1 a claim holds by that factor, left of it it falls short by it; the "
            "stem is that distance. A triangle at an edge is off the scale (e.g. a value of 0). Exact equalities "
            "and signs (a threshold of 0), where a ratio means nothing, and claims without a value sit in the "
            "*no ratio* column. The right-hand columns give every measured value and what it needs. Colour and "
            "shape are the verdict: "
            + ", ".join(f"{n} {COUNTED[s]}" for s, n in counts.items() if n)
            + f". Also as {{download}}`PNG <{FIGURES}/{stem}.png>`.", "```", ""]


def render_page(sections: Mapping[str, list[Verdict]], problems: Sequence[str] = (),
                titles: Mapping[str, str] | None = None) -> Page:
    """The reproduction page and its figures: per profile a summary by source, a figure of every claim, a table
    per chapter and the records behind them; then the claims in full. ``titles``: chapter titles by name (by
    default those of the chapter packages)."""
    titles = {n: ch.title for n, ch in chapters().items()} if titles is None else titles
    lines = [
        "# Reproduction status",
        "",
        CSS,
        "",
        "Every claim the book tests, the number measured and the verdict. The page is generated from the run "
        "records by `sfli book`; nothing on it is typed by hand. The gate is decided by rule (see "
        "{doc}`methods`): **must hold** is only for the book's own checks (exact answers, engine agreement, "
        "determinism); a claim from a paper is a finding, reported as it comes out — including those that do not "
        "reproduce — and its verdict is regressed against the committed record. Tags: [paper] read in the paper "
        "itself, [secondary] from a third-party source, [ours] the book's reconstruction or its own check. "
        "Thresholds *chosen after measuring* are marked so. A verdict is *holds*, *does not hold*, *not measured* "
        "(the record lacks the value: a missing or failed run) or *not run* (the chapter does not compute it at "
        "that profile, by its settings). Each profile below starts with a summary by source "
        "and a figure of every claim, then a table per chapter; the claims are stated in full at the end.",
        "",
    ]
    if problems:
        lines += ["```{warning}", "Records that could not be read:", *[f"- {p}" for p in problems], "```", ""]
    shown: dict[str, Claim] = {}
    files: dict[str, bytes] = {}
    for label, vs in sections.items():
        if not vs:
            continue
        profile = vs[0].profile
        stem = f"reproduction-{profile}"
        while f"{FIGURES}/{stem}.svg" in files:  # two sections of one profile: a figure each
            stem += "-2"
        files.update({f"{FIGURES}/{stem}.{kind}": data for kind, data in figure_files(vs, titles).items()})
        shown.update({v.claim.id: v.claim for v in vs})
        counts = {s: sum(v.status == s for v in vs) for s in COUNTED}
        lines += [f"## {label}", "", ", ".join(f"{n} {COUNTED[s]}" for s, n in counts.items() if n) + ".", "",
                  "### Summary by source", "", *_summary_table(vs), "",
                  "### Every claim at a glance", "", *_figure(vs, stem, profile),
                  "### Claims by chapter", "", *_details(vs, titles), *_records(vs)]
    if shown:
        lines += ["## The claims in full", ""]
        for c in shown.values():
            where = ", ".join(f"`{p}`" for p in c.must_hold) or "nowhere (a finding, reported and regressed)"
            lines += [f"({c.id})=", f"`{c.id}`",
                      f": {c.statement} Source: {SOURCES[c.source]} {c.tag}. Measured by `{c.metric}` in the record "
                      f"of `{c.record}`; needs {c.criterion}; threshold from {_origin(c)}; must hold at {where}."
                      + (f" *Note: {c.note}.*" if c.note else ""), ""]
    return Page("\n".join(lines), files)
