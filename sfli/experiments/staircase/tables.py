"""The tables of chapter 3 that its record keeps (and the notebook shows): the alignment per group of runs, and
the comparison of first layers in S4 and S5. Plain pandas, no plotting."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .metrics import main_spec, s1_runs, select, sens_runs

if TYPE_CHECKING:  # pragma: no cover
    from .runs import Result

#: how a first layer is named in the tables and figures
FIRST_LAYER_LABELS = {"xavier_normal": "Xavier normal", "sfli": "SFLI, random",
                      "sfli_quasi": "SFLI, quasi (deterministic)"}


def alignment_table(result: Result) -> pd.DataFrame:
    """Alignment per group of runs (S1 depth × width, S3 activations, the ε sensitivity): means over seeds."""
    cfg, runs = result.cfg, result.runs
    main, sens = cfg["main"], cfg["sens"]
    groups = [(f"S1 tanh, depth {d}, width {w}", r) for (d, w), r in s1_runs(runs, cfg).groupby(["depth", "width"])]
    groups += [(f"S3 {a}, depth {main['depth']}, width {main['width']}",
                select(runs, **main_spec(cfg, activation=a))) for a in cfg["activations"] if a != "tanh"]
    groups += [(f"ε = {e:g}, depth {sens['depth']}, width {sens['width']}", sens_runs(runs, cfg, e))
               for e in sens["eps"] if e != cfg["eps"]]
    rows = [{"runs": label, "rank jumps": r.align_n_jumps.mean(), "share near jumps": r.align_share.mean(),
             "coverage (chance)": r.align_coverage.mean(), "lift": r.align_lift.mean(),
             "local null": r.align_local_null.mean(),
             "runs above chance": f"{int((r.align_share > r.align_coverage).sum())}/{len(r)}",
             "runs above local null": f"{int((r.align_share > r.align_local_null).sum())}/{len(r)}",
             "Spearman(loss, rank)": r.spearman.mean()} for label, r in groups]
    return pd.DataFrame(rows).set_index("runs")


def init_table(result: Result, part: str = "s4") -> pd.DataFrame:
    """S4 (``part="s4"``) or S5 (``"s5"``): per first layer, ranks, iterations to the loss levels (median over seeds;
    "k/n" runs reached it), final loss and error (geometric means)."""
    cfg = result.cfg
    if part == "s4":
        runs = select(result.runs, **{k: v for k, v in main_spec(cfg).items() if k != "init"})
        levels = cfg["regression"]["levels"]
    elif part == "s5":
        p = cfg["pinn"]
        runs, levels = select(result.runs, problem="poisson", depth=p["depth"], width=p["width"]), p["levels"]
    else:
        raise ValueError(f"part must be 's4' or 's5', got {part!r}")
    rows = []
    for method, r in runs.groupby("method", sort=False):
        row = {"first layer": FIRST_LAYER_LABELS.get(method, method),
               "ε-rank first layer, start": r.rank_first_0.mean(), "ε-rank last layer, start": r.rank_last_0.mean(),
               "ε-rank last layer, end": r.rank_last_final.mean()}
        for lvl in levels:
            col = r[f"steps_to_{lvl:g}"]
            reached = int(col.notna().sum())
            row[f"iterations to loss {lvl:g}"] = (f"{col.median():.0f} ({reached}/{len(r)})" if reached
                                                  else f"> {int(r.steps.max())} (0/{len(r)})")
        row["final loss"] = float(np.exp(np.log(r.loss_final).mean()))
        row["final rel. L² error"] = float(np.exp(np.log(r.error_final).mean()))
        rows.append(row)
    return pd.DataFrame(rows).set_index("first layer")

