import json

import numpy as np
import pytest
import torch

from sfli.experiments import records
from sfli.experiments.records import RecordError, Run, read_record, to_jsonable, write_json_atomic


def test_write_is_atomic_and_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "r.json"
    write_json_atomic(path, {"a": 1})
    with pytest.raises(TypeError, match="cannot store"):
        write_json_atomic(path, {"a": object()})
    assert json.loads(path.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left behind


def test_to_jsonable_converts_numpy_torch_and_non_finite():
    out = to_jsonable({"a": np.int64(3), "b": torch.tensor([1.5, 2.0]), "c": (1, 2), "d": float("nan"),
                       "e": float("inf")})
    assert out == {"a": 3, "b": [1.5, 2.0], "c": [1, 2], "d": None, "e": "inf"}


def test_run_writes_record_with_provenance(tmp_path, monkeypatch):
    monkeypatch.setenv(records.RESULTS_ENV, str(tmp_path))
    monkeypatch.setenv(records.RUN_ID_ENV, "abc")
    run = Run("demo", "smoke", params={"width": 8}, seeds=[0, 1])
    path = run.finish({"rank": np.int64(7), "ratio": 1.25})
    rec = json.loads(path.read_text())
    assert path == tmp_path / "smoke" / "demo.json"
    assert rec["metrics"] == {"rank": 7, "ratio": 1.25}
    assert rec["params"] == {"width": 8} and rec["seeds"] == [0, 1] and rec["profile"] == "smoke"
    prov = rec["provenance"]
    assert prov["run_id"] == "abc" and prov["versions"]["torch"] and prov["executable"]
    assert {"commit", "dirty"} <= set(prov["git"]) and prov["device"]
    assert rec["wall_time_s"] >= 0


def test_run_rejects_unknown_profile_and_non_numeric_metric(tmp_path, monkeypatch):
    monkeypatch.setenv(records.RESULTS_ENV, str(tmp_path))
    with pytest.raises(ValueError, match="valid profiles: smoke, ci, paper"):
        Run("demo", "fast", params={}, seeds=[0])
    with pytest.raises(TypeError, match="metric 'x' must be a number"):
        Run("demo", "smoke", params={}, seeds=[0]).finish({"x": [1, 2]})
    assert not (tmp_path / "smoke" / "demo.json").exists()


def test_savefig_writes_png_and_svg(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setenv(records.RESULTS_ENV, str(tmp_path))
    run = Run("demo", "smoke", params={}, seeds=[0])
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    run.savefig(fig, "line")
    png = run.figure_dir / "line.png"
    assert png.exists() and png.with_suffix(".svg").exists()
    assert run.figures == ["line"]


def test_records_are_readable_by_others_and_the_reader_names_the_fault(tmp_path):
    path = write_json_atomic(tmp_path / "r.json", {"name": "x", "profile": "ci", "params": {}, "seeds": [0],
                                                   "metrics": {"a": 1}, "provenance": {}})
    assert path.stat().st_mode & 0o044 == 0o044  # group and others may read (umask 022), not 0600
    assert read_record(path)["metrics"] == {"a": 1}
    path.write_text(path.read_text()[:40])  # truncated
    with pytest.raises(RecordError, match=r"record .*r.json: not valid JSON \(.*, line \d+, column \d+; truncated"):
        read_record(path)
    path.write_text("[1, 2]")
    with pytest.raises(RecordError, match="holds a JSON list, not an object"):
        read_record(path)
    path.write_text('{"name": "x"}')
    with pytest.raises(RecordError, match="lacks profile, params, seeds, metrics, provenance"):
        read_record(path)
    with pytest.raises(RecordError, match="cannot be read"):
        read_record(tmp_path / "missing.json")


def test_outside_the_book_records_go_to_a_scratch_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(records.RESULTS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert records.results_dir() == tmp_path / "sfli-results"
