"""The appendix's chapter package: agreement check, units, speed table, metrics of the target configuration."""
import math
import pickle

import pandas as pd
import pytest

from sfli.experiments.performance import CHAPTER, committed_record, plots, runs


def _row(variant, ms, problem="poisson2d", net="mlp4x128", points=8192, loss=1.0):
    return {"problem": problem, "net": net, "points": points, "variant": variant, "ms": ms, "build_s": 0.0,
            "first_loss": loss, "last_loss": loss, "flops": 6e9, "mode": "eager"}


def _agreement():
    return pd.DataFrame({"net": ["MLP"], "activation": ["tanh"], "quantity": ["u"], "max_rel_diff": [0.0]})


def test_agreement_is_round_off_for_every_net():
    df = runs.engine_agreement(CHAPTER.config("smoke"))
    assert set(df.net) == {"MLP", "ResMLP", "ModifiedMLP", "PirateNet", "PirateNet+Fourier+RWF",
                           "PirateNet+periodic"}
    assert set(df.quantity) == {"u", "du", "d2u"}
    assert df.max_rel_diff.max() < 1e-12


@pytest.mark.parametrize("profile", ["smoke", "ci", "paper"])
def test_units_are_distinct_picklable_and_carry_their_seed(profile):
    cfg = CHAPTER.config(profile)
    units = CHAPTER.units(cfg, [7])
    assert len(set(units)) == len(units)
    assert pickle.loads(pickle.dumps(units)) == units
    assert {u.seed for u in units} == {7}
    assert [u.activation for u in units if isinstance(u, runs.Agreement)] == cfg["agreement"]["activations"]
    timed = [(u.problem, u.net, u.points) for u in units if isinstance(u, runs.Timing)]
    assert (runs.TARGET in timed) == cfg["speed"]["target"]


def test_units_run_in_any_order_give_the_same_result():
    """aggregate orders the outputs by the units, so a distributed runner may return them in any order."""
    cfg = CHAPTER.config("smoke", speed={"repeats": 1, "warmup": 0})
    units = CHAPTER.units(cfg, [0])
    outputs = {u: pickle.loads(pickle.dumps(runs.run_unit(u, cfg))) for u in reversed(units)}
    result = runs.aggregate(cfg, [0], outputs)
    assert list(result.agreement.activation.unique()) == cfg["agreement"]["activations"]
    assert CHAPTER.check_metrics(result.metrics, cfg) == []
    assert result.metrics["engine/max_rel_diff"] < 1e-12


def test_speed_table_ratios():
    rows = [_row("autograd-eager", 9.0), _row("forward-compile+graph", 0.45), _row("jax-forward", 1.5),
            _row("jax-hessian", 1.8), {**_row("forward-graph", 0), "error": "boom"}]
    del rows[-1]["ms"]
    t = plots.speed_table(rows)
    assert isinstance(t, pd.DataFrame)
    fast = t.loc[("poisson2d", "mlp4x128", 8192, "forward-compile+graph")]
    assert fast["t/t_ref"] == pytest.approx(0.05) and fast["t/t_jax"] == pytest.approx(0.3)
    assert fast["GFLOP/s"] == pytest.approx(6e9 / 0.45 / 1e6, rel=1e-3)
    assert t.loc[("poisson2d", "mlp4x128", 8192, "forward-graph")]["failed"] == "boom"


def test_target_metrics_only_where_the_target_is_measured():
    rows = [_row("autograd-eager", 9.0), _row("forward-compile+graph", 0.45, loss=1.0 + 1e-7),
            _row("jax-forward", 1.5)]
    res = runs.Result(_agreement(), rows, "GPU", timings={"speed": 1.0})
    m = runs.metrics(res, target=True)
    assert m["time/target/best_ms"] == 0.45
    assert m["time/target/speedup_vs_eager_autograd"] == pytest.approx(20.0)
    assert m["time/target/ratio_vs_jax"] == pytest.approx(0.3)
    assert m["engine/first_loss_max_rel_diff"] == pytest.approx(1e-7)
    assert not any(k.startswith("time/target/") for k in runs.metrics(res))  # target off: smoke and ci
    small = runs.Result(res.agreement, [_row("autograd-eager", 30.0, points=1024)], "CPU")
    assert math.isnan(runs.metrics(small)["time/total_s"])
    missing = runs.metrics(small, target=True)  # on, but the target did not run: declared, not measured
    assert all(math.isnan(missing[k]) for k in ("time/target/best_ms", "time/target/ratio_vs_jax"))


def test_perf_claims_are_not_run_at_smoke_and_ci():
    target = [c for c in CHAPTER.claims if c.metric.startswith("time/target/")]
    assert len(target) == 3
    for profile in ("smoke", "ci"):
        assert {v.status for v in CHAPTER.verdicts({}, profile) if v.claim in target} == {"not run"}
    assert all(CHAPTER.measures(c, "paper") for c in target)
    assert all(not c.must_hold for c in CHAPTER.claims if c.metric.startswith("time/"))
    assert all(c.must_hold == ("smoke", "ci", "paper") for c in CHAPTER.claims if c.id.startswith("engine-"))


def test_no_committed_gpu_record_is_none_not_an_error():
    assert committed_record("paper") is None or "tables" in committed_record("paper")
    with pytest.raises(ValueError):
        committed_record("gpu")
