"""The bibliography labelled as the text cites: ``[Yang et al., 2024]`` in both places.

sphinxcontrib-bibtex's ``author_year`` citations print "Yang et al., 2024" in the text, but its default pybtex
style labels the bibliography entries ``[YZZ24]``. This extension registers a pybtex label style with the same
author–year labels (one author: "He"; two: "Glorot and Bengio"; more: "Tang et al."; "a", "b", … when two
entries share a label) and a formatting style ``authoryear`` (pybtex's ``plain``, sorted by author and year,
with those labels). ``_config.yml`` selects it with ``bibtex_default_style: authoryear``.
"""
from __future__ import annotations

import string
from collections import Counter
from typing import Iterable, Iterator

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


def _surname(person) -> str:
    return " ".join(person.prelast_names + person.last_names)


def author_year_label(entry) -> str:
    """"Surname, year", "A and B, year" or "A et al., year" from the entry's authors (else editors)."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_surname(p) for p in persons]
    if not names:
        who = entry.fields.get("key", entry.key)
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabelStyle(BaseLabelStyle):
    def format_labels(self, sorted_entries: Iterable) -> Iterator[str]:
        entries = list(sorted_entries)
        labels = [author_year_label(e) for e in entries]
        counts, seen = Counter(labels), Counter()
        for label in labels:
            if counts[label] > 1:  # "He et al., 2015a", "He et al., 2015b"
                suffix = string.ascii_lowercase[seen[label]]
                seen[label] += 1
                label += suffix
            yield label


class AuthorYearStyle(PlainStyle):
    default_label_style = "authoryear"


def setup(app):
    register_plugin("pybtex.style.labels", "authoryear", AuthorYearLabelStyle)
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
