"""The training loop: determinism, history contents, ε-rank tracking, divergence handling, bad input."""
import copy
import math

import pytest
import torch

from sfli import eps_rank, hidden_features, quadrature
from sfli.nets import MLP, PirateNet, ResMLP
from sfli.problems import Heat1D, Poisson2D, Regression, sine_sum
from sfli.train import DivergenceError, History, fit, record_steps, torch_threads

PROBLEM = Regression(sine_sum((1, 3)), [(-1, 1)], n_train=64)


def _model(seed=0, depth=2, cls=MLP, activation="tanh"):
    return cls(1, 12, depth, 1, activation, generator=torch.Generator().manual_seed(seed))


def _fit(model, **kw):
    args = dict(steps=60, lr=1e-2, quadrature_n=64, n_log=10, record_every=20, seed=0)
    return fit(model, PROBLEM, **{**args, **kw})


def test_same_seed_same_history_and_other_seed_differs():
    a, b = _fit(_model()), _fit(_model())
    assert a.loss == b.loss and a.error == b.error and a.ranks == b.ranks
    c = _fit(_model(), seed=1)  # other training points
    assert c.loss != a.loss


def test_history_contents():
    h = _fit(_model(depth=3))
    assert h.step == record_steps(60, 10, 20) and h.step[0] == 0 and h.step[-1] == 60
    assert list(h.ranks) == ["hidden_1", "hidden_2", "hidden_3"]
    assert all(len(v) == len(h.step) for v in (h.loss, h.error, h.seconds, *h.ranks.values()))
    assert h.loss[-1] < h.loss[0] and h.error[-1] < h.error[0]
    assert all(s1 <= s2 for s1, s2 in zip(h.seconds, h.seconds[1:]))
    assert h.train_seconds > 0 and h.record_seconds > 0 and 0 < h.record_share < 1
    frame = h.frame()
    assert list(frame.columns) == ["step", "loss", "error", "seconds", "hidden_1", "hidden_2", "hidden_3"]
    assert h.meta["eps"] == 1e-3 and h.meta["quadrature_points"] == 64
    assert set(h.to_dict()) >= {"step", "loss", "error", "ranks", "record_seconds", "train_seconds", "meta"}


def test_recorded_ranks_and_error_are_those_of_the_model_at_that_step():
    model = _model(depth=2)
    initial = copy.deepcopy(model)
    h = _fit(model, steps=30)
    x, w = quadrature(PROBLEM.box, 64)
    for snapshot, i in ((initial, 0), (model, -1)):
        feats = hidden_features(snapshot.double(), x)
        assert [h.ranks[k][i] for k in feats] == [eps_rank(f, w) for f in feats.values()]
        with torch.no_grad():
            u = snapshot(x)
        u_star = PROBLEM.exact(x)
        err = math.sqrt(float((w * (u - u_star)[:, 0] ** 2).sum() / (w * u_star[:, 0] ** 2).sum()))
        assert h.error[i] == pytest.approx(err, rel=1e-4)


def test_eps_changes_the_rank_threshold():
    coarse, fine = _fit(_model(), eps=1e-1), _fit(_model(), eps=1e-6)
    assert all(c <= f for c, f in zip(coarse.ranks["hidden_2"], fine.ranks["hidden_2"]))
    assert coarse.ranks != fine.ranks


def test_track_ranks_off_records_loss_and_error_only():
    h = _fit(_model(), track_ranks=False)
    assert h.ranks == {} and len(h.loss) == len(h.step)


def test_resmlp_trains_and_tracks_every_layer():
    h = _fit(_model(depth=3, cls=ResMLP))
    assert list(h.ranks) == ["hidden_1", "hidden_2", "hidden_3"] and h.loss[-1] < h.loss[0]


class ExplodesAt:
    """A regression problem whose loss turns NaN at a given step (counted calls)."""

    def __init__(self, step):
        self.box, self.step, self.calls = PROBLEM.box, step, 0

    def exact(self, x):
        return PROBLEM.exact(x)

    def points(self, generator, dtype=torch.float32):
        return PROBLEM.points(generator, dtype)

    def loss(self, model, points):
        loss = PROBLEM.loss(model, points)
        self.calls += 1
        return loss * float("nan") if self.calls > self.step else loss


def test_divergence_names_step_and_lr_and_keeps_history():
    with pytest.raises(DivergenceError, match=r"diverged at step 25 \(loss = nan\) with learning rate 0.01") as exc:
        fit(_model(), ExplodesAt(25), steps=60, lr=1e-2, quadrature_n=32, n_log=10, record_every=5)
    err = exc.value
    assert err.step == 25 and err.lr == pytest.approx(1e-2)
    assert isinstance(err.history, History)
    assert err.history.step == [s for s in record_steps(60, 10, 5) if s < 25]  # everything recorded before
    assert len(err.history.ranks["hidden_2"]) == len(err.history.step)


def test_a_real_divergence_is_caught():
    with pytest.raises(DivergenceError, match="learning rate 1e\\+08"):
        fit(_model(activation="relu"), PROBLEM, steps=200, lr=1e8, optimizer="sgd", quadrature_n=32, n_log=5)


def test_bad_input():
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'; valid: adam, sgd"):
        _fit(_model(), optimizer="lbfgs")
    with pytest.raises(ValueError, match="lr must be a positive number"):
        _fit(_model(), lr=0.0)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        _fit(_model(), steps=0)


def test_record_steps_schedule():
    marks = record_steps(1000, n_log=4, every=250)
    assert marks == [0, 1, 10, 100, 250, 500, 750, 1000]
    assert record_steps(5, n_log=0) == [0, 5]


def test_learning_rate_decay():
    model = _model()
    h_const = _fit(copy.deepcopy(model), steps=40)
    h_decay = _fit(copy.deepcopy(model), steps=40, decay=0.1, decay_every=20)
    i = h_const.step.index(20)
    assert h_const.loss[: i + 1] == h_decay.loss[: i + 1]  # identical until the first decay
    assert h_const.loss[-1] != h_decay.loss[-1]


class Quadratic(torch.nn.Module):
    """A net the forward engine does not know (no forward_jet)."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(2, 1)

    def forward(self, x):
        return self.lin(x) ** 2


def _pinn_fit(model, problem=None, **kw):
    problem = problem or Poisson2D(n_interior=32, n_boundary=16)
    with torch_threads(1):
        return fit(model, problem, steps=8, lr=1e-3, quadrature_n=8, n_log=4, **kw)


def test_fit_resolves_the_derivative_engine():
    net = lambda: MLP(2, 8, 2, 1, "tanh", generator=torch.Generator().manual_seed(0)).double()  # noqa: E731
    auto, fwd, ref = _pinn_fit(net()), _pinn_fit(net(), engine="forward"), _pinn_fit(net(), engine="autograd")
    assert auto.meta["engine"] == "forward" and fwd.meta["engine"] == "forward" and ref.meta["engine"] == "autograd"
    assert auto.loss == fwd.loss
    assert fwd.loss == pytest.approx(ref.loss, rel=1e-10) and fwd.error == pytest.approx(ref.error, rel=1e-10)
    assert _pinn_fit(Quadratic().double()).meta["engine"] == "autograd"  # "auto" falls back
    heat = _pinn_fit(PirateNet(2, 8, 1, generator=torch.Generator().manual_seed(0)), Heat1D(n_interior=16))
    assert heat.meta["engine"] == "forward" and len(heat.ranks) == 3
    with pytest.raises(TypeError, match="forward engine does not support module Quadratic"):
        _pinn_fit(Quadratic(), engine="forward")
    with pytest.raises(ValueError, match="unknown derivative engine 'fast'; valid: auto, autograd, forward"):
        _pinn_fit(net(), engine="fast")


def test_regression_ignores_the_engine():
    with torch_threads(1):
        runs = [_fit(_model(), engine=e, steps=10) for e in ("auto", "autograd", "forward")]
    assert all(h.meta["engine"] == "none" for h in runs)
    assert runs[0].loss == runs[1].loss == runs[2].loss
    with pytest.raises(ValueError, match="unknown derivative engine"):
        _fit(_model(), engine="fast")


def test_fit_records_the_step_mode_and_rejects_bad_ones():
    hist = fit(_model(), PROBLEM, steps=3, quadrature_n=16, n_log=2)
    assert hist.meta["step_mode"] == "eager" and "cpu" in hist.meta["step_reason"]
    with pytest.raises(ValueError, match="unknown step_mode 'fast'; valid: auto, eager"):
        fit(_model(), PROBLEM, steps=3, step_mode="fast")
    with pytest.raises(ValueError, match="cannot decay"):
        fit(_model(), PROBLEM, steps=3, decay=0.5, step_mode="graph")
    with pytest.raises(RuntimeError, match="CUDA"):  # asked for by name on a CPU: an error, no fallback
        fit(_model(), PROBLEM, steps=3, step_mode="graph")


def test_loss_is_recorded_before_each_update():
    """The recorded loss at step k is the loss of the parameters after k updates (recomputed here)."""
    model = _model()
    hist = fit(model, PROBLEM, steps=4, quadrature_n=16, n_log=0, record_every=1)
    assert hist.step == [0, 1, 2, 3, 4]
    with torch.no_grad():
        final = float(PROBLEM.loss(model, PROBLEM.points(torch.Generator().manual_seed(0))))
    assert hist.loss[-1] == pytest.approx(final, rel=1e-6)
    assert hist.loss[0] > hist.loss[-1]


def test_a_finite_but_exploding_loss_is_a_divergence():
    """Adam at lr = 1e6 keeps a finite loss far above its start: the growth rule catches it, with the reason."""
    with pytest.raises(DivergenceError, match=r"loss .* > 1000 × its initial .* at 3 recorded steps in a row") as exc:
        fit(_model(), PROBLEM, steps=200, lr=1e6, quadrature_n=32, n_log=0, record_every=10)
    meta = exc.value.history.meta["diverged"]
    assert meta["lr"] == 1e6 and "recorded steps in a row" in meta["why"]
    assert len(exc.value.history.loss) >= 3


def test_the_growth_rule_spares_a_loss_that_only_bumps():
    hist = fit(_model(), PROBLEM, steps=100, lr=1e-2, quadrature_n=32, n_log=0, record_every=10)
    assert "diverged" not in hist.meta


def test_a_probe_is_recorded_at_every_recorded_step_of_the_model_then():
    from sfli.spectral import BandError

    model = _model(depth=2)
    initial = copy.deepcopy(model)
    probe = BandError(PROBLEM.target, PROBLEM.box, 64, [0, 2, float("inf")])
    calls = []
    h = _fit(model, probe=lambda m: calls.append(1) or probe(m))
    assert len(calls) == len(h.step) and list(h.probes) == ["band_0", "band_1"]
    assert h.probes["band_0"][0] == pytest.approx(probe(initial)["band_0"])
    assert h.probes["band_1"][-1] == pytest.approx(probe(model)["band_1"])
    assert list(h.frame().columns)[-2:] == ["band_0", "band_1"] and "probes" in h.to_dict()
    with pytest.raises(DivergenceError) as exc:  # a divergence keeps the probe columns aligned with the steps
        fit(_model(), ExplodesAt(25), steps=60, lr=1e-2, quadrature_n=32, n_log=10, record_every=5,
            probe=lambda m: {"p": 1.0})
    assert len(exc.value.history.probes["p"]) == len(exc.value.history.step)
