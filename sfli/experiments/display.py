"""Every table the book shows goes through :func:`table`: one number format, no pandas index, "—" for not
applicable, nothing truncated, and a box of its own that scrolls when the table is wider than the page.

    ch.table(frame)                      # in a notebook: the Session delegates here
    table(frame, digits=2, percent=["share"], caption="…")

Numbers keep ``digits`` significant digits (default 3): 0.0179, 12.3, 4.12e-11 is written 4.12×10⁻¹¹; integers stay
integers; booleans read yes / no; NaN, None and "" read "—". A meaningful index (named, or not 0, 1, …) becomes the
first column(s); a default RangeIndex is dropped.
"""
from __future__ import annotations

import html
import math
import numbers
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

NOT_APPLICABLE = "—"
#: the CSS class of the box around every table (``book/_static/sfli.css`` styles it; inline styles keep it working
#: in Jupyter and on Colab too)
BOX_CLASS = "sfli-table"
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_number(value: Any, digits: int = 3) -> str:
    """One cell as the book prints it: ``digits`` significant digits, ×10ⁿ outside [1e-3, 1e5), "—" for missing."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return NOT_APPLICABLE
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return NOT_APPLICABLE
        if math.isinf(x):
            return "∞" if x > 0 else "−∞"
        if x == 0:
            return "0"
        if x == round(x) and abs(x) < 1e5:
            return str(int(round(x)))
        if 1e-3 <= abs(x) < 1e5:
            decimals = max(digits - 1 - math.floor(math.log10(abs(x))), 0)
            text = f"{x:.{decimals}f}"
            return (text.rstrip("0").rstrip(".") if "." in text else text).replace("-", "−")
        mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}×10{str(int(exponent)).translate(_SUPERSCRIPT)}".replace("-", "−")
    return str(value)


def format_frame(frame: pd.DataFrame | pd.Series, digits: int = 3, percent: Sequence[str] = ()) -> pd.DataFrame:
    """``frame`` as strings, the index turned into columns when it means something (see the module docstring).
    Columns named in ``percent`` hold fractions and are printed as percentages."""
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(frame.name if frame.name is not None else "value")
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"table() takes a pandas DataFrame or Series, not {type(frame).__name__}")
    unknown = [c for c in percent if c not in frame.columns]
    if unknown:
        raise ValueError(f"percent: no column {unknown}; the columns are {list(frame.columns)}")
    meaningful = not isinstance(frame.index, pd.RangeIndex) or any(n is not None for n in frame.index.names)
    frame = frame.reset_index() if meaningful else frame.reset_index(drop=True)
    if len(frame.columns) and frame.columns[0] == "index":  # an unnamed meaningful index: no header for it
        frame = frame.rename(columns={"index": ""})
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if column in percent:
            out[column] = [NOT_APPLICABLE if _missing(v) else f"{format_number(100 * float(v), digits)}%"
                           for v in values]
        else:
            out[column] = [format_number(v, digits) for v in values]
    out.columns = [_header(c) for c in frame.columns]
    return out


@dataclass(frozen=True)
class Table:
    """A formatted table: ``frame`` (strings) and an optional caption; shown as HTML in a scrolling box."""
    frame: pd.DataFrame
    caption: str | None = None

    def to_html(self) -> str:
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.frame.columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                       for row in self.frame.itertuples(index=False))
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return (f'<div class="{BOX_CLASS}" style="overflow-x:auto;max-width:100%">'
                f'<table class="table">{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>')

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        text = self.frame.to_string(index=False)
        return f"{self.caption}\n{text}" if self.caption else text


def table(frame: pd.DataFrame | pd.Series, digits: int = 3, percent: Sequence[str] = (),
          caption: str | None = None) -> Table:
    """The book's table of ``frame``: formatted by :func:`format_frame`, shown in its own scroll box."""
    if digits < 1:
        raise ValueError(f"digits must be at least 1, got {digits}")
    return Table(format_frame(frame, digits, percent), caption)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _header(column: Any) -> str:
    if isinstance(column, tuple):  # a MultiIndex column: "level 1 · level 2"
        return " · ".join(str(c) for c in column if str(c))
    return str(column)
