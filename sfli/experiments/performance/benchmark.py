r"""Time one PINN training step (loss, backward, Adam update) across derivative engines and step modes.

    python benchmarks/step.py --quick                  # CPU-sized subset, < 3 minutes on 2 cores
    python benchmarks/step.py --device cuda --out results/step_benchmark.json

(the command line is ``benchmarks/step.py``; the appendix's units call :func:`run`, its speed table reads
:func:`table_rows`). It measures the core (:mod:`sfli.step`, :mod:`sfli.derivatives`); it is not part of it.

What is timed: ``step()`` of :func:`sfli.step.make_step` — zero_grad, ``problem.loss(model, points, engine)``,
backward, ``Adam.step()`` — one call per sample, each followed by ``torch.cuda.synchronize()`` on CUDA; the
median over ``--repeats`` samples after ``--warmup`` untimed steps. Building the step (compilation, graph
capture) is reported separately as ``build_s``. Strict fp32 (no TF32). Variants:

* ``autograd-eager`` — nested autograd, eager (the reference: the ratio column t/t_ref divides by it);
* ``forward-eager`` / ``forward-compile`` — forward jets (:mod:`sfli.derivatives`), eager / torch.compile;
* ``autograd-graph``, ``forward-graph``, ``forward-compile+graph`` — whole step in one CUDA graph (CUDA only);
* ``jax-hessian`` / ``jax-forward`` — the JAX reference (:mod:`.jax_reference`), for MLPs and modified MLPs;
  t/t_jax divides by the faster of the two.

Model FLOPs per step (matmul work only, elementwise ignored): 3 · 2 · M · ((1 + 2d) · N_int + N_rest), with M
the multiply-adds of all ``nn.Linear`` layers per point, d the input dimension (a jet carries the value, d
first and d pure second derivatives), 3 = forward + backward (≈ 2× forward). The same count is used for every
variant, so GFLOP/s is a normalized throughput to hold against the device's peak.
"""
from __future__ import annotations

import inspect
import statistics
import time
from typing import Any

import torch
from torch import nn

from ... import nets, problems
from ...step import first_line, make_step
from . import jax_reference

#: name → (class name in sfli.nets, width, depth, JAX net or None)
NETS = {"mlp4x128": ("MLP", 128, 4, "mlp"), "mlp4x256": ("MLP", 256, 4, "mlp"),
        "modified_mlp4x128": ("ModifiedMLP", 128, 4, "modified_mlp"), "pirate2x128": ("PirateNet", 128, 2, None)}
PROBLEMS = ("poisson2d", "heat1d")
#: name → (derivative engine, make_step mode)
VARIANTS = {"autograd-eager": ("autograd", "eager"), "forward-eager": ("forward", "eager"),
            "forward-compile": ("forward", "compile"), "autograd-graph": ("autograd", "graph"),
            "forward-graph": ("forward", "graph"), "forward-compile+graph": ("forward", "compile+graph")}
CUDA_ONLY = ("autograd-graph", "forward-graph", "forward-compile+graph")
REFERENCE = "autograd-eager"


def build_problem(name: str, n: int):
    """The problem with ``n`` interior points and n/4 on the boundary (and n/4 initial points for heat)."""
    if name == "poisson2d":
        return problems.Poisson2D(n_interior=n, n_boundary=max(n // 4, 4))
    if name == "heat1d":
        return problems.Heat1D(n_interior=n, n_boundary=max(n // 4, 4), n_initial=max(n // 4, 4))
    raise ValueError(f"unknown problem {name!r}; valid: {', '.join(PROBLEMS)}")


def build_net(name: str, device: torch.device, seed: int = 0) -> nn.Module:
    """The net ``name`` of :data:`NETS` on 2-D input, its weights drawn with ``seed``."""
    cls_name, width, depth, _ = NETS[name]
    cls = getattr(nets, cls_name, None)
    if cls is None:
        raise RuntimeError(f"sfli.nets has no {cls_name}")
    return cls(2, width, depth, generator=torch.Generator().manual_seed(seed)).to(device)


def matmul_macs(model: nn.Module) -> int:
    """Multiply-adds per point of all ``nn.Linear`` layers."""
    return sum(m.in_features * m.out_features for m in model.modules() if isinstance(m, nn.Linear))


def model_flops(model: nn.Module, points: dict[str, torch.Tensor]) -> float:
    """3 · 2 · M · ((1 + 2d) · N_int + N_rest) (see the module docstring)."""
    d = points["interior"].shape[1]
    rest = sum(v.shape[0] for k, v in points.items() if k in ("boundary", "initial"))
    return 6.0 * matmul_macs(model) * ((1 + 2 * d) * points["interior"].shape[0] + rest)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_torch(problem_name: str, net_name: str, n: int, variant: str, device: torch.device,
               repeats: int, warmup: int, seed: int = 0) -> dict[str, Any]:
    """Median ms of one step of ``variant`` (see the module docstring), plus build time, FLOPs and losses; the
    net's weights and the points are drawn with ``seed``."""
    engine, mode = VARIANTS[variant]
    problem = build_problem(problem_name, n)
    if "engine" not in inspect.signature(problem.loss).parameters:
        raise RuntimeError("this sfli has no derivative engines (problem.loss takes no engine)")
    model = build_net(net_name, device, seed)
    points = {k: v.to(device) for k, v in problem.points(torch.Generator().manual_seed(seed)).items()}
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    started = time.perf_counter()
    step = make_step(model, lambda pts: problem.loss(model, pts, engine=engine), opt, points, mode)
    _sync(device)
    build_s = time.perf_counter() - started
    first = float(step())
    for _ in range(warmup):
        step()
    _sync(device)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        loss = step()
        _sync(device)
        times.append(time.perf_counter() - started)
    return {"ms": 1e3 * statistics.median(times), "build_s": build_s, "first_loss": first,
            "last_loss": float(loss), "flops": model_flops(model, points), "mode": step.mode}


def configure_precision() -> None:
    """Strict fp32 on every device: no TF32 in matmuls or convolutions."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")


def run(problems_: list[str], nets_: list[str], points: list[int], variants: list[str], device: torch.device,
        repeats: int, warmup: int, use_jax: bool, compile_only: tuple[str, str, int] | None = None,
        jax_nets: list[str] | None = None, log=print, seed: int = 0) -> list[dict[str, Any]]:
    """All rows: one per (problem, net, points, variant), JAX rows included; failures recorded, not raised.
    ``compile_only``: compiled variants only for this (problem, net, points); ``jax_nets``: JAX only for these;
    ``seed``: of the weights and points (the same for every variant)."""
    rows = []
    for problem_name in problems_:
        for net_name in nets_:
            for n in points:
                config = {"problem": problem_name, "net": net_name, "points": n}
                todo = [v for v in variants if device.type == "cuda" or v not in CUDA_ONLY]
                if compile_only is not None and (problem_name, net_name, n) != compile_only:
                    todo = [v for v in todo if "compile" not in v]
                for variant in todo:
                    try:
                        row = time_torch(problem_name, net_name, n, variant, device, repeats, warmup, seed)
                    except Exception as error:  # noqa: BLE001 - a failing variant is a result too
                        row = {"error": first_line(error, 200)}
                    rows.append({**config, "variant": variant, **row})
                    log(_line(rows[-1]))
                jax_net = NETS[net_name][3]
                if use_jax and jax_net is not None and (jax_nets is None or net_name in jax_nets):
                    flops = next((r["flops"] for r in rows if r.get("flops") and
                                  all(r[k] == v for k, v in config.items())), None)
                    for derivatives in jax_reference.DERIVATIVES:
                        _, width, depth, _ = NETS[net_name]
                        r = jax_reference.time_step(jax_net, problem_name, derivatives, width=width, depth=depth,
                                                    n=n, repeats=repeats, warmup=warmup, seed=seed)
                        rows.append({**config, "variant": f"jax-{derivatives}", **r, "flops": flops})
                        log(_line(rows[-1]))
    return rows


def _line(row: dict[str, Any]) -> str:
    head = f"{row['problem']:<10}{row['net']:<19}{row['points']:>6}  {row['variant']:<22}"
    if "error" in row:
        return head + f"failed: {row['error']}"
    return head + f"{row['ms']:9.2f} ms  (build {row['build_s']:.1f} s)"


def table_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of the speed table: per configuration and variant, ms/step, build s, t/t_ref (÷ autograd-eager of
    the same configuration), t/t_jax (÷ the faster JAX variant) and GFLOP/s (model FLOPs, see the module
    docstring); None where a ratio has no reference; ``failed`` (the error) for a variant that did not run."""
    key = lambda r: (r["problem"], r["net"], r["points"])  # noqa: E731
    ref = {key(r): r["ms"] for r in rows if r["variant"] == REFERENCE and "ms" in r}
    jax: dict[tuple, float] = {}
    for r in rows:
        if r["variant"].startswith("jax-") and "ms" in r:
            jax[key(r)] = min(jax.get(key(r), float("inf")), r["ms"])
    out = []
    for r in rows:
        head = {"problem": r["problem"], "net": r["net"], "points": r["points"], "variant": r["variant"]}
        if "ms" not in r:
            out.append({**head, "failed": r.get("error", "")})
            continue
        out.append({**head, "ms/step": r["ms"], "build s": r["build_s"],
                    "t/t_ref": r["ms"] / ref[key(r)] if key(r) in ref else None,
                    "t/t_jax": r["ms"] / jax[key(r)] if key(r) in jax else None,
                    "GFLOP/s": r["flops"] / r["ms"] / 1e6 if r.get("flops") else None})
    return out


def render_table(record: dict[str, Any]) -> str:
    """A markdown table of a benchmark record's :func:`table_rows`."""
    lines = ["| problem | net | points | variant | ms/step | build s | t/t_ref | t/t_jax | GFLOP/s |",
             "|---|---|---:|---|---:|---:|---:|---:|---:|"]

    def fmt(value: float | None, spec: str) -> str:
        return "–" if value is None else format(value, spec)

    for r in table_rows(record["rows"]):
        head = f"| {r['problem']} | {r['net']} | {r['points']} | {r['variant']} |"
        if "failed" in r:
            lines.append(f"{head} failed: {r['failed']} | | | | |")
            continue
        lines.append(f"{head} {r['ms/step']:.2f} | {r['build s']:.1f} | {fmt(r['t/t_ref'], '.2f')} | "
                     f"{fmt(r['t/t_jax'], '.2f')} | {fmt(r['GFLOP/s'], '.1f')} |")
    return "\n".join(lines)
