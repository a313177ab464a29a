r"""Appendix — the training engine: the forward derivative engine agrees with nested autograd, and how fast one
PINN training step is per engine and step mode (:mod:`sfli.benchmark`).

Agreement (float64): for every net of the book (MLP, residual MLP, modified MLP, PirateNet with and without
embeddings and random weight factorization) × activation, random weights and points, the largest relative
difference of u, ∇u and the pure second derivatives between the forward engine and nested autograd.

Speed: :func:`sfli.benchmark.run` on the profile's grid. Timings are machine-dependent: they are stored under
``time/`` in the record, so the regression tests never compare them; only the agreement numbers and the
losses of the first step are regressed.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from .. import benchmark, jax_reference, profiles, records
from ..derivatives import autograd_derivatives, forward_derivatives
from ..nets import MLP, ModifiedMLP, PirateNet, ResMLP
from ..profiles import seeds  # noqa: F401  (part of the chapter's API)
from ..train import torch_threads

NAME = "05_performance"
#: the issue's target configuration (H100, strict fp32): 2-D Poisson, tanh MLP 4×128, 8192 points
TARGET = ("poisson2d", "mlp4x128", 8192)

_BASE = {"agreement_activations": ["tanh", "sin", "gelu", "softplus", "relu"], "agreement_points": 64,
         "problems": ["poisson2d", "heat1d"], "nets": ["mlp4x128", "modified_mlp4x128", "pirate2x128"],
         "points": [1024], "variants": ["autograd-eager", "forward-eager", "forward-compile"],
         "compile_only": ["poisson2d", "mlp4x128", 1024], "repeats": 20, "warmup": 3, "jax": False, "threads": 1}
# agreement_*: activations and points of the float64 agreement check. The speed grid: problems × nets × points ×
# variants (sfli.benchmark.VARIANTS; CUDA-only ones are skipped on a CPU), compiled variants only for
# compile_only (compiling costs ~20 s per configuration on the 2-core CPU; [] = everywhere), median of `repeats`
# steps after `warmup`; jax: add the JAX reference rows when jax is installed; threads: torch threads (0: all).
CONFIGS: dict[str, dict] = {
    "smoke": {**_BASE, "n_seeds": 1, "agreement_activations": ["tanh", "relu"], "agreement_points": 16,
              "problems": ["poisson2d"], "nets": ["mlp4x128"], "points": [128],
              "variants": ["autograd-eager", "forward-eager"], "compile_only": [], "repeats": 3, "warmup": 1},
    "ci": {**_BASE, "n_seeds": 1},
    "paper": {**_BASE, "n_seeds": 1, "nets": list(benchmark.NETS), "points": [1024, 8192],
              "variants": list(benchmark.VARIANTS), "compile_only": [], "repeats": 200, "warmup": 10,
              "jax": True, "threads": 0},
}


def config(profile: str, **overrides) -> dict:
    """Settings of ``profile`` ("smoke", "ci", "paper"), with validated ``overrides``."""
    return profiles.config(CONFIGS, profile, **overrides)


@dataclass
class Result:
    agreement: pd.DataFrame  # net, activation, quantity, max_rel_diff
    rows: list[dict]  # one per timed configuration and variant (sfli.benchmark.run)
    device: str
    metrics: dict[str, float | int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    cfg: dict = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """The speed table: :func:`speed_table` of the rows."""
        return speed_table(self.rows)


def agreement_nets(activation: str, generator: torch.Generator) -> dict[str, torch.nn.Module]:
    """The book's nets on 2-D input (two outputs), float64, every parameter random (biases and PirateNet's α
    included, so no term of the derivative rules is multiplied away)."""
    kw = {"activation": activation, "generator": generator}
    built = {
        "MLP": MLP(2, 12, 3, 2, **kw),
        "ResMLP": ResMLP(2, 12, 3, 2, **kw),
        "ModifiedMLP": ModifiedMLP(2, 12, 3, 2, **kw),
        "PirateNet": PirateNet(2, 12, 2, 2, fourier_scale=None, **kw),
        "PirateNet+Fourier+RWF": PirateNet(2, 12, 2, 2, fourier_scale=1.0, rwf=(0.5, 0.1), **kw),
        "PirateNet+periodic": PirateNet(2, 12, 2, 2, periods={0: 2.0}, fourier_scale=None, **kw),
    }
    for net in built.values():
        net.double()
        with torch.no_grad():
            for p in net.parameters():
                p.copy_(0.7 * torch.randn(p.shape, generator=generator, dtype=p.dtype))
    return built


def engine_agreement(cfg: dict, seed: int = 0) -> pd.DataFrame:
    """max |forward − autograd| / max |autograd| per net, activation and quantity (u, du, d2u), float64."""
    rows = []
    for act in cfg["agreement_activations"]:
        g = torch.Generator().manual_seed(seed)
        x = torch.rand(cfg["agreement_points"], 2, generator=g, dtype=torch.float64) * 2 - 1
        for name, net in agreement_nets(act, g).items():
            ref, fwd = autograd_derivatives(net, x, create_graph=False), forward_derivatives(net, x)
            for q in ("u", "du", "d2u"):
                a, b = getattr(ref, q).detach(), getattr(fwd, q).detach()
                scale = float(a.abs().max()) or 1.0
                rows.append({"net": name, "activation": act, "quantity": q,
                             "max_rel_diff": float((a - b).abs().max()) / scale})
    return pd.DataFrame(rows)


def run(cfg: dict, seed: int = 0, log=None) -> Result:
    """The agreement table and the speed rows for ``cfg`` on the default device (CUDA when available)."""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    t, start = {}, time.perf_counter()
    with torch_threads(cfg["threads"]):
        agreement = engine_agreement(cfg, seed)
        t["agreement"] = time.perf_counter() - start
        benchmark.configure_precision()
        mark = time.perf_counter()
        rows = benchmark.run(cfg["problems"], cfg["nets"], cfg["points"], cfg["variants"], device, cfg["repeats"],
                             cfg["warmup"], cfg["jax"] and jax_reference.available(),
                             tuple(cfg["compile_only"]) or None, log=log or (lambda line: None))
        t["speed"] = time.perf_counter() - mark
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    res = Result(agreement, rows, name, timings=t, cfg=cfg)
    res.metrics = metrics(res)
    return res


def _key(r: dict) -> str:  # "problem/net/points"
    return f"{r['problem']}/{r['net']}/{r['points']}"


def metrics(res: Result) -> dict[str, float | int]:
    """Agreement (regressed), first-step losses (regressed: the same numbers on every engine) and timings
    (under ``time/``, never regressed); the target configuration's speed-ups where it ran."""
    m: dict[str, float | int] = {"engine/max_rel_diff": float(res.agreement.max_rel_diff.max())}
    for q, d in res.agreement.groupby("quantity"):
        m[f"engine/{q}/max_rel_diff"] = float(d.max_rel_diff.max())
    ok = [r for r in res.rows if "ms" in r and not r["variant"].startswith("jax-")]
    by_config: dict[str, dict[str, dict]] = {}
    for r in ok:
        by_config.setdefault(_key(r), {})[r["variant"]] = r
        m[f"time/{_key(r)}/{r['variant']}_ms"] = r["ms"]
    worst, speedups = 0.0, []
    for key, variants in by_config.items():
        ref = variants.get(benchmark.REFERENCE)
        if ref is None:
            continue
        m[f"loss/{key}/first"] = ref["first_loss"]
        for v in variants.values():
            worst = max(worst, abs(v["first_loss"] - ref["first_loss"]) / abs(ref["first_loss"]))
        if "forward-eager" in variants:
            speedups.append(ref["ms"] / variants["forward-eager"]["ms"])
    m["engine/first_loss_max_rel_diff"] = worst
    if speedups:
        m["time/forward_eager_speedup_geomean"] = float(np.exp(np.mean(np.log(speedups))))
    target = by_config.get("/".join(map(str, TARGET)))
    if target and benchmark.REFERENCE in target:
        best = min(target.values(), key=lambda r: r["ms"])
        m["time/target/best_ms"] = best["ms"]
        m["time/target/speedup_vs_eager_autograd"] = target[benchmark.REFERENCE]["ms"] / best["ms"]
        jax = [r["ms"] for r in res.rows if "ms" in r and r["variant"].startswith("jax-") and _key(r) ==
               "/".join(map(str, TARGET))]
        if jax:
            m["time/target/ratio_vs_jax"] = best["ms"] / min(jax)
    m["time/total_s"] = sum(res.timings.values()) if res.timings else math.nan
    return m


def committed_record(profile: str = "paper") -> dict | None:
    """This appendix's committed reference record of ``profile`` (e.g. a GPU run at ``paper``), or None when the
    checkout has none (or this is not a checkout, e.g. on Colab)."""
    root = records.project_root()
    path = None if root is None else root / "records" / profiles.check_profile(profile) / f"{NAME}.json"
    return records.read_record(path) if path is not None and path.exists() else None


def speed_table(rows: list[dict]) -> pd.DataFrame:
    """:func:`sfli.benchmark.table_rows` as a DataFrame (rounded), indexed by configuration and variant."""
    table = pd.DataFrame(benchmark.table_rows(rows)).set_index(["problem", "net", "points", "variant"])
    return table.round({"ms/step": 2, "build s": 1, "t/t_ref": 2, "t/t_jax": 2, "GFLOP/s": 1}).dropna(axis=1,
                                                                                                    how="all")


def plot_speed(rows: list[dict]):
    """ms per training step (log scale) per configuration, one bar per variant; failed variants left out."""
    import matplotlib.pyplot as plt

    from ..plotting import PALETTE

    ok = [r for r in rows if "ms" in r]
    configs = list(dict.fromkeys(_key(r) for r in ok))
    variants = list(dict.fromkeys(r["variant"] for r in ok))
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(configs) * max(len(variants), 2) / 2 + 1.2))
    height = 0.8 / len(variants)
    for k, variant in enumerate(variants):
        ms = {_key(r): r["ms"] for r in ok if r["variant"] == variant}
        ys = [i + k * height for i, c in enumerate(configs) if c in ms]
        ax.barh(ys, [ms[c] for c in configs if c in ms], height=height, color=PALETTE[k % len(PALETTE)],
                label=variant)
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(configs))], configs, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("ms per training step (median)")
    ax.legend(fontsize=8, ncol=len(variants), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    return fig
