"""What every figure of the book must be (imported by the chapters' tests): a plain Figure that pyplot does not
hold, labelled axes, and SFLI in its book colour wherever a series, legend entry, title or axis label names it."""
import matplotlib.pyplot as plt
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from sfli.plotting import method_color

SFLI_NAMES = {"SFLI", "SFLI, random"}  # how the chapters name SFLI (ch3: "random" against its quasi placement)


def sfli_colours(fig: Figure) -> set[str]:
    """Colours of every line, legend entry, title or axis label that names SFLI (a label may go on after ':' or
    ' (')."""
    def names_sfli(text: str) -> bool:
        return text.split(":")[0].split(" (")[0] in SFLI_NAMES

    found = []
    for ax in fig.axes:
        found += [line.get_color() for line in ax.lines if names_sfli(line.get_label())]
        found += [t.get_color() for t in (ax.title, ax.yaxis.label) if names_sfli(t.get_text())]
    for legend in [ax.get_legend() for ax in fig.axes] + fig.legends:
        if legend is not None:
            found += [h.get_color() for h, t in zip(legend.legend_handles, legend.texts)
                      if names_sfli(t.get_text()) and hasattr(h, "get_color")]
    return {to_hex(c) for c in found}


def assert_book_figure(fig: Figure, name: str = "") -> None:
    """A Figure outside pyplot; an x and a y label somewhere; every axes (colour bars aside) with a label or a
    title; every series named SFLI in SFLI's colour."""
    assert isinstance(fig, Figure), name
    assert not plt.fignum_exists(getattr(fig, "number", -1)), f"{name}: a pyplot figure (use sfli.plotting.subplots)"
    axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and ax.axison]  # colour bars, blank cells aside
    assert axes, name
    figure_labels = [t.get_text() for t in fig.texts]  # supxlabel, suptitle
    assert any(ax.get_xlabel() for ax in axes) or figure_labels, f"{name}: no x label"
    assert any(ax.get_ylabel() for ax in axes) or figure_labels, f"{name}: no y label"
    for ax in axes:
        assert ax.get_xlabel() or ax.get_title() or ax.get_ylabel(), f"{name}: bare axes"
    assert sfli_colours(fig) <= {method_color("sfli")}, f"{name}: SFLI not in its book colour"
