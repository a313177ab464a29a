"""The fast training step: eager equals the plain loop, compile equals eager, warm-up is undone, set_points,
and the mode rules (graph modes need CUDA; "auto" picks eager on the CPU). Graph tests run only with CUDA."""
import copy

import pytest
import torch

from sfli.nets import MLP
from sfli.problems import Poisson2D, Regression, sine_sum
from sfli.step import COMPILE_MIN_STEPS, MODES, _restore, _snapshot, _update, make_step

CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="CUDA graphs need a GPU")
REGRESSION = Regression(sine_sum((1, 3)), [(-1, 1)], n_train=64)
POISSON = Poisson2D(n_interior=128, n_boundary=32)


def _setup(problem=REGRESSION, device="cpu", seed=0, lr=1e-2, **adam):
    d = problem.box.dim
    model = MLP(d, 16, 2, generator=torch.Generator().manual_seed(seed)).to(device)
    points = {k: v.to(device) for k, v in problem.points(torch.Generator().manual_seed(0)).items()}
    opt = torch.optim.Adam(model.parameters(), lr=lr, **adam)
    return model, (lambda pts: problem.loss(model, pts)), opt, points


def _plain_loop(problem, n, device="cpu", **adam):
    model, loss_fn, opt, points = _setup(problem, device, **adam)
    losses = []
    for _ in range(n):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(points)
        losses.append(float(loss.detach()))
        loss.backward()
        opt.step()
    return losses, [p.detach().cpu() for p in model.parameters()]


def _run(mode, problem, n, device="cpu", **kw):
    model, loss_fn, opt, points = _setup(problem, device)
    step = make_step(model, loss_fn, opt, points, mode, **kw)
    losses = [float(step()) for _ in range(n)]
    return step, losses, [p.detach().cpu() for p in model.parameters()]


def test_bad_arguments():
    model, loss_fn, opt, points = _setup()
    with pytest.raises(ValueError, match="unknown mode 'jit'"):
        make_step(model, loss_fn, opt, points, "jit")
    with pytest.raises(ValueError, match="steps"):
        make_step(model, loss_fn, opt, points, steps=-1)
    assert MODES[0] == "auto"


@pytest.mark.parametrize("problem", [REGRESSION, POISSON], ids=["regression", "poisson"])
def test_eager_equals_the_plain_loop_and_returns_the_loss_before_the_update(problem):
    ref_losses, ref_params = _plain_loop(problem, 5)
    step, losses, params = _run("eager", problem, 5)
    assert step.mode == "eager" and step.reason == "requested"
    assert losses == ref_losses and losses[-1] < losses[0]
    assert all(torch.equal(a, b) for a, b in zip(params, ref_params))


def test_returned_loss_is_detached_and_not_overwritten():
    model, loss_fn, opt, points = _setup()
    step = make_step(model, loss_fn, opt, points, "eager")
    first, second = step(), step()
    assert not first.requires_grad and first.dim() == 0 and float(first) != float(second)


def test_auto_on_cpu_is_eager_even_for_long_runs():
    model, loss_fn, opt, points = _setup()
    step = make_step(model, loss_fn, opt, points, steps=10 * COMPILE_MIN_STEPS)
    assert step.mode == "eager" and step.reason.startswith("cpu: eager")


@pytest.mark.parametrize("mode", ["graph", "compile+graph"])
def test_graph_modes_on_cpu_raise_and_leave_everything_untouched(mode):
    model, loss_fn, opt, points = _setup()
    before = copy.deepcopy(model.state_dict())
    with pytest.raises(RuntimeError, match="need the model and the points on CUDA"):
        make_step(model, loss_fn, opt, points, mode)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert not opt.state and opt.param_groups[0]["capturable"] is False


def test_warm_up_is_undone_exactly():
    """The snapshot/restore that compiled and graph modes use around their warm-up (checked on the CPU)."""
    ref_losses, ref_params = _plain_loop(REGRESSION, 4)
    model, loss_fn, opt, points = _setup()
    saved = _snapshot(model, opt)
    for _ in range(3):
        _update(loss_fn, opt, points)
    _restore(model, opt, saved)  # Adam's state now exists but is zero: the same as fresh
    losses = [float(_update(loss_fn, opt, points)) for _ in range(4)]
    assert losses == ref_losses
    assert all(torch.equal(p.detach(), q) for p, q in zip(model.parameters(), ref_params))


def test_set_points_copies_into_the_buffers_and_checks_shapes():
    model, loss_fn, opt, points = _setup()
    step = make_step(model, loss_fn, opt, points, "eager")
    assert step.points["x"] is not points["x"]
    new = REGRESSION.points(torch.Generator().manual_seed(7))
    buffer = step.points["x"]
    step.set_points(new)
    assert step.points["x"] is buffer and torch.equal(buffer, new["x"])
    with torch.no_grad():
        expected = float(loss_fn(new))
    assert float(step()) == pytest.approx(expected)
    with pytest.raises(ValueError, match="must be"):
        step.set_points({"x": new["x"][:10], "y": new["y"][:10]})
    with pytest.raises(ValueError, match="keys"):
        step.set_points({"x": new["x"]})


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.compile's own internals
def test_compile_equals_eager():
    """torch.compile of the loss (forward + AOTAutograd backward); one test, ~10 s of compilation on a CPU."""
    ref_losses, ref_params = _plain_loop(REGRESSION, 5)
    step, losses, params = _run("compile", REGRESSION, 5, warmup=1)
    assert step.mode == "compile"
    assert losses == pytest.approx(ref_losses, rel=1e-5)
    assert all(torch.allclose(a, b, rtol=1e-4, atol=1e-6) for a, b in zip(params, ref_params))


# ---------------------------------------------------------------- CUDA only

@needs_cuda
@pytest.mark.parametrize("problem", [REGRESSION, POISSON], ids=["regression", "poisson-nested-autograd"])
def test_graph_equals_eager_on_cuda(problem):
    ref_losses, ref_params = _plain_loop(problem, 6, "cuda")
    step, losses, params = _run("graph", problem, 6, "cuda")
    assert step.mode == "graph"
    assert losses == pytest.approx(ref_losses, rel=1e-4)
    assert all(torch.allclose(a, b, rtol=1e-3, atol=1e-5) for a, b in zip(params, ref_params))


@needs_cuda
def test_compile_graph_equals_eager_on_cuda():
    ref_losses, _ = _plain_loop(REGRESSION, 6, "cuda")
    step, losses, _ = _run("compile+graph", REGRESSION, 6, "cuda")
    assert step.mode == "compile+graph" and losses == pytest.approx(ref_losses, rel=1e-4)


@needs_cuda
def test_graph_set_points_and_auto_on_cuda():
    model, loss_fn, opt, points = _setup(device="cuda")
    step = make_step(model, loss_fn, opt, points)
    assert step.mode == "graph" and opt.param_groups[0]["capturable"] is True
    new = {k: v.cuda() for k, v in REGRESSION.points(torch.Generator().manual_seed(3)).items()}
    with torch.no_grad():
        expected = float(loss_fn(new))
    step.set_points(new)
    assert float(step()) == pytest.approx(expected, rel=1e-5)


@needs_cuda
def test_auto_falls_back_when_capture_fails():
    model, _, opt, points = _setup(device="cuda")

    def syncing_loss(pts):  # .item() synchronizes with the host: not allowed while capturing
        loss = REGRESSION.loss(model, pts)
        return loss * (1.0 if loss.item() > -1 else 0.0)

    with pytest.warns(RuntimeWarning, match="graph failed"):
        step = make_step(model, syncing_loss, opt, points)
    assert step.mode == "eager" and "graph failed" in step.reason
    assert float(step()) > 0
