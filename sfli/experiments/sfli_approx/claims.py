"""Chapter 6's claims: the SFLI paper's four effects on function approximation (arXiv:2507.11962, [paper] abstract),
measured per (target, activation) cell of the ci benchmark and as a share over every cell a profile runs.

Every claim is a finding (regressed, never must-hold). Thresholds, fixed before the runs: a ratio of 1 (SFLI
better than the best plain baseline, each statistic taking its own best baseline) — a principle; the shares need
"more often than not" (> ½) — a principle. The benchmark is ours, not the paper's.
"""
from __future__ import annotations

from ..claims import Claim
from .runs import TARGETS, split_cell
from .settings import SETTINGS

CLAIM_CELLS = tuple(SETTINGS["ci"]["cells"])  #: the cells with a claim each (those of the rendered book)

_EFFECTS = {
    "rank_ratio": ("improves the initial ε-rank",
                   "the ε-rank of the last hidden layer at initialization (seed mean) is higher than the best "
                   "plain baseline's"),
    "speedup": ("accelerates convergence",
                "it reaches relative L² error 0.1 in fewer steps (median over seeds, best learning rate each) than "
                "the fastest plain baseline"),
    "band_speedup": ("mitigates spectral bias",
                     "its highest frequency band converges (band error ≤ 0.1) in fewer steps than the fastest plain "
                     "baseline's"),
    "error_ratio": ("enhances accuracy",
                    "its final relative L² error (median) is lower than the most accurate plain baseline's"),
}
_BASELINES = "plain baselines: Xavier normal, He normal and PyTorch's default, each at its best learning rate"


def _cell_claims(cell: str) -> list[Claim]:
    target, act = split_cell(cell)
    out = []
    for metric, (effect, what) in _EFFECTS.items():
        if metric == "band_speedup" and not TARGETS[target].band_grid:
            continue
        out.append(Claim(
            f"approx-{effect.split()[0]}-{target}-{act}", "2507.11962", "[paper]",
            f"SFLI {effect} — {TARGETS[target].description}, {act}: {what}.",
            f"{cell}/{metric}", ">", 1.0, origin="principle",
            note=f"a ratio of 1 (baseline / SFLI, or SFLI / baseline for the ε-rank); {_BASELINES}; the benchmark "
                 "is ours"))
    return out


CLAIMS = (
    *(c for cell in CLAIM_CELLS for c in _cell_claims(cell)),
    *(Claim(f"approx-share-{metric}", "2507.11962", "[paper]",
            f"SFLI {effect} in more than half of the (target, activation) cells the profile runs (share of cells "
            f"whose {metric.replace('_', ' ')} exceeds 1).",
            f"cells/share_{metric}", ">", 0.5, origin="principle",
            note="more often than not; the per-cell claims say where it holds and where it does not")
      for metric, (effect, _) in _EFFECTS.items()),
)
