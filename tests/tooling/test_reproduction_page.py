"""The reproduction page read at a glance: a summary by source, one figure, compact tables per chapter, no emoji."""
import math
import re
from collections import Counter
from pathlib import Path

import pytest

from sfli.experiments.claims import Claim, evaluate, fmt
from sfli.repro import ledger, pipeline
from sfli.repro.status_figure import COUNTED, margin

ROOT = Path(__file__).resolve().parents[2]
BOOK = ledger.book_chapters(pipeline.book_notebooks(ROOT))
EMOJI = re.compile("[\u2600-\u27bf\u2b00-\u2bff\ufe0f\U00010000-\U0010ffff]")  # symbols, dingbats, non-BMP
MAX_COLUMNS = 4  # verdict | claim | measured | needs: fits the ~690 px content column at a 1280 px window


def _verdicts(profile):
    recs = ledger.load_records(ROOT / "records", profile, [c.name for c in BOOK])
    return ledger.verdicts(BOOK, recs.by_name, profile)


@pytest.fixture(scope="module")
def sections():
    return {"Profile `ci` (this build)": _verdicts("ci"), "Profile `smoke` (committed records)": _verdicts("smoke")}


@pytest.fixture(scope="module")
def page(sections):
    return ledger.render_page(sections)


def _section(page, heading, end="\n## "):
    """The text of each part of ``page`` under ``heading``, up to ``end``."""
    return [part.split(end)[0] for part in page.split(heading)[1:]]


def _rows(text):
    """The cells of each body row of the markdown tables in ``text``."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines
            if not set(line) <= set("|-: ") and not line.startswith(("| verdict |", "| source |"))]


def test_the_summary_counts_per_source_are_the_verdict_counts(sections, page):
    for text, vs in zip(_section(page, "### Summary by source", "\n### "), sections.values()):
        expected = {s: Counter(v.status for v in vs if v.claim.source == s) for s in {v.claim.source for v in vs}}
        rows = _rows(text)
        for source, counts in expected.items():
            label = "book check" if source == "book" else f"arXiv:{source}]"
            (row,) = [r for r in rows if label in r[0]]
            assert [int(n) for n in row[1:]] == [sum(counts.values()), *[counts[s] for s in COUNTED]], source
        (total,) = [r for r in rows if r[0] == "**all**"]
        assert [int(n.strip("*")) for n in total[1:]] == [len(vs), *[sum(v.status == s for v in vs) for s in COUNTED]]
        assert len(rows) == len(expected) + 1


def test_no_emoji_anywhere_on_the_page(page):
    assert not EMOJI.findall(page), sorted(set(EMOJI.findall(page)))
    words = set(re.findall(r'<span class="verdict verdict-[a-z-]+">([^<]*)</span>', page))
    assert words and words <= {"holds", "does not hold", "not measured", "not run"}  # readable without CSS


def test_every_claim_appears_exactly_once_in_the_details_with_value_and_verdict(sections, page):
    details = _section(page, "### Claims by chapter", "\n### Records")
    assert len(details) == len(sections)
    for text, vs in zip(details, sections.values()):
        rows = _rows(text)
        assert rows and all(len(r) <= MAX_COLUMNS for r in rows), [r for r in rows if len(r) > MAX_COLUMNS][:1]
        for v in vs:
            (row,) = [r for r in rows if f"[`{v.claim.id}`](#{v.claim.id})" in r[1]]
            assert row[0] == ledger.badge(v.status)
            assert row[2] == fmt(v.value)
            assert (v.claim.source if v.claim.source != "book" else "book check") in row[1]
            assert ("must hold" in row[1]) == v.must_hold
        assert len(rows) == len(vs)
        assert sum(text.count(f"[`{c}`](#") for c in {v.claim.id for v in vs}) == len(vs)


def test_one_figure_per_profile_is_written_and_referenced(sections, page, tmp_path):
    expected = [f"_static/reproduction-{p}.{kind}" for p in ("ci", "smoke") for kind in ("png", "svg")]
    assert sorted(page.files) == sorted(expected)
    for name, data in page.files.items():
        assert data.startswith(b"\x89PNG") if name.endswith(".png") else b"<svg" in data[:2000]
        assert name in page  # the SVG in a figure directive, the PNG as a download
    assert page.count("```{figure} _static/reproduction-") == 2 and page.count(":alt: Dot plot of the ") == 2
    (tmp_path / "book").mkdir()
    for item in ("_config.yml", "_toc.yml"):
        (tmp_path / item).write_text("format: jb-book\nroot: book/intro\n" if item == "_toc.yml" else "title: t\n")
    stage = pipeline.stage_book("ci", tmp_path / "results", page, root=tmp_path)
    assert (stage / "book" / "reproduction.md").read_text() == page
    for name, data in page.files.items():
        assert (stage / "book" / name).read_bytes() == data


def test_two_sections_of_one_profile_get_a_figure_each():
    vs = _verdicts("ci")
    page = ledger.render_page({"a": vs, "b": vs})
    assert len(page.files) == 4 and all(name in page for name in page.files)


def _claim(op, threshold, tolerance=0.0):
    return Claim("x", "book", "[ours]", "s", "m", op, threshold, "principle", tolerance=tolerance)


@pytest.mark.parametrize("claim, value, expected", [
    (_claim(">", 2.0), 6.0, 3.0), (_claim("<", 2.0), 0.5, 4.0), (_claim("<", 1e-12), 0.0, math.inf),
    (_claim(">=", 0.8), 0.0, 0.0), (_claim("within", 3.0, 0.5), 4.0, 0.5), (_claim("within", 1.0, 0.5), 1.0, math.inf),
    (_claim(">", -2.0), -1.0, 2.0), (_claim("==", 1.0), 1.0, None), (_claim("<", 0.0), -0.5, None),
    (_claim(">", 1.0), None, None), (_claim(">", 1.0), math.nan, None),
])
def test_the_margin_is_the_factor_past_the_threshold(claim, value, expected):
    assert margin(claim, value) == expected


@pytest.mark.parametrize("profile", ["smoke", "ci"])
def test_the_figure_never_contradicts_a_verdict(profile):
    """Right of 1 holds, left of 1 fails: the margin agrees with every verdict the claims module decides."""
    for v in _verdicts(profile):
        m = margin(v.claim, v.value)
        if m is not None and m != 1:
            assert (m > 1) == (v.status == "holds"), (v.claim.id, m, v.status)
    for value in (-3.0, -1.0, 0.0, 0.5, 1.0, 2.0, 5.0):
        for op in (">", ">=", "<", "<="):
            for threshold in (-2.0, 1.0, 2.0):
                c = _claim(op, threshold)
                m = margin(c, value)
                assert m == 1 or (m > 1) == (evaluate(c, {"m": value}, "ci").status == "holds"), (op, threshold, value)
