"""The reproduction page's figure: every claim of a profile at a glance, one row per claim grouped by chapter.

Each claim sits at its *margin* (:func:`margin`): the factor by which the measured value clears its threshold in
the claim's direction, on a log axis — right of 1 it holds by that factor, left of 1 it falls short by it. The
colour and marker are the verdict as :mod:`sfli.experiments.claims` decides it (never recomputed here); claims
where a ratio means nothing (an equality, a threshold of 0) or without a value sit in a column of their own."""
from __future__ import annotations

import io
import math
from typing import Mapping, Sequence

from matplotlib import style
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import blended_transform_factory

from ..experiments.claims import WITHIN, Claim, Verdict, fmt
from ..plotting import PALETTE

#: Blue and vermillion of the book's colour-blind-safe palette (:data:`sfli.plotting.PALETTE`); the marker
#: shape tells the verdict too, in greyscale as well.
COLORS = {"holds": PALETTE[0], "fails": PALETTE[3], "not measured": "#777777", "not run": "#777777"}
MARKERS = {"holds": "o", "fails": "X", "not measured": "o", "not run": "o"}
WORDS = {"holds": "holds", "fails": "does not hold", "not measured": "not measured", "not run": "not run"}
COUNTED = {"holds": "hold", "fails": "do not hold", "not measured": "not measured", "not run": "not run here"}
SYMBOLS = {">": ">", ">=": "\u2265", "<": "<", "<=": "\u2264", "==": "="}
_FLIP = {">": "<", ">=": "<=", "<": ">", "<=": ">="}
RC = {"font.size": 9, "font.family": "DejaVu Sans", "svg.fonttype": "path", "axes.linewidth": 0.8}
#: A row's height and the figure's width (inches): at 7.2 in the SVG is 691 px wide, the content column of the
#: book at a 1280 px window, so 9 pt text shows at 12 px.
ROW_IN, WIDTH_IN = 0.2, 7.2
MARK_SHARE, TEXT_SHARE = 0.14, 0.62  #: the no-ratio and the numbers columns, as shares of the scale's width
VALUE_X, NEEDS_X = 0.37, 0.42  #: in the numbers column: measured (right-aligned), needs (left-aligned)


def needs(claim: Claim) -> str:
    """The criterion with mathematical signs: ``"≥ 0.8"``, ``"within 0.5 of 3"``."""
    if claim.op == WITHIN:
        return claim.criterion
    return f"{SYMBOLS[claim.op]} {fmt(claim.threshold)}"


def margin(claim: Claim, value: float | None) -> float | None:
    """How many times ``value`` clears the claim's threshold, in the claim's direction: value/threshold for
    ``>``/``>=``, threshold/value for ``<``/``<=`` (signs flipped for a negative threshold), tolerance/miss for
    "within". Above 1 the claim holds, below 1 it fails, at 1 it is on the threshold; 0 or inf when the value is
    across zero from it. None when a ratio means nothing: no value, an equality, a threshold of 0."""
    if value is None or math.isnan(value) or claim.op == "==":
        return None
    if claim.op == WITHIN:
        miss = abs(value - claim.threshold)
        return math.inf if miss == 0 else claim.tolerance / miss
    t, v, op = claim.threshold, value, claim.op
    if t == 0:
        return None
    if t < 0:
        t, v, op = -t, -v, _FLIP[op]
    if op in (">", ">="):
        return v / t if v > 0 else 0.0
    return t / v if v > 0 else math.inf


def _limits(margins: Sequence[float]) -> tuple[float, float]:
    """Whole decades around the finite margins, at least 0.1 … 10, at most 1e-4 … 1e4."""
    finite = [m for m in margins if 0 < m < math.inf]
    lo = min([0.1, *finite])
    hi = max([10.0, *finite])
    return 10.0 ** max(-4, math.floor(math.log10(lo))), 10.0 ** min(4, math.ceil(math.log10(hi)))


def _rows(verdicts: Sequence[Verdict], titles: Mapping[str, str]) -> list[str | Verdict]:
    """Chapter titles (str) followed by their claims' verdicts, in the order given."""
    rows: list[str | Verdict] = []
    chapter = None
    for v in verdicts:
        if v.claim.record != chapter:
            chapter = v.claim.record
            rows.append(titles.get(chapter, chapter))
        rows.append(v)
    return rows


def alt_text(verdicts: Sequence[Verdict], profile: str) -> str:
    """What the figure shows, in words: the counts, and the claims that do not hold."""
    counts = {s: sum(v.status == s for v in verdicts) for s in COUNTED}
    failing = [v.claim.id for v in verdicts if v.status == "fails"]
    text = (f"Dot plot of the {len(verdicts)} claims at profile {profile}, one row per claim grouped by chapter, "
            "each at the factor by which its measured value clears its threshold: "
            + ", ".join(f"{n} {COUNTED[s]}" for s, n in counts.items() if n) + ".")
    return text + (f" Not holding: {', '.join(failing)}." if failing else "")


def _frame(ax, mark_ax, text_ax, n_rows: int, lo: float, hi: float) -> None:
    """Axes, threshold line and headers of the three panels."""
    for a in (ax, mark_ax, text_ax):
        a.set_ylim(n_rows - 0.5, -0.8)
        a.tick_params(axis="y", length=0)
        for side in ("top", "right", "left"):
            a.spines[side].set_visible(False)
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.grid(axis="x", which="major", color="0.88", lw=0.6)
    ax.axvline(1, color="0.25", lw=1.0, zorder=1)
    ax.text(1, -0.8, "threshold", ha="center", va="bottom", fontsize=8, color="0.25")
    ax.text(lo, -0.8, "\u2190 short", ha="left", va="bottom", fontsize=8, color="0.35")
    ax.text(hi, -0.8, "clears \u2192", ha="right", va="bottom", fontsize=8, color="0.35")
    ax.set_xlabel("times the measured value clears its threshold\n(log scale; 1 = on the threshold)")
    for a in (mark_ax, text_ax):
        a.set_xlim(0, 1)
        a.set_xticks([])
        a.set_yticks([])
        a.spines["bottom"].set_visible(False)
    mark_ax.text(0.5, -0.8, "no\nratio", ha="center", va="bottom", fontsize=8, color="0.35", linespacing=0.95)
    text_ax.text(VALUE_X, -0.8, "measured", ha="right", va="bottom", fontsize=8, color="0.35")
    text_ax.text(NEEDS_X, -0.8, "needs", ha="left", va="bottom", fontsize=8, color="0.35")


def _legend(fig: Figure) -> None:
    handles = [Line2D([], [], ls="", marker=MARKERS[s], color=COLORS[s], mfc=COLORS[s], ms=7, label=WORDS[s])
               for s in ("holds", "fails")]
    handles += [Line2D([], [], ls="", marker="o", color=COLORS["not run"], mfc="white", ms=7,
                       label="not measured / not run"),
                Line2D([], [], ls="", marker=">", color="0.3", ms=7, label="off the scale")]
    fig.legend(handles=handles, loc="outside upper center", ncol=4, frameon=False, handletextpad=0.2,
               columnspacing=1.0)


def status_figure(verdicts: Sequence[Verdict], titles: Mapping[str, str]) -> Figure:
    """The figure of one profile's ``verdicts``; ``titles`` names the chapters (by record name)."""
    rows = _rows(verdicts, titles)
    scaled = {id(v): margin(v.claim, v.value) for v in verdicts}
    lo, hi = _limits([m for m in scaled.values() if m is not None])
    fig = Figure(figsize=(WIDTH_IN, ROW_IN * (len(rows) + 1) + 1.1), layout="constrained")
    ax, mark_ax, text_ax = fig.subplots(1, 3, width_ratios=(1.0, MARK_SHARE, TEXT_SHARE), gridspec_kw={"wspace": 0})
    _frame(ax, mark_ax, text_ax, len(rows), lo, hi)
    across = blended_transform_factory(fig.transFigure, ax.transData)
    ticks, labels = [], []
    for y, row in enumerate(rows):
        if isinstance(row, str):  # a chapter: its title across the label column, a rule across both panels
            ax.text(0.005, y + 0.1, row, transform=across, fontweight="bold", ha="left", va="center")
            for a in (ax, mark_ax, text_ax):
                a.axhline(y - 0.5, color="0.75", lw=0.6)
            continue
        ticks.append(y)
        labels.append(row.claim.id)
        color, marker = COLORS[row.status], MARKERS[row.status]
        face = color if row.status in ("holds", "fails") else "white"
        m = scaled[id(row)]
        if m is None:  # no ratio: the marker in a column of its own
            mark_ax.plot(0.5, y, marker=marker, ms=6.5, color=color, mfc=face, mew=1.2, clip_on=False)
        else:
            x = min(max(m, lo), hi)
            if x != m:  # off the scale: a triangle at the edge, pointing where the value is
                marker = ">" if m > hi else "<"
            ax.plot([1, x], [y, y], color=color, lw=1.2, alpha=0.45, zorder=2, solid_capstyle="butt")
            ax.plot(x, y, marker=marker, ms=6.5, color=color, mfc=face, mew=1.2, zorder=3, clip_on=False)
        grey = "0.45" if row.status == "not run" else "0.15"
        value = {"not run": "not run", "not measured": "no value"}.get(row.status) or fmt(row.value)
        text_ax.text(VALUE_X, y, value, va="center", ha="right", fontsize=8.5, color=grey)
        text_ax.text(NEEDS_X, y, needs(row.claim), va="center", ha="left", fontsize=8.5, color=grey)
    ax.set_yticks(ticks, labels)
    for label, y in zip(ax.get_yticklabels(), ticks):
        if rows[y].status == "not run":  # type: ignore[union-attr]
            label.set_color("0.45")
    _legend(fig)
    return fig


def figure_files(verdicts: Sequence[Verdict], titles: Mapping[str, str]) -> dict[str, bytes]:
    """The figure as ``{"png": …, "svg": …}`` (reproducible bytes: no date in the metadata), drawn on
    matplotlib's defaults and :data:`RC` whatever style the calling process has set."""
    out = {}
    with style.context(["default", RC]):
        fig = status_figure(verdicts, titles)
        for kind, meta in (("png", {"Software": None}), ("svg", {"Date": None})):
            buffer = io.BytesIO()
            fig.savefig(buffer, format=kind, dpi=150, metadata=meta)
            out[kind] = buffer.getvalue()
    return out
