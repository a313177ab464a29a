"""Every notebook of the book executes at the smoke profile through papermill, and its numbers regress
against the committed reference records in records/smoke/ (tolerances: sfli.regression)."""
from pathlib import Path

import pytest

from sfli import claims, pipeline, records, regression

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = pipeline.book_notebooks(ROOT)


@pytest.fixture(scope="module")
def smoke_results(tmp_path_factory):
    results = tmp_path_factory.mktemp("results")
    outcomes = {name: pipeline.run_notebook(name, "smoke", results=results, force=True) for name in NOTEBOOKS}
    return results, outcomes


@pytest.mark.notebook
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_at_smoke(smoke_results, name):
    results, outcomes = smoke_results
    assert outcomes[name].status == "ran", outcomes[name].error
    record = records.read_record(results / "smoke" / f"{name}.json")
    assert record["profile"] == "smoke" and record["metrics"]
    assert record["figures"], "every chapter saves its figures"
    for stem in record["figures"]:
        assert (results / "smoke" / "figures" / name / f"{stem}.png").exists()


@pytest.mark.notebook
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_numbers_match_the_reference(smoke_results, name):
    results, _ = smoke_results
    diffs = regression.regress("smoke", results, ROOT / "records", [name])
    assert not diffs, "numbers changed beyond tolerance:\n" + "\n".join(diffs)


@pytest.mark.notebook
def test_claims_that_must_hold_at_smoke(smoke_results):
    results, _ = smoke_results
    verdicts = claims.evaluate_all(claims.load_records(results, "smoke"), "smoke")
    blocking = [f"{v.claim.id}: {v.claim.metric} = {v.value} ({v.status})" for v in verdicts if v.blocking]
    assert not blocking, "\n".join(blocking)
