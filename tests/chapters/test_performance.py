"""The appendix's experiment module: agreement check, speed table, metrics of the target configuration."""
import math

import pandas as pd
import pytest

from sfli.experiments import performance as exp


def _row(variant, ms, problem="poisson2d", net="mlp4x128", points=8192, loss=1.0):
    return {"problem": problem, "net": net, "points": points, "variant": variant, "ms": ms, "build_s": 0.0,
            "first_loss": loss, "last_loss": loss, "flops": 6e9, "mode": "eager"}


def test_agreement_is_round_off_for_every_net():
    df = exp.engine_agreement(exp.config("smoke"))
    assert set(df.net) == {"MLP", "ResMLP", "ModifiedMLP", "PirateNet", "PirateNet+Fourier+RWF",
                           "PirateNet+periodic"}
    assert set(df.quantity) == {"u", "du", "d2u"}
    assert df.max_rel_diff.max() < 1e-12


def test_speed_table_ratios():
    rows = [_row("autograd-eager", 9.0), _row("forward-compile+graph", 0.45), _row("jax-forward", 1.5),
            _row("jax-hessian", 1.8), {**_row("forward-graph", 0), "error": "boom"}]
    del rows[-1]["ms"]
    t = exp.speed_table(rows)
    assert isinstance(t, pd.DataFrame)
    fast = t.loc[("poisson2d", "mlp4x128", 8192, "forward-compile+graph")]
    assert fast["t/t_ref"] == pytest.approx(0.05) and fast["t/t_jax"] == pytest.approx(0.3)
    assert fast["GFLOP/s"] == pytest.approx(6e9 / 0.45 / 1e6, rel=1e-3)
    assert t.loc[("poisson2d", "mlp4x128", 8192, "forward-graph")]["failed"] == "boom"


def test_target_metrics_only_where_the_target_ran():
    rows = [_row("autograd-eager", 9.0), _row("forward-compile+graph", 0.45, loss=1.0 + 1e-7),
            _row("jax-forward", 1.5)]
    res = exp.Result(pd.DataFrame({"net": ["MLP"], "activation": ["tanh"], "quantity": ["u"],
                                   "max_rel_diff": [0.0]}), rows, "GPU", timings={"speed": 1.0})
    m = exp.metrics(res)
    assert m["time/target/best_ms"] == 0.45
    assert m["time/target/speedup_vs_eager_autograd"] == pytest.approx(20.0)
    assert m["time/target/ratio_vs_jax"] == pytest.approx(0.3)
    assert m["engine/first_loss_max_rel_diff"] == pytest.approx(1e-7)
    small = exp.Result(res.agreement, [_row("autograd-eager", 30.0, points=1024)], "CPU")
    assert not any(k.startswith("time/target/") for k in exp.metrics(small))
    assert math.isnan(exp.metrics(small)["time/total_s"])


def test_no_committed_gpu_record_is_none_not_an_error():
    assert exp.committed_record("paper") is None or "tables" in exp.committed_record("paper")
    with pytest.raises(ValueError):
        exp.committed_record("gpu")
