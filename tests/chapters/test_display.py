"""The one table helper: number format, missing values, no pandas index, no truncation, a scroll box."""
import math

import numpy as np
import pandas as pd
import pytest

from sfli.experiments.display import BOX_CLASS, NOT_APPLICABLE, format_frame, format_number, table


@pytest.mark.parametrize("value, text", [
    (0.01786372, "0.0179"), (12.3456, "12.3"), (1.5, "1.5"), (2.0, "2"), (12345.67, "12346"),
    (4.12e-11, "4.12×10⁻¹¹"), (-3.5e-7, "−3.5×10⁻⁷"), (-0.25, "−0.25"), (0.001, "0.001"), (0.0, "0"),
    (7, "7"), (np.int64(5), "5"), (np.float32(0.5), "0.5"), (True, "yes"), (np.bool_(False), "no"),
    (None, NOT_APPLICABLE), (math.nan, NOT_APPLICABLE), ("", NOT_APPLICABLE), (math.inf, "∞"), ("tanh", "tanh"),
])
def test_format_number(value, text):
    assert format_number(value) == text


def test_digits_are_significant_digits():
    assert format_number(0.0123456, digits=2) == "0.012"
    assert format_number(123.456, digits=5) == "123.46"


def test_default_index_is_dropped_and_a_meaningful_one_kept():
    plain = format_frame(pd.DataFrame({"a": [1.0, 2.5]}))
    assert list(plain.columns) == ["a"] and plain["a"].tolist() == ["1", "2.5"]
    named = format_frame(pd.DataFrame({"rank": [3, 4]}, index=pd.Index(["sfli", "xavier"], name="init")))
    assert list(named.columns) == ["init", "rank"] and named["init"].tolist() == ["sfli", "xavier"]
    series = format_frame(pd.Series({"lr": 0.1, "epochs": 100}, name="setting"))
    assert list(series.columns) == ["", "setting"] and series["setting"].tolist() == ["0.1", "100"]


def test_missing_values_and_percentages():
    frame = format_frame(pd.DataFrame({"share": [0.125, np.nan], "ratio": [np.nan, 1.0]}), percent=["share"])
    assert frame["share"].tolist() == ["12.5%", NOT_APPLICABLE]
    assert frame["ratio"].tolist() == [NOT_APPLICABLE, "1"]
    with pytest.raises(ValueError, match="no column"):
        format_frame(pd.DataFrame({"a": [1]}), percent=["b"])


def test_long_text_is_never_truncated_and_html_is_escaped_inside_a_scroll_box():
    long = "scikit-learn digits, 8×8 images, " * 5
    html = table(pd.DataFrame({"settings": [long], "x": ["<b>"]}), caption="Settings").to_html()
    assert long.strip() in html and "..." not in html and "&lt;b&gt;" in html
    assert html.startswith(f'<div class="{BOX_CLASS}" style="overflow-x:auto') and "<caption>Settings" in html
    assert ">0<" not in html  # no index column


def test_multiindex_columns_are_joined():
    frame = pd.DataFrame([[1.0, 2.0]], columns=pd.MultiIndex.from_tuples([("first", "ratio"), ("last", "ratio")]))
    assert list(format_frame(frame).columns) == ["first · ratio", "last · ratio"]


def test_bad_input_says_what_is_valid():
    with pytest.raises(TypeError, match="DataFrame or Series"):
        table([1, 2])
    with pytest.raises(ValueError, match="digits"):
        table(pd.DataFrame({"a": [1]}), digits=0)
