"""Every notebook of the book executes at the smoke profile through the pipeline, writes what its chapter
declares, and its numbers and verdicts regress against the committed references in records/smoke/."""
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from sfli.experiments.display import BOX_CLASS
from sfli.experiments.records import read_record
from sfli.repro import ledger, pipeline, regression

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = {c.name: c for c in ledger.book_chapters(pipeline.book_notebooks(ROOT))}


@pytest.fixture(scope="module")
def smoke_results(tmp_path_factory):
    results = tmp_path_factory.mktemp("results")
    outcomes = {name: pipeline.run_notebook(ch, "smoke", results=results, force=True) for name, ch in CHAPTERS.items()}
    return results, outcomes


@pytest.mark.notebook
@pytest.mark.parametrize("name", CHAPTERS)
def test_notebook_runs_at_smoke(smoke_results, name):
    results, outcomes = smoke_results
    assert outcomes[name].status == "ran", outcomes[name].error
    record = read_record(results / "smoke" / f"{name}.json")
    assert record["profile"] == "smoke"
    assert CHAPTERS[name].check_metrics(record["metrics"], CHAPTERS[name].config("smoke")) == []
    assert record["figures"], "every chapter saves its figures"
    for stem in record["figures"]:
        assert (results / "smoke" / "figures" / name / f"{stem}.png").exists()
    executed = nbformat.read(results / "smoke" / "notebooks" / f"{name}.ipynb", as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in executed.cells])
    assert str(results) not in outputs and str(ROOT) not in outputs  # no machine path on the page
    setup = [c for c in executed.cells if "CHAPTER.setup(globals())" in c.source]
    assert len(setup) == 1 and "remove-cell" in setup[0].metadata.get("tags", [])
    for cell in executed.cells:  # every table the page shows went through the book's table helper
        for out in cell.get("outputs", []):
            page = out.get("data", {}).get("text/html", "")
            page = "".join(page) if isinstance(page, list) else page
            assert 'class="dataframe' not in page, f"{name}: a raw pandas table in cell {cell.source[:60]!r}"
            assert page.count("<table") == page.count(f'<div class="{BOX_CLASS}"'), \
                f"{name}: a table outside the book's scroll box in cell {cell.source[:60]!r}"


@pytest.mark.notebook
@pytest.mark.parametrize("name", CHAPTERS)
def test_notebook_numbers_match_the_reference(smoke_results, name):
    results, _ = smoke_results
    diffs = regression.regress("smoke", results, ROOT / "records", [CHAPTERS[name]])
    assert not diffs, "numbers changed beyond tolerance:\n" + "\n".join(diffs)


@pytest.mark.notebook
def test_claims_that_must_hold_at_smoke(smoke_results):
    results, _ = smoke_results
    recs = ledger.load_records(results, "smoke", list(CHAPTERS))
    verdicts = ledger.verdicts(list(CHAPTERS.values()), recs.by_name, "smoke")
    blocking = [f"{v.claim.id}: {v.claim.metric} = {v.value} ({v.status})" for v in verdicts if v.blocking]
    assert not blocking, "\n".join(blocking)


@pytest.mark.notebook
@pytest.mark.parametrize("name", CHAPTERS)
def test_an_unknown_parameter_stops_the_notebook_by_hand(tmp_path, name):
    """papermill only warns about an unknown parameter; the notebook's first cell stops with one line."""
    env = {k: v for k, v in os.environ.items() if k != "SFLI_RESULTS"}
    book_record = ROOT / "results" / "ci" / f"{name}.json"
    before = book_record.stat().st_mtime_ns if book_record.exists() else None
    proc = subprocess.run([str(Path(sys.executable).parent / "papermill"), str(ROOT / "notebooks" / f"{name}.ipynb"),
                           str(tmp_path / "out.ipynb"), "-p", "nosuch", "1"],
                          capture_output=True, text=True, cwd=tmp_path, env=env)
    assert proc.returncode != 0
    assert f"ParameterError: {name} has no parameter 'nosuch'; its parameters: profile, seed" in proc.stderr
    assert not (tmp_path / "sfli-results").exists()  # it stopped before running anything
    assert (book_record.stat().st_mtime_ns if book_record.exists() else None) == before
