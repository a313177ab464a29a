"""Units run anywhere: the same record serially, on two local Dask workers, and half from the unit cache after a
kill; a corrupt unit file is reported and re-run, never used."""
import pickle

import pandas as pd
import pytest

from sfli.experiments.staircase import CHAPTER
from sfli.experiments.units import Executor, UnitCache, code_fingerprint, unit_name

CFG = CHAPTER.config("smoke", n_seeds=2, depths=[2], widths=[8], activations=["tanh"], placements=["random"],
                     resnet=False, regression={"steps": 60, "record_every": 10})


def _same(a, b) -> None:
    """Bit for bit, apart from wall times."""
    keep = lambda m: {k: v for k, v in m.items() if not k.startswith("time/")}  # noqa: E731
    assert keep(a.metrics) == keep(b.metrics)
    timing = ["record_share", "train_seconds", "record_seconds"]
    pd.testing.assert_frame_equal(a.runs.drop(columns=timing), b.runs.drop(columns=timing), check_exact=True)
    pd.testing.assert_frame_equal(a.curves, b.curves, check_exact=True)
    pd.testing.assert_frame_equal(a.rfm.drop(columns="seconds"), b.rfm.drop(columns="seconds"), check_exact=True)


@pytest.fixture(scope="module")
def serial():
    report = {}
    result = CHAPTER.run(CFG, executor=Executor(), cache=UnitCache(None, "k"), report=report)
    assert report["from_cache"] == 0 and report["executor"] == "serially, in this process"
    return result, report["units"]


def test_two_local_dask_workers_give_the_same_record(serial):
    pytest.importorskip("dask.distributed")
    report = {}
    result = CHAPTER.run(CFG, executor=Executor(workers=2), cache=UnitCache(None, "k"), report=report)
    assert report["executor"] == "2 local Dask worker processes"
    _same(serial[0], result)


def test_a_killed_run_resumes_from_the_unit_cache(serial, tmp_path):
    cache = UnitCache(tmp_path, "key")
    first = CHAPTER.run(CFG, executor=Executor(), cache=cache)
    files = sorted(tmp_path.glob("*.pkl"))
    assert len(files) == serial[1]
    for f in files[::2]:  # the run was killed halfway: half of the units never finished
        f.unlink()
    report = {}
    resumed = CHAPTER.run(CFG, executor=Executor(), cache=UnitCache(tmp_path, "key"), report=report)
    assert report["from_cache"] == len(files) - len(files[::2])
    _same(serial[0], first)
    _same(serial[0], resumed)


def test_a_corrupt_unit_file_is_reported_and_re_run(serial, tmp_path):
    CHAPTER.run(CFG, executor=Executor(), cache=UnitCache(tmp_path, "key"))
    victim = sorted(tmp_path.glob("*.pkl"))[0]
    victim.write_bytes(victim.read_bytes()[:40])  # a partial write
    report = {}
    again = CHAPTER.run(CFG, executor=Executor(), cache=UnitCache(tmp_path, "key"), report=report)
    (problem,) = report["unreadable"]
    assert str(victim) in problem and "re-running its unit" in problem
    assert report["from_cache"] == serial[1] - 1
    _same(serial[0], again)
    assert pickle.loads(victim.read_bytes())["key"] == "key"  # written anew


def test_the_cache_key_holds_settings_and_code_and_force_ignores_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SFLI_UNITS", str(tmp_path))
    a = UnitCache.from_env("03_staircase", CFG)
    assert a.folder == tmp_path / "03_staircase" and not a.force
    assert UnitCache.from_env("03_staircase", {**CFG, "n_seeds": 3}).key != a.key
    monkeypatch.setenv("SFLI_FORCE", "1")
    assert UnitCache.from_env("03_staircase", CFG).force
    unit = CHAPTER.units(CFG, [0])[0]
    a.put(unit, {"x": 1})
    assert a.get(unit) == (True, {"x": 1})
    assert UnitCache(a.folder, "other").get(unit) == (False, None)  # other code or settings: stale, re-run
    assert unit_name(unit).startswith("sfli.experiments.staircase.") and len(code_fingerprint()) == 64


def test_the_executor_comes_from_the_environment(monkeypatch):
    assert Executor.from_env().serial
    monkeypatch.setenv("SFLI_WORKERS", "3")
    assert Executor.from_env() == Executor(workers=3)
    monkeypatch.setenv("SFLI_WORKERS", "many")
    with pytest.raises(ValueError, match="SFLI_WORKERS must be a whole number of worker processes, got 'many'"):
        Executor.from_env()
    monkeypatch.delenv("SFLI_WORKERS")
    monkeypatch.setenv("SFLI_SCHEDULER", "tcp://10.0.0.5:8786")
    assert Executor.from_env().describe() == "the Dask scheduler at tcp://10.0.0.5:8786"


# ---------------------------------------------------------------- failures

def _toy(run_unit, **settings):
    from types import SimpleNamespace

    from sfli.experiments.chapter import Chapter, Metric, Part

    return Chapter(name="toy", title="toy", settings={p: {"n": 4, **settings} for p in ("smoke", "ci", "paper")},
                   units=lambda cfg, seeds: [Part("u", (i,)) for i in range(cfg["n"])], run_unit=run_unit,
                   aggregate=lambda cfg, seeds, r: SimpleNamespace(metrics={"sum": sum(r.values())}),
                   metrics=(Metric("sum"),))


def _square_but_two(unit, cfg):
    if unit.seeds[0] == 2:
        raise ArithmeticError("unit two cannot")
    return unit.seeds[0] ** 2


def test_a_failing_unit_is_named_with_its_traceback_and_the_others_finish(tmp_path):
    from sfli.experiments.units import UnitsFailed

    toy = _toy(_square_but_two)
    cfg = toy.config("ci")
    with pytest.raises(UnitsFailed, match=r"1 of 4 units failed .*Part\(name='u', seeds=\(2,\)\): ArithmeticError: "
                                          r"unit two cannot") as exc:
        toy.run(cfg, executor=Executor(), cache=UnitCache(tmp_path, "k"))
    assert "Traceback" in str(exc.value) and "_square_but_two" in str(exc.value)
    assert len(list(tmp_path.glob("*.pkl"))) == 3  # the others finished and are kept
    report = {}
    fixed = _toy(lambda unit, cfg: unit.seeds[0] ** 2)
    assert fixed.run(cfg, executor=Executor(), cache=UnitCache(tmp_path, "k"), report=report).metrics == {"sum": 14}
    assert report["from_cache"] == 3  # only the failed unit ran again


def _dies_once(unit, cfg):
    import os
    from pathlib import Path

    marker = Path(cfg["marker"]) / f"{unit.seeds[0]}"
    if unit.seeds[0] == 1 and not marker.exists():
        marker.touch()
        os._exit(1)  # the worker process dies in the middle of the unit
    return unit.seeds[0] ** 2


def test_a_worker_that_dies_mid_unit_loses_nothing(tmp_path):
    pytest.importorskip("dask.distributed")
    import cloudpickle

    cloudpickle.register_pickle_by_value(__import__(__name__))
    toy = _toy(_dies_once, marker=str(tmp_path))
    result = toy.run(toy.config("ci"), executor=Executor(workers=2), cache=UnitCache(tmp_path / "units", "k"))
    assert result.metrics == {"sum": 14}  # Dask ran the unit again on a fresh worker
    assert (tmp_path / "1").exists()


def test_an_unreachable_scheduler_is_one_clear_line():
    pytest.importorskip("dask.distributed")
    toy = _toy(lambda unit, cfg: 0)
    with pytest.raises(RuntimeError, match=r"cannot reach the Dask scheduler at tcp://127.0.0.1:9 .*is it running"):
        toy.run(toy.config("ci"), executor=Executor(scheduler="tcp://127.0.0.1:9"), cache=UnitCache(None, "k"))


def test_chapters_that_time_code_run_their_units_one_at_a_time():
    from sfli.experiments import chapters

    timed = {name for name, ch in chapters().items() if not ch.parallel}
    assert timed == {"01_eps_rank", "05_performance"}
    toy = _toy(lambda unit, cfg: 1)
    toy = type(toy)(name="toy", title="toy", settings=toy.settings, units=toy.units, run_unit=toy.run_unit,
                    aggregate=toy.aggregate, metrics=toy.metrics, parallel=False)
    report = {}
    toy.run(toy.config("ci"), executor=Executor(workers=2), cache=UnitCache(None, "k"), report=report)
    assert report["executor"] == "serially, in this process"
