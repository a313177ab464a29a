"""The chapter protocol: settings as data, parameters checked in the notebook, declared metrics, claims by rule."""
import pickle
from types import SimpleNamespace

import pytest

from sfli.experiments.chapter import Chapter, Metric, Param, ParameterError, Part
from sfli.experiments.claims import Claim, evaluate
from sfli.experiments.settings import PROFILES, check_profile, config, seeds

SETTINGS = {p: {"width": 8, "lr": 0.1, "name": "a", "flag": False, "acts": ["tanh", "relu"],
                "c2": {"width": 18, "on": True}} for p in PROFILES}


def test_profiles_and_default():
    assert PROFILES == ("smoke", "ci", "paper")
    assert check_profile("ci") == "ci"
    with pytest.raises(ValueError, match="unknown profile 'quick'; valid profiles: smoke, ci, paper"):
        config(SETTINGS, "quick")


def test_overrides_are_checked_in_groups_too():
    assert config(SETTINGS, "smoke", width=16, lr=1)["lr"] == 1
    assert config(SETTINGS, "smoke", c2={"width": 4})["c2"] == {"width": 4, "on": True}
    with pytest.raises(ValueError, match="unknown setting 'depth'; valid settings: acts, c2, flag, lr, name, width"):
        config(SETTINGS, "smoke", depth=3)
    with pytest.raises(ValueError, match="unknown setting 'c2.depth'; valid settings: c2.on, c2.width"):
        config(SETTINGS, "smoke", c2={"depth": 3})
    with pytest.raises(ValueError, match="setting 'width' must be int, got str"):
        config(SETTINGS, "smoke", width="16")
    with pytest.raises(ValueError, match="setting 'width' must be int, got bool"):
        config(SETTINGS, "smoke", width=True)
    with pytest.raises(ValueError, match="setting 'c2' is a group"):
        config(SETTINGS, "smoke", c2=3)


def test_config_returns_a_deep_copy():
    cfg = config(SETTINGS, "ci")
    cfg["c2"]["width"] = 99
    assert SETTINGS["ci"]["c2"]["width"] == 18
    assert seeds({"n_seeds": 3}, 5) == [5, 6, 7]


def test_metric_templates_switches_and_families():
    cfg = config(SETTINGS, "ci")
    assert Metric("c1/{act}/share", over={"act": "acts"}).names(cfg) == ["c1/tanh/share", "c1/relu/share"]
    assert Metric("x/{w:d}", over={"w": "c2.width"}).names({"c2": {"width": [3]}}) == ["x/3"]
    assert Metric("c2/lines", when="c2.on").names(cfg) == ["c2/lines"]
    assert Metric("off", when="flag").names(cfg) == []
    assert Metric("time/*").family


def _chapter(**kw):
    base = dict(name="toy", title="Toy", settings=SETTINGS, units=lambda cfg, s: [Part("a", tuple(s))],
                run_unit=lambda u, cfg: len(u.seeds),
                aggregate=lambda cfg, s, r: SimpleNamespace(metrics={"n": r[Part("a", tuple(s))], "time/s": 0.1}),
                metrics=(Metric("n"), Metric("time/*")))
    return Chapter(**{**base, **kw})


def _claim(**kw):
    base = dict(id="c", source="book", tag="[ours]", statement="s", metric="n", op=">", threshold=1.0,
                origin="principle", must_hold=("ci",))
    return Claim(**{**base, **kw})


def test_chapter_runs_units_and_checks_its_declaration():
    ch = _chapter(claims=(_claim(),))
    cfg = ch.config("smoke")
    assert ch.run(cfg, seed=0).metrics["n"] == 1
    assert ch.claims[0].record == "toy"
    assert ch.check_metrics({"n": 1, "time/s": 2.0}, cfg) == []
    assert ch.check_metrics({"time/s": 2.0, "extra": 1}, cfg) == ["declared metric 'n' missing",
                                                                 "metric 'extra' is not declared"]
    assert pickle.loads(pickle.dumps(Part("a", (1, 2)))) == Part("a", (1, 2))


def test_a_claim_on_an_undeclared_metric_is_an_error_when_the_ledger_is_built():
    with pytest.raises(ValueError, match="claim c names metric 'nope', which the chapter does not declare"):
        _chapter(claims=(_claim(metric="nope"),))
    with pytest.raises(ValueError, match="claim c must hold at ci, where chapter toy does not compute 'o'"):
        paper_only = {p: {**SETTINGS[p], "flag": p == "paper"} for p in PROFILES}
        _chapter(settings=paper_only, metrics=(Metric("n"), Metric("o", when="flag")), claims=(_claim(metric="o"),))


def test_gates_are_decided_by_rule():
    with pytest.raises(ValueError, match="a finding and never must-hold"):
        _claim(source="2412.05144", tag="[paper]")
    with pytest.raises(ValueError, match="a wall-time metric cannot gate the build"):
        _claim(metric="time/s")
    with pytest.raises(ValueError, match="unknown threshold origin"):
        _claim(origin="vibes")
    with pytest.raises(ValueError, match="unknown comparison '~'"):
        _claim(op="~")
    with pytest.raises(ValueError, match="a tolerance goes with op 'within'"):
        _claim(op="within", threshold=3)


def test_within_tests_both_sides():
    c = _claim(op="within", threshold=3, tolerance=0.5, must_hold=())
    assert c.criterion == "within 0.5 of 3"
    assert [evaluate(c, {"n": v}, "ci").status for v in (2.4, 2.6, 3.4, 3.6, 0)] == [
        "fails", "holds", "holds", "fails", "fails"]
    assert evaluate(c, {"n": 3}, "ci", measured_here=False).status == "not run"
    assert evaluate(c, {}, "ci").status == "not measured"


def test_parameters_are_checked_in_the_notebook():
    ch = _chapter()
    history = ["", 'profile: str = "ci"  # smoke | ci | paper\nseed: int = 0', "# Parameters\nsed = 3\n", "setup"]
    with pytest.raises(ParameterError, match="toy has no parameter 'sed'; its parameters: profile, seed"):
        ch.read_parameters({"profile": "ci", "seed": 0, "sed": 3, "In": history})
    ok = {"profile": "smoke", "seed": 2, "In": history[:2] + ["setup"], "CHAPTER": ch, "plots": object()}
    assert ch.read_parameters(ok) == {"profile": "smoke", "seed": 2}
    for bad, message in (({"seed": -1}, "'seed' = -1 is out of range; it must be ≥ 0"),
                         ({"seed": True}, "'seed' must be int .*got bool True"),
                         ({"seed": "abc"}, "'seed' must be int .*got str 'abc'"),
                         ({"seed": 1.5}, "'seed' must be int .*got float 1.5"),
                         ({"profile": "nosuch"}, "'profile' = 'nosuch' is not valid; valid: smoke, ci, paper")):
        with pytest.raises(ParameterError, match=message):
            ch.read_parameters({"profile": "ci", "seed": 0, **bad})
    assert ParameterError("x")._render_traceback_() == ["ParameterError: x"]  # one line in a notebook
    assert Param(float).check("lr", 1e-3) == 1e-3


def test_metric_among_limits_a_placeholder():
    cfg = {"acts": ["tanh", "relu", "gelu"], "sfli_acts": ["tanh", "relu"]}
    assert Metric("{a}/r", over={"a": "acts"}, among={"a": "sfli_acts"}).names(cfg) == ["tanh/r", "relu/r"]
    assert Metric("{a}/r", over={"a": "acts"}, among={"a": ("gelu",)}).names(cfg) == ["gelu/r"]


def test_metric_over_a_single_value():
    assert Metric("eps_{e:g}", over={"e": "eps"}).names({"eps": 1e-3}) == ["eps_0.001"]


def test_glued_text_reads_without_quotes(monkeypatch):
    """myst-nb shows a glued value's text/plain (its repr): a string must come out as itself."""
    import myst_nb
    import numpy as np
    from IPython.core.formatters import PlainTextFormatter

    from sfli.experiments.chapter import Session

    seen = {}
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: seen.setdefault(name, value))
    Session.glue("cells", "sines1d/sin, step1d/tanh")
    Session.glue("ratio", 0.5)
    Session.glue("numpy", np.float64(1.25))
    assert PlainTextFormatter()(seen["cells"]) == "sines1d/sin, step1d/tanh"
    assert seen["ratio"] == 0.5
    assert PlainTextFormatter()(seen["numpy"]) == "1.25"  # not np.float64(1.25): a format spec must parse it
