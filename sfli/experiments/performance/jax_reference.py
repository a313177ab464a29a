r"""The JAX reference for :mod:`.benchmark`: the same PINN training step, written the jaxpi way.

One step = loss, its gradient and one Adam update (written out here: no optax), all in one ``jax.jit``
function, with matmul precision "highest" (strict fp32, as jaxpi). Nets: the tanh MLP (Xavier normal weights,
zero biases) and the modified MLP (Wang, Teng & Perdikaris 2021), laid out as
:class:`sfli.nets.ModifiedMLP` (first hidden layer ungated; jaxpi gates it too). The losses are those of
:mod:`sfli.problems`, N interior points, N/4 on each other part:

* ``poisson2d`` — mean (Δu + f)² + 10 · mean (u − g)² on boundary points;
* ``heat1d`` — mean (u_t − κ u_xx)² + 10 · mean u² on x ∈ {0, 1} + 10 · mean (u(x, 0) − u₀)²; inputs
  (x, t).

Derivatives either the jaxpi way, ``jax.vmap`` of ``jax.hessian`` / ``jax.grad`` of the per-point net
(``derivatives="hessian"``), or by a forward jet that carries u, ∂u/∂x_i and ∂²u/∂x_i² through the net in
one batched pass (``derivatives="forward"``, the forward Laplacian). Only the sizes matter for timing, so
the points are random and the sources are arbitrary fixed arrays.

Importable without JAX: :func:`available` says whether it is installed; the rest imports it lazily.
"""
from __future__ import annotations

import importlib.util
import statistics
import time
from typing import Any

NETS = ("mlp", "modified_mlp")
PROBLEMS = ("poisson2d", "heat1d")
DERIVATIVES = ("hessian", "forward")


def available() -> bool:
    """True when ``jax`` is importable (the benchmark then adds the JAX rows)."""
    return importlib.util.find_spec("jax") is not None


def version() -> str | None:
    if not available():
        return None
    import jax

    return jax.__version__


def _init(key, net: str, d: int, width: int, depth: int) -> dict[str, Any]:
    """Xavier-normal weights (std √(2/(fan_in + fan_out))), zero biases; layout (in, out) as flax."""
    import jax
    import jax.numpy as jnp

    def dense(k, a, b):
        return {"w": jax.random.normal(k, (a, b)) * (2.0 / (a + b)) ** 0.5, "b": jnp.zeros(b)}

    sizes = [d] + [width] * depth
    keys = jax.random.split(key, depth + 3)
    params = {"hidden": [dense(k, a, b) for k, a, b in zip(keys, sizes[:-1], sizes[1:])],
              "out": dense(keys[depth], width, 1)}
    if net == "modified_mlp":
        params["u"], params["v"] = dense(keys[depth + 1], d, width), dense(keys[depth + 2], d, width)
    return params


def _net(params, x, net: str):
    """u(x) for a batch x (N, d) → (N,). Modified MLP: h₁ = σ(W₁x + b₁), then h ← U + σ(Wh + b)(V − U)."""
    import jax.numpy as jnp

    h = x
    if net == "modified_mlp":
        u = jnp.tanh(x @ params["u"]["w"] + params["u"]["b"])
        v = jnp.tanh(x @ params["v"]["w"] + params["v"]["b"])
    for k, layer in enumerate(params["hidden"]):
        h = jnp.tanh(h @ layer["w"] + layer["b"])
        if net == "modified_mlp" and k > 0:
            h = u + h * (v - u)
    return (h @ params["out"]["w"] + params["out"]["b"])[..., 0]


def _jet(params, x, net: str):
    """Forward jet: (u, ∂u/∂x_i, ∂²u/∂x_i²) of shapes (N,), (d, N), (d, N) in one batched pass."""
    import jax.numpy as jnp

    d = x.shape[1]
    eye = jnp.eye(d)[:, None, :]  # ∂x/∂x_i

    def affine(layer, v, d1, d2, bias=True):
        w = layer["w"]
        return v @ w + (layer["b"] if bias else 0), d1 @ w, d2 @ w

    def tanh(v, d1, d2):
        t = jnp.tanh(v)
        s1 = 1 - t * t
        return t, s1 * d1, s1 * d2 - 2 * t * s1 * d1 * d1

    v, d1, d2 = x, jnp.broadcast_to(eye, (d,) + x.shape), jnp.zeros((d,) + x.shape)
    if net == "modified_mlp":
        U = tanh(*affine(params["u"], v, d1, d2))
        V = tanh(*affine(params["v"], v, d1, d2))
    for k, layer in enumerate(params["hidden"]):
        v, d1, d2 = tanh(*affine(layer, v, d1, d2))
        if net == "modified_mlp" and k > 0:  # h = U + z (V − U), product rule per part
            (u0, u1, u2), (v0, v1, v2) = U, V
            w0, w1, w2 = v0 - u0, v1 - u1, v2 - u2
            v, d1, d2 = u0 + v * w0, u1 + d1 * w0 + v * w1, u2 + d2 * w0 + 2 * d1 * w1 + v * w2
    v, d1, d2 = affine(params["out"], v, d1, d2)
    return v[:, 0], d1[..., 0], d2[..., 0]


def _loss_fn(net: str, problem: str, derivatives: str, kappa: float = 0.1):
    import jax
    import jax.numpy as jnp

    def point(params, x):  # scalar net at one point, for grad/hessian
        return _net(params, x[None, :], net)[0]

    def parts(params, x):
        """(∂u/∂x_i, ∂²u/∂x_i²) as (N, d) arrays."""
        if derivatives == "forward":
            _, d1, d2 = _jet(params, x, net)
            return d1.T, d2.T
        grad = jax.vmap(jax.grad(point, argnums=1), (None, 0))(params, x)
        hess = jax.vmap(jax.hessian(point, argnums=1), (None, 0))(params, x)
        return grad, jnp.diagonal(hess, axis1=1, axis2=2)

    def loss(params, pts):
        d1, d2 = parts(params, pts["interior"])
        if problem == "poisson2d":
            res = d2.sum(1) + pts["f"]
            fit = jnp.mean((_net(params, pts["boundary"], net) - pts["g"]) ** 2)
            return jnp.mean(res**2) + 10.0 * fit
        res = d1[:, 1] - kappa * d2[:, 0]  # x = (space, time)
        initial = jnp.mean((_net(params, pts["initial"], net) - pts["u0"]) ** 2)
        return jnp.mean(res**2) + 10.0 * jnp.mean(_net(params, pts["boundary"], net) ** 2) + 10.0 * initial

    return loss


def _points(key, problem: str, n: int) -> dict[str, Any]:
    import jax
    import jax.numpy as jnp

    k = jax.random.split(key, 4)
    nb = max(n // 4, 4)
    if problem == "poisson2d":
        return {"interior": jax.random.uniform(k[0], (n, 2)), "f": jax.random.normal(k[1], (n,)),
                "boundary": jax.random.uniform(k[2], (nb, 2)), "g": jax.random.normal(k[3], (nb,))}
    x0 = jax.random.uniform(k[1], (nb,))
    side = (jnp.arange(nb) % 2).astype(jnp.float32)
    return {"interior": jax.random.uniform(k[0], (n, 2)),
            "initial": jnp.stack([x0, jnp.zeros(nb)], 1), "u0": jnp.sin(jnp.pi * x0),
            "boundary": jnp.stack([side, jax.random.uniform(k[2], (nb,))], 1)}


def make_step(net: str = "mlp", problem: str = "poisson2d", derivatives: str = "hessian", *, width: int = 128,
              depth: int = 4, n: int = 1024, lr: float = 1e-3, seed: int = 0):
    """(jitted step, state, points): ``step(state, points) -> (state, loss)``, the loss before the update."""
    import jax
    import jax.numpy as jnp

    for name, value, valid in (("net", net, NETS), ("problem", problem, PROBLEMS),
                               ("derivatives", derivatives, DERIVATIVES)):
        if value not in valid:
            raise ValueError(f"unknown {name} {value!r}; valid: {', '.join(valid)}")
    key_params, key_points = jax.random.split(jax.random.PRNGKey(seed))
    params = _init(key_params, net, 2, width, depth)
    zeros = lambda: jax.tree_util.tree_map(jnp.zeros_like, params)  # noqa: E731  two buffers: both donated
    state = (params, zeros(), zeros(), jnp.zeros((), jnp.int32))
    value_and_grad = jax.value_and_grad(_loss_fn(net, problem, derivatives))
    b1, b2, eps = 0.9, 0.999, 1e-8

    def step(state, pts):
        params, m, v, t = state
        loss, g = value_and_grad(params, pts)
        t = t + 1
        m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, g)
        v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, g)
        c1, c2 = 1 - b1 ** t.astype(jnp.float32), 1 - b2 ** t.astype(jnp.float32)
        params = jax.tree_util.tree_map(lambda p, m, v: p - lr * (m / c1) / (jnp.sqrt(v / c2) + eps), params, m, v)
        return (params, m, v, t), loss

    return jax.jit(step, donate_argnums=0), state, _points(key_points, problem, n)


def time_step(net: str = "mlp", problem: str = "poisson2d", derivatives: str = "hessian", *, width: int = 128,
              depth: int = 4, n: int = 1024, repeats: int = 200, warmup: int = 10, seed: int = 0) -> dict[str, Any]:
    """Median wall time of one jitted step over ``repeats`` steps (each ended by ``block_until_ready``),
    after ``warmup`` steps; also the compile time (first call) and the first and last loss."""
    import warnings

    import jax

    with jax.default_matmul_precision("highest"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*donated buffers.*")
        step, state, pts = make_step(net, problem, derivatives, width=width, depth=depth, n=n, seed=seed)
        started = time.perf_counter()
        state, first = step(state, pts)
        first.block_until_ready()
        compile_s = time.perf_counter() - started
        for _ in range(warmup):
            state, loss = step(state, pts)
        loss.block_until_ready()
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            state, loss = step(state, pts)
            loss.block_until_ready()
            times.append(time.perf_counter() - started)
    return {"ms": 1e3 * statistics.median(times), "build_s": compile_s, "repeats": repeats,
            "first_loss": float(first), "last_loss": float(loss), "device": str(jax.devices()[0])}


if __name__ == "__main__":
    if not available():
        raise SystemExit("jax is not installed: pip install jax")
    for problem in PROBLEMS:
        for derivatives in DERIVATIVES:
            r = time_step("mlp", problem, derivatives, repeats=50)
            print(f"{problem:<10}{derivatives:<9}{r['ms']:8.2f} ms  compile {r['build_s']:.1f} s")
