import pytest

from sfli import claims
from sfli.claims import CLAIMS, Claim, evaluate, render_page
from sfli.regression import compare


def _claim(**kw):
    base = dict(id="c", source="book", tag="[ours]", statement="s", record="nb", metric="m", op=">",
                threshold=1.0, must_hold=("ci",))
    return Claim(**{**base, **kw})


def _record(metrics, profile="ci", name="nb"):
    return {"name": name, "profile": profile, "metrics": metrics}


def test_verdicts():
    c = _claim()
    assert evaluate(c, _record({"m": 1.5}), "ci").status == "holds"
    v = evaluate(c, _record({"m": 0.5}), "ci")
    assert v.status == "fails" and v.blocking
    assert evaluate(c, _record({"m": 0.5}), "smoke").blocking is False  # not must-hold there
    assert evaluate(c, None, "ci").status == "not measured"
    assert evaluate(c, _record({"m": None}), "ci").status == "not measured"
    assert evaluate(c, None, "ci").blocking  # a must-hold claim must be measured


def test_claim_validation():
    with pytest.raises(ValueError, match="unknown comparison '~'"):
        _claim(op="~")
    with pytest.raises(ValueError, match="unknown profiles"):
        _claim(must_hold=("nightly",))
    with pytest.raises(ValueError, match="unknown source"):
        _claim(source="2101.00001")


def test_ledger_is_consistent():
    ids = [c.id for c in CLAIMS]
    assert len(ids) == len(set(ids))
    for c in CLAIMS:
        assert c.tag in ("[paper]", "[secondary]", "[ours]")


def test_page_lists_every_claim_with_value_and_verdict():
    recs = {"01_eps_rank": _record({"hilbert/max_rank_error": 0}, name="01_eps_rank")}
    verdicts = claims.evaluate_all(recs, "ci")
    page = render_page({"Profile ci": verdicts})
    for c in CLAIMS:
        assert f"`{c.id}`" in page
    assert "✅ holds" in page and "⚪ not measured" in page


def test_regression_reports_numbers_out_of_tolerance_readably():
    ref = _record({"a": 100.0, "b": 5, "time/x": 1.0, "gone": 1})
    new = _record({"a": 101.0, "b": 6, "time/x": 9.0, "extra": 2})
    diffs = compare(ref, new)
    text = "\n".join(diffs)
    assert "a:" not in text  # 1 % is within the 2 % tolerance
    assert "b: reference 5 → now 6 (+20.0%)" in text
    assert "time/x" not in text
    assert "'gone' missing" in text and "new metric 'extra'" in text
    assert compare(ref, ref) == []


def test_regression_reports_claim_flips():
    name = "01_eps_rank"
    ref = _record({"hilbert/max_rank_error": 0}, name=name)
    new = _record({"hilbert/max_rank_error": 0.0000001 + 1}, name=name)
    diffs = compare(ref, new, rtol=0, atol=10)  # the number is "within tolerance", the verdict is not
    assert any("claim 'eps-rank-hilbert' was 'holds' in the reference, now 'fails'" in d for d in diffs)


def test_regression_ignores_verdicts_of_wall_time_claims():
    """A claim on a wall-time share (tracking/…) may flip with machine load: not a regression."""
    name = "03_staircase"
    ref = _record({"tracking/record_share_max": 0.6}, name=name)
    new = _record({"tracking/record_share_max": 0.1}, name=name)
    assert not any("staircase-recording-cost" in d for d in compare(ref, new))
