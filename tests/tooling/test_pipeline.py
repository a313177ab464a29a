"""The papermill pipeline and the CLI on a throw-away project: validation, caching, failures that keep earlier
results, one notebook at a time, the HTML per profile, the cache key by folder."""
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from sfli.repro import cli, ledger, pipeline

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

TOY = '''
from types import SimpleNamespace

from sfli.experiments.chapter import Chapter, Metric, Part
from sfli.experiments.claims import Claim


def _units(cfg, seeds):
    return [Part("only", tuple(seeds))]


def _run(unit, cfg):
    return cfg["width"] + unit.seeds[0]


def _aggregate(cfg, seeds, results):
    return SimpleNamespace(metrics={"twice": 2 * results[Part("only", tuple(seeds))]})


def chapter(name, must_hold=()):
    claim = Claim(f"{name}-twice", "book", "[ours]", "twice the width is above 4", "twice", ">", 4,
                  origin="principle", must_hold=must_hold)
    return Chapter(name=name, title=name, settings={p: {"width": 4} for p in ("smoke", "ci", "paper")},
                   units=_units, run_unit=_run, aggregate=_aggregate, metrics=(Metric("twice"),), claims=(claim,))


GOOD, BAD = chapter("good"), chapter("bad", must_hold=("smoke", "ci"))
'''
GOOD = 'import toy\nch = toy.GOOD.setup(globals())\nch.finish()'
BAD = 'raise RuntimeError("boom: the experiment diverged")'


def _notebook(body: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('profile: str = "ci"  # smoke | ci | paper\nseed: int = 0  # first seed')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    return nb


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A minimal checkout: _toc.yml, a copy of the sfli sources, two notebooks of a toy chapter module."""
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                       "  - file: notebooks/good\n  - file: notebooks/bad\n")
    shutil.copytree(ROOT / "sfli", tmp_path / "sfli", ignore=shutil.ignore_patterns("__pycache__"))  # for the key
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "toy.py").write_text(TOY)
    nbformat.write(_notebook(GOOD), tmp_path / "notebooks" / "good.ipynb")
    nbformat.write(_notebook(BAD), tmp_path / "notebooks" / "bad.ipynb")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SFLI_RESULTS", str(tmp_path / "results"))
    monkeypatch.syspath_prepend(str(tmp_path / "notebooks"))
    sys.modules.pop("toy", None)
    toy = importlib.import_module("toy")
    monkeypatch.setattr(ledger, "chapters", lambda: {"good": toy.GOOD, "bad": toy.BAD})
    return tmp_path, toy


def test_parameters_are_validated_before_anything_runs(project):
    root, toy = project
    results = root / "results"
    with pytest.raises(ValueError, match="has no parameter 'depth'; its parameters: profile, seed"):
        pipeline.run_notebook(toy.GOOD, "smoke", {"depth": 2}, results=results)
    with pytest.raises(ValueError, match="parameter 'seed' must be int, got bool"):
        pipeline.run_notebook(toy.GOOD, "smoke", {"seed": True}, results=results)
    with pytest.raises(ValueError, match="unknown profile 'fast'"):
        pipeline.run_notebook(toy.GOOD, "fast", results=results)


def test_run_cache_and_failure_keep_earlier_results(project):
    root, toy = project
    results = root / "results"
    out = pipeline.run_notebook(toy.GOOD, "smoke", {"seed": 3}, results=results)
    assert out.status == "ran", out.error
    record = json.loads((results / "smoke" / "good.json").read_text())
    assert record["metrics"] == {"twice": 14}
    assert record["pipeline"]["parameters"] == {"profile": "smoke", "seed": 3}
    assert (results / "smoke" / "notebooks" / "good.ipynb").exists()
    assert not (results / ".staging").exists() or not any((results / ".staging").iterdir())

    assert pipeline.run_notebook(toy.GOOD, "smoke", {"seed": 3}, results=results).status == "cached"
    assert pipeline.run_notebook(toy.GOOD, "smoke", {"seed": 5}, results=results).status == "ran"
    nb = nbformat.read(root / "notebooks" / "good.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A new sentence of narrative."))
    nbformat.write(nb, root / "notebooks" / "good.ipynb")
    assert pipeline.run_notebook(toy.GOOD, "smoke", {"seed": 5}, results=results).status == "ran"
    assert pipeline.run_notebook(toy.GOOD, "smoke", {"seed": 5}, results=results, force=True).status == "ran"

    before = (results / "smoke" / "good.json").read_text()
    bad = pipeline.run_notebook(toy.BAD, "smoke", results=results)
    assert bad.status == "failed"
    assert "RuntimeError" in bad.error and "boom: the experiment diverged" in bad.error
    assert (results / "smoke" / "failed" / "bad.ipynb").exists()
    assert (results / "smoke" / "good.json").read_text() == before
    assert sorted(p.name for p in (results / "smoke" / "notebooks").iterdir()) == ["good.ipynb"]  # no temp files


def test_a_record_is_current_only_if_it_holds_what_its_chapter_declares(project):
    root, toy = project
    results = root / "results"
    assert pipeline.run_notebook(toy.GOOD, "smoke", results=results).status == "ran"
    path = results / "smoke" / "good.json"
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "metrics": {}}))
    out = pipeline.run_notebook(toy.GOOD, "smoke", results=results)
    assert out.status == "ran" and "declared metric 'twice' missing" in out.note
    path.write_text(path.read_text()[:50])
    out = pipeline.run_notebook(toy.GOOD, "smoke", results=results)
    assert out.status == "ran" and "not valid JSON" in out.note
    assert json.loads(path.read_text())["metrics"] == {"twice": 8}


def test_a_failed_rerun_keeps_the_earlier_record(project):
    root, toy = project
    results = root / "results"
    assert pipeline.run_notebook(toy.GOOD, "smoke", results=results).status == "ran"
    before = (results / "smoke" / "good.json").read_text()
    nbformat.write(_notebook(BAD), root / "notebooks" / "good.ipynb")  # the code changes and now fails
    out = pipeline.run_notebook(toy.GOOD, "smoke", results=results)
    assert out.status == "failed" and "boom" in out.error
    assert (results / "smoke" / "good.json").read_text() == before
    assert (results / "smoke" / "notebooks" / "good.ipynb").exists()


def test_cli_book_exits_non_zero_and_names_the_failing_notebook(project, capsys):
    root, _ = project
    code = cli.main(["book", "--profile", "smoke", "--no-html"])
    out = capsys.readouterr().out
    assert code == 1
    assert "notebook bad failed: cell" in out and "boom" in out
    assert "claim bad-twice must hold at smoke but is 'not measured'" in out
    assert (root / "results" / "smoke" / "good.json").exists()


def test_only_checks_its_own_notebook_and_leaves_other_html_alone(project, capsys):
    """The README's `sfli book --only NAME --profile smoke`: exit 0, the other notebooks' claims unchecked, the
    ci HTML untouched, no half-empty smoke book."""
    root, _ = project
    ci_html = pipeline.html_dir("ci", root)
    ci_html.mkdir(parents=True)
    (ci_html / "index.html").write_text("the ci book")
    code = cli.main(["book", "--only", "good", "--profile", "smoke"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "bad-twice" not in out
    assert "HTML not rebuilt" in out and "bad: no record" in out
    assert (ci_html / "index.html").read_text() == "the ci book"
    assert not pipeline.html_dir("smoke", root).exists()
    assert pipeline.html_dir("smoke", root) == root / "_build" / "smoke" / "html"


def test_cli_rejects_unknown_profiles_and_notebooks(project, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["book", "--profile", "fast"])
    assert exc.value.code == 2
    assert "choose from 'smoke', 'ci', 'paper'" in capsys.readouterr().err
    assert cli.main(["book", "--only", "nope", "--profile", "smoke"]) == 2
    assert "no chapter package declares notebook(s) nope" in capsys.readouterr().out


def test_a_notebook_run_by_hand_checks_its_parameters_and_never_touches_the_books_records(project):
    root, _ = project
    env = {k: v for k, v in os.environ.items() if k != "SFLI_RESULTS"}
    env["PYTHONPATH"] = str(root / "notebooks")
    papermill = [str(BIN / "papermill"), "notebooks/good.ipynb", str(root / "out.ipynb")]
    proc = subprocess.run([*papermill, "-p", "nosuch", "1"], capture_output=True, text=True, env=env, cwd=root)
    assert proc.returncode != 0
    assert "ParameterError: good has no parameter 'nosuch'; its parameters: profile, seed" in proc.stderr
    (error,) = [o for c in nbformat.read(root / "out.ipynb", as_version=4).cells for o in c.get("outputs", [])
                if o.output_type == "error"]
    assert error.traceback == ["ParameterError: good has no parameter 'nosuch'; its parameters: profile, seed"]
    proc = subprocess.run([*papermill, "-p", "profile", "smoke"], capture_output=True, text=True, env=env, cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert (root / "sfli-results" / "smoke" / "good.json").exists()
    assert not (root / "results").exists()
    outputs = json.dumps([c.get("outputs", []) for c in nbformat.read(root / "out.ipynb", as_version=4).cells])
    assert str(root) not in outputs  # no machine path in the page
    assert "record written to sfli-results/smoke/good.json (a scratch copy" in outputs


def test_the_cache_key_leaves_out_the_tooling_by_folder_and_nothing_else(tmp_path):
    shutil.copytree(ROOT / "sfli", tmp_path / "sfli", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "_toc.yml", tmp_path / "_toc.yml")
    notebook = ROOT / "notebooks" / "03_staircase.ipynb"
    key = lambda: pipeline.cache_key(notebook, {"profile": "ci"}, tmp_path)  # noqa: E731
    before = key()
    with open(tmp_path / "sfli" / "repro" / "cli.py", "a") as f:
        f.write("\n# an edit of the tooling\n")
    assert key() == before
    with open(tmp_path / "sfli" / "experiments" / "staircase" / "claims.py", "a") as f:
        f.write("\n# a claim's threshold changes\n")
    assert key() != before


def test_no_notebook_imports_the_tooling():
    """The premise of leaving sfli/repro out of the cache key."""
    chapters = sorted(p.name for p in (ROOT / "sfli" / "experiments").iterdir() if (p / "__init__.py").exists())
    code = ("import sys, importlib\n"
            f"for c in {chapters!r}: importlib.import_module('sfli.experiments.' + c)\n"
            "bad = [m for m in sys.modules if m.startswith('sfli.repro')]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            assert "sfli.repro" not in cell.source and "from sfli import claims" not in cell.source, path.name


def test_claims_piped_into_head_ends_quietly(tmp_path):
    env = {**os.environ, "SFLI_RESULTS": str(tmp_path)}
    proc = subprocess.Popen([str(BIN / "sfli"), "claims", "--profile", "smoke"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT, env=env)
    proc.stdout.close()  # the reader is gone before the first line
    err = proc.stderr.read().decode()
    proc.wait()
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_one_book_per_checkout_and_profile_and_stale_locks_are_taken_over(tmp_path, capsys):
    with pipeline.BookLock(tmp_path, "smoke"):
        with pytest.raises(pipeline.LockError, match=r"another `sfli book` is running .* \(pid \d+, started"):
            with pipeline.BookLock(tmp_path, "smoke"):
                pass
        with pipeline.BookLock(tmp_path, "ci"):  # another profile does not clash
            pass
    assert not (tmp_path / "smoke" / ".lock").exists()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (tmp_path / "smoke" / ".lock").write_text(json.dumps({"pid": gone.pid, "started": "earlier"}))
    with pipeline.BookLock(tmp_path, "smoke") as lock:
        assert f"pid {gone.pid}" in lock.taken_over


def test_a_second_book_stops_with_one_line(project, capsys):
    root, _ = project
    lock = root / "results" / "smoke" / ".lock"
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps({"pid": os.getppid(), "started": "now"}))  # a live process
    assert cli.main(["book", "--profile", "smoke", "--no-html"]) == 1
    out = capsys.readouterr().out
    assert out.strip().count("\n") == 0 and f"pid {os.getppid()}" in out
    assert not (root / "results" / "smoke" / "good.json").exists()


def test_ctrl_c_says_one_line_keeps_finished_notebooks_and_leaves_no_temp_files(project):
    root, _ = project
    nbformat.write(_notebook("import time\ntime.sleep(20)"), root / "notebooks" / "bad.ipynb")  # a long run
    script = ("import sys; sys.path.insert(0, 'notebooks'); import toy\n"
              "from sfli.repro import cli, ledger\n"
              "ledger.chapters = lambda: {'good': toy.GOOD, 'bad': toy.BAD}\n"
              "sys.exit(cli.main(['book', '--profile', 'smoke', '--no-html']))\n")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "SFLI_RESULTS": str(root / "results")})
    staging = root / "results" / ".staging"
    kernel_log = root / "results" / "smoke" / "logs" / "bad.kernel.log"
    for _ in range(600):  # wait until the second notebook's kernel has started
        if (root / "results" / "smoke" / "good.json").exists() and kernel_log.exists():
            break
        time.sleep(0.1)
    time.sleep(4)  # … and runs its cell
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "interrupted during bad; finished notebooks kept" in out
    assert "Traceback" not in err and "Traceback" not in out, err
    assert (root / "results" / "smoke" / "good.json").exists()
    assert sorted(p.name for p in (root / "results" / "smoke" / "notebooks").iterdir()) == ["good.ipynb"]
    assert not any(staging.iterdir()) and not (root / "results" / "smoke" / ".lock").exists()


def test_a_failure_is_reported_even_where_its_copy_cannot_be_kept(project):
    root, toy = project
    (root / "results" / "smoke").mkdir(parents=True)
    (root / "results" / "smoke" / "failed").write_text("in the way")  # mkdir failed/ fails, like a read-only folder
    out = pipeline.run_notebook(toy.BAD, "smoke", results=root / "results")
    assert out.status == "failed" and "boom: the experiment diverged" in out.error
    assert "could not be kept" in out.error


def test_claims_name_an_unreadable_record(project, capsys):
    root, _ = project
    (root / "results" / "smoke").mkdir(parents=True)
    (root / "results" / "smoke" / "good.json").write_text('{"truncated": ')
    assert cli.main(["claims", "--profile", "smoke"]) == 1
    out = capsys.readouterr().out
    assert "good.json: not valid JSON" in out


def test_units_run_on_dask_workers_and_are_cached_under_results(project, capsys):
    root, _ = project
    assert cli.main(["book", "--only", "good", "--profile", "smoke", "--no-html", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "1 units, 0 from the unit cache, 2 local Dask worker processes" in out
    record = json.loads((root / "results" / "smoke" / "good.json").read_text())
    assert record["units"]["executor"] == "2 local Dask worker processes"
    assert len(list((root / "results" / "smoke" / "units" / "good").glob("*.pkl"))) == 1
    (root / "results" / "smoke" / "good.json").unlink()  # the notebook runs again; its unit comes from the cache
    assert cli.main(["book", "--only", "good", "--profile", "smoke", "--no-html"]) == 0
    assert "1 units, 1 from the unit cache, serially" in capsys.readouterr().out
    assert cli.main(["book", "--only", "good", "--profile", "smoke", "--no-html", "--force"]) == 0
    assert "1 units, 0 from the unit cache" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["book", "--workers", "0"])
    assert "must be a whole number of worker processes ≥ 1, got '0'" in capsys.readouterr().err
