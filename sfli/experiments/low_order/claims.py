"""Chapter 9's claims: the MIM paper's (arXiv:2206.07474) and the LDLM paper's (arXiv:2103.08915), as their
abstracts state them [paper, abstract], measured on a benchmark of our design [ours]; SFLI inside these solvers
(arXiv:2507.11962: the paper says SFLI plugs into PDE solvers; the solvers' setups are ours); and one check of the
book's own correctness (every residual vanishes at the exact solution).

Every paper claim is a finding (regressed, never must-hold). Thresholds, fixed before the runs: a ratio of 1 or a
slope of 0 — principles (better / falls); the exactness check's 1e-16 — a numerical tolerance (a mean squared
residual in float64, with f of size up to (πk)⁴ ≈ 10⁴).
"""
from __future__ import annotations

from ..claims import Claim
from .settings import SETTINGS
from .summary import PATH_LABELS, PATHS

_CI = SETTINGS["ci"]
_SOLVERS = {"ritz": "Deep Ritz", "pinn": "the Poisson PINN", "mim": "MIM", "first_order": "LDLM's first-order system"}

CLAIMS = (
    *(Claim(f"mim-falls-{p}", "2206.07474", "[paper]",
            f"MIM's error falls as samples n and width m grow along the path {PATH_LABELS[p]} (no constraint on "
            "their ratio): the fitted slope of log relative L² error of u against log "
            f"{'n' if p == 'm_fixed' else 'm'} is negative.",
            f"grid/{p}/slope", "<", 0.0, origin="principle",
            note="slope 0 = no decrease; the interval is in the chapter; at the ci grid every net is trained for "
                 "the same number of steps")
      for p in PATHS),
    *(Claim(f"mim-vs-ritz-{q}-d{d}", "2206.07474", "[paper]",
            f"MIM recovers {'∇u' if q == 'grad' else 'Δu'} more accurately than Deep Ritz in {d}-D: Deep Ritz's "
            f"relative L² error of {'∇u' if q == 'grad' else 'Δu'} / MIM's of "
            f"{'p' if q == 'grad' else 'div p'} (seed means).",
            f"poisson/d{d}/{q}_ratio", ">", 1.0, origin="principle",
            note="a ratio of 1; equal steps, width and samples; MIM's own derivatives of u are reported beside")
      for d in _CI["poisson"]["dims"] for q in ("grad", "lap")),
    *(Claim(f"ldlm-time-{f}-d{d}", "2103.08915", "[paper]",
            f"LDLM's {f.replace('_', '-')} system reaches relative L² error {_CI['level']['biharmonic']:g} of u in "
            f"less training time than the direct PINN for the biharmonic in {d}-D (direct's seconds / its own; "
            "censored at the budget).",
            f"time/biharmonic/d{d}/time_speedup_{f}", ">", 1.0, origin="principle",
            note="a ratio of 1; 'efficient' in the abstract; the level is ours (a round number)")
      for d in _CI["biharmonic"]["dims"] for f in ("second_order", "first_order")),
    *(Claim(f"ldlm-cost-growth-{kind}-{f}", "2103.08915", "[paper]",
            f"The {kind} per step of LDLM's {f.replace('_', '-')} system grows more slowly with d than the direct "
            f"PINN's (from the smallest to the largest d measured; direct's growth / its own).",
            f"{'time/' if kind == 'time' else ''}cost/{kind if kind == 'memory' else 'time'}_growth_ratio_{f}",
            ">", 1.0, origin="principle",
            note="a ratio of 1; 'suited to high-dimensional PDEs' in the abstract; memory on a CPU: the bytes the "
                 "autograd graph saves")
      for kind in ("time", "memory") for f in ("second_order", "first_order")),
    *(Claim(f"solver-sfli-{effect}-{s}", "2507.11962", "[ours]",
            f"SFLI in {_SOLVERS[s]} (2-D): {what}.", f"sfli/{s}/{effect}", ">", 1.0, origin="principle",
            note="a ratio of 1 against the default first layer (Xavier normal), every other layer shared; the "
                 "application of SFLI to these solvers is ours")
      for s in _CI["sfli"]["solvers"]
      for effect, what in (("rank_ratio", "a higher initial ε-rank of the last hidden layer than the default's"),
                           ("speedup", "fewer steps to the equation's error level than the default"),
                           ("error_ratio", "a lower final relative L² error than the default"))),
    Claim("exact-residuals-vanish", "book", "[ours]",
          "Every residual formulation (Poisson PINN, MIM, direct/second-/first-order biharmonic) has loss ≈ 0 at "
          "the exact solution, float64, in every dimension the chapter uses.",
          "check/max_loss_exact", "<", 1e-16, origin="principle", must_hold=("smoke", "ci", "paper"),
          note="a numerical tolerance in float64"),
)
