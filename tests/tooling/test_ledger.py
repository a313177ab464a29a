"""The ledger of the whole book, the reproduction page and the regression of records."""
from pathlib import Path

import pytest

from sfli.experiments import chapters
from sfli.repro import ledger, pipeline
from sfli.repro.regression import compare

ROOT = Path(__file__).resolve().parents[2]
BOOK = ledger.book_chapters(pipeline.book_notebooks(ROOT))


def _record(metrics, profile="ci", name="01_eps_rank", **kw):
    return {"name": name, "profile": profile, "params": {}, "seeds": [0], "metrics": metrics, **kw}


def test_every_notebook_of_the_book_is_a_chapter_and_claim_ids_are_unique():
    assert [c.name for c in BOOK] == pipeline.book_notebooks(ROOT)
    assert set(chapters()) == set(pipeline.book_notebooks(ROOT))
    ids = [c.id for c in ledger.all_claims(BOOK)]
    assert len(ids) == len(set(ids)) and len(ids) >= 50
    with pytest.raises(ValueError, match="no chapter package declares notebook"):
        ledger.book_chapters(["nope"])


@pytest.mark.parametrize("profile", ["smoke", "ci"])
def test_the_declarations_match_the_committed_records(profile):
    """A claim is 'not run' at a profile only by its chapter's declaration, never silently 'not measured'; every
    committed record holds exactly the metrics its chapter declares."""
    recs = ledger.load_records(ROOT / "records", profile, [c.name for c in BOOK])
    assert not recs.problems
    for ch in BOOK:
        assert ch.check_metrics(recs.by_name[ch.name]["metrics"], ch.config(profile)) == [], ch.name
    silent = [v.claim.id for v in ledger.verdicts(BOOK, recs.by_name, profile) if v.status == "not measured"]
    assert silent == []


def test_only_the_books_own_checks_gate_the_build():
    for c in ledger.all_claims(BOOK):
        assert not c.must_hold or c.source == "book", c.id
        assert c.origin in ("paper", "principle", "target", "measured"), c.id


def test_page_lists_every_claim_with_value_verdict_and_origin():
    recs = {"01_eps_rank": _record({"hilbert/max_rank_error": 0})}
    page = ledger.render_page({"Profile ci": ledger.verdicts(BOOK, recs, "ci")}, ["record x.json: not valid JSON"])
    for c in ledger.all_claims(BOOK):
        assert f"`{c.id}`" in page
    assert ledger.badge("holds") in page and ledger.badge("not measured") in page
    assert "chosen after measuring" in page and "record x.json: not valid JSON" in page


def test_regression_reports_numbers_out_of_tolerance_readably():
    ref = _record({"a": 100.0, "b": 5, "time/x": 1.0, "gone": 1})
    new = _record({"a": 101.0, "b": 6, "time/x": 9.0, "extra": 2})
    text = "\n".join(compare(ref, new))
    assert "a:" not in text  # 1 % is within the 2 % tolerance
    assert "b: reference 5 → now 6 (+20.0%)" in text
    assert "time/x" not in text
    assert "'gone' missing" in text and "new metric 'extra'" in text
    assert compare(ref, ref) == []


def test_regression_reports_other_settings_as_such():
    ref, new = _record({"a": 1.0}, params={"width": 8}), _record({"a": 2.0}, params={"width": 16}, seeds=[1])
    (line,) = compare(ref, new)
    assert "made with other settings than the reference" in line
    assert "parameter 'width': reference 8, now 16" in line and "seeds: reference [0], now [1]" in line


def test_regression_reports_claim_flips_but_not_of_wall_time_claims():
    eps_rank = chapters()["01_eps_rank"]
    ref, new = _record({"hilbert/max_rank_error": 0}), _record({"hilbert/max_rank_error": 1})
    diffs = compare(ref, new, eps_rank, rtol=0, atol=10)  # the number is "within tolerance", the verdict is not
    assert any("claim 'eps-rank-hilbert' was 'holds' in the reference, now 'fails'" in d for d in diffs)
    staircase = chapters()["03_staircase"]
    (claim,) = [c for c in staircase.claims if c.metric.startswith("time/")][:1]
    ref = _record({claim.metric: 0.01}, name="03_staircase")
    new = _record({claim.metric: 0.99}, name="03_staircase")
    assert not any(claim.id in d for d in compare(ref, new, staircase))


def test_round_off_metrics_regress_with_their_declared_absolute_tolerance():
    perf = chapters()["05_performance"]
    ref = _record({"engine/first_loss_max_rel_diff": 2.06e-7}, name="05_performance", profile="ci")
    new = _record({"engine/first_loss_max_rel_diff": 0.0}, name="05_performance", profile="ci")
    assert compare(ref, new, perf) == []  # a few float32 ulps either way
    assert compare(ref, new) != []  # without the declaration: a relative change of 100 %


def test_unreadable_records_are_named_by_every_command(tmp_path):
    from sfli.repro.regression import regress

    eps_rank = chapters()["01_eps_rank"]
    (tmp_path / "refs" / "ci").mkdir(parents=True)
    (tmp_path / "fresh" / "ci").mkdir(parents=True)
    good = (ROOT / "records" / "ci" / "01_eps_rank.json").read_text()
    (tmp_path / "refs" / "ci" / "01_eps_rank.json").write_text(good[:100])
    (tmp_path / "fresh" / "ci" / "01_eps_rank.json").write_text(good)
    (diff,) = regress("ci", tmp_path / "fresh", tmp_path / "refs", [eps_rank])
    assert diff.startswith("01_eps_rank: bad reference: record ") and "not valid JSON" in diff
    (tmp_path / "refs" / "ci" / "01_eps_rank.json").write_text(good)
    (tmp_path / "fresh" / "ci" / "01_eps_rank.json").write_text('{"name": "01_eps_rank"}')
    (diff,) = regress("ci", tmp_path / "fresh", tmp_path / "refs", [eps_rank])
    assert "lacks profile, params, seeds, metrics, provenance" in diff and "`sfli book` re-runs it" in diff
    recs = ledger.load_records(tmp_path / "fresh", "ci", ["01_eps_rank"])
    assert recs.by_name == {} and "lacks profile" in recs.problems[0]
