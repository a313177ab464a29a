"""The papermill pipeline on a throw-away project: validation, caching, failures that keep earlier results."""
import json
from pathlib import Path

import nbformat
import pytest

from sfli import cli, pipeline

ROOT = Path(__file__).resolve().parent.parent

GOOD = """
import sfli
run = sfli.Run("good", profile, params={"width": width}, seeds=[0])
run.finish({"twice": 2 * width})
"""
BAD = """
raise RuntimeError("boom: the experiment diverged")
"""


def _notebook(body: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('profile: str = "ci"  # smoke | ci | paper\nwidth: int = 4  # width')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    return nb


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A minimal checkout: _toc.yml, the real sfli package (linked), two notebooks; results in tmp."""
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                       "  - file: notebooks/good\n  - file: notebooks/bad\n")
    (tmp_path / "sfli").symlink_to(ROOT / "sfli")
    (tmp_path / "notebooks").mkdir()
    nbformat.write(_notebook(GOOD), tmp_path / "notebooks" / "good.ipynb")
    nbformat.write(_notebook(BAD), tmp_path / "notebooks" / "bad.ipynb")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SFLI_RESULTS", str(tmp_path / "results"))
    return tmp_path


def test_book_notebooks_follow_the_toc(project):
    assert pipeline.book_notebooks() == ["good", "bad"]
    assert pipeline.book_notebooks(ROOT) == ["01_eps_rank", "02_sfli_init", "03_staircase", "04_condensation", "05_performance"]


def test_parameters_are_validated(project):
    with pytest.raises(ValueError, match="has no parameter 'depth'; its parameters: profile, width"):
        pipeline.run_notebook("good", "smoke", {"depth": 2})
    with pytest.raises(ValueError, match="parameter 'width' must be int, got str"):
        pipeline.run_notebook("good", "smoke", {"width": "8"})
    with pytest.raises(ValueError, match="unknown profile 'fast'"):
        pipeline.run_notebook("good", "fast")
    with pytest.raises(ValueError, match="unknown notebook 'nope'; the book's notebooks: good, bad"):
        pipeline.run_notebook("nope", "smoke")


def test_run_cache_and_failure_keep_earlier_results(project):
    results = project / "results" / "smoke"
    out = pipeline.run_notebook("good", "smoke", {"width": 3})
    assert out.status == "ran", out.error
    record = json.loads((results / "good.json").read_text())
    assert record["metrics"] == {"twice": 6}
    assert record["pipeline"]["parameters"] == {"profile": "smoke", "width": 3}
    assert (results / "notebooks" / "good.ipynb").exists()

    assert pipeline.run_notebook("good", "smoke", {"width": 3}).status == "cached"
    assert pipeline.run_notebook("good", "smoke", {"width": 5}).status == "ran"  # other parameters
    nb = nbformat.read(project / "notebooks" / "good.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A new sentence of narrative."))
    nbformat.write(nb, project / "notebooks" / "good.ipynb")
    assert pipeline.run_notebook("good", "smoke", {"width": 5}).status == "ran"  # the page changed
    assert pipeline.run_notebook("good", "smoke", {"width": 3}, force=True).status == "ran"

    # A failing notebook: named error, failed copy kept, nothing of the good notebook touched.
    before = (results / "good.json").read_text()
    bad = pipeline.run_notebook("bad", "smoke")
    assert bad.status == "failed"
    assert "RuntimeError" in bad.error and "boom: the experiment diverged" in bad.error
    assert (results / "failed" / "bad.ipynb").exists()
    assert (results / "good.json").read_text() == before


def test_a_failed_rerun_keeps_the_earlier_record(project):
    results = project / "results" / "smoke"
    assert pipeline.run_notebook("good", "smoke").status == "ran"
    before = (results / "good.json").read_text()
    nbformat.write(_notebook(BAD), project / "notebooks" / "good.ipynb")  # the code changes and now fails
    out = pipeline.run_notebook("good", "smoke")
    assert out.status == "failed" and "boom" in out.error
    assert (results / "good.json").read_text() == before
    assert (results / "notebooks" / "good.ipynb").exists()


def test_cli_book_exits_non_zero_and_names_the_failing_notebook(project, capsys):
    code = cli.main(["book", "--profile", "smoke", "--no-html"])
    out = capsys.readouterr().out
    assert code == 1
    assert "notebook bad failed: cell" in out and "boom" in out
    assert (project / "results" / "smoke" / "good.json").exists()


def test_cli_rejects_an_unknown_profile(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["book", "--profile", "fast"])
    assert exc.value.code == 2
    assert "choose from 'smoke', 'ci', 'paper'" in capsys.readouterr().err
