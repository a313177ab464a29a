"""The built book, as a reader's browser renders it: math typeset, images loaded, nothing wider than the column
without a scroll box, no build-machine paths, each chapter's Colab link opening its own notebook.

Checks the HTML in ``$SFLI_BOOK_HTML`` (default ``_build/html``); full-page screenshots go to
``$SFLI_BOOK_SCREENSHOTS`` (default ``_build/screenshots``). Skips without Chromium or without a built book.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from sfli.repro import browser

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("SFLI_BOOK_HTML") or ROOT / "_build" / "html").resolve()
SHOTS = Path(os.environ.get("SFLI_BOOK_SCREENSHOTS") or ROOT / "_build" / "screenshots").resolve()
PAGES = browser.book_pages(HTML)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """One headless Chromium for the whole module."""
    pytest.importorskip("playwright", reason="Playwright is not installed: pip install -e '.[test]'")
    executable = browser.find_chromium()
    if executable is None:
        pytest.skip("no Chromium installed: apt-get install chromium (or set SFLI_CHROMIUM to a Chrome binary)")
    with browser.open_browser(executable) as b:
        yield b


_NO_BOOK = pytest.param(None, id="no-book", marks=pytest.mark.skip(
    reason=f"no built book in {HTML}: build it with `make book` (or set SFLI_BOOK_HTML)"))


@pytest.mark.parametrize("page", PAGES or [_NO_BOOK])
def test_page_renders_cleanly(chromium: object, page: str) -> None:
    problems = browser.check_page(chromium, HTML, page, SHOTS)
    assert browser.screenshot_path(SHOTS, page).is_file() or page == "index.html"
    assert not problems, "\n".join(f"{page}: {p}" for p in problems)


_FAULTY = r"""<!DOCTYPE html><html><head><script src="https://cdn.example.org/never.js"></script></head><body>
<article class="bd-article" style="width: 600px; padding: 0 40px">
  <p>Typeset: none. Raw: \(x^2\), fine in code: <code>\(a\) $$b$$</code></p><pre>\[c\]</pre>
  <mjx-merror data-mjx-error="Missing close brace">x</mjx-merror>
  <img src="missing.png"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==">
  <table style="width: 900px"><tr><td>wide</td></tr></table><pre style="width: 620px">fits the padding only</pre>
  <div style="overflow-x: auto"><table style="width: 900px"><tr><td>scrolls</td></tr></table></div>
  <p>Saved to /work/main/results/x.json; see https://github.com/someone/home/tree/main.</p>
  <a href="file:///etc/hosts">hosts</a>
  <a href="https://colab.research.google.com/github/o/r/blob/main/notebooks/02_other.ipynb">Colab</a>
</article></body></html>"""


def test_the_checker_finds_each_fault_and_only_those(chromium: object, tmp_path: Path) -> None:
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_x.html").write_text(_FAULTY)
    (tmp_path / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=notebooks/01_x.html" />')
    problems = browser.check_page(chromium, tmp_path, "notebooks/01_x.html", tmp_path / "shots")
    text = "\n".join(problems)
    assert "1 raw TeX expressions, first: `\\(x^2\\)`" in text, text
    assert "1 MathJax errors, first: Missing close brace" in text, text
    assert "image missing.png did not load" in text and "data:image" not in text, text
    assert "table 1 is 900 px wide in a 600 px column and has no scroll box" in text and "table 2" not in text
    assert "pre 2 is 620 px wide" in text, text
    assert "2 absolute paths of the build machine, first: page text contains `/work/main/results/x.json`" in text
    assert "Colab link" in text and "(…/notebooks/01_x.ipynb)" in text, text
    assert len(problems) == 7, text
    assert (tmp_path / "shots" / "notebooks_01_x.png").is_file()
    assert browser.check_page(chromium, tmp_path, "index.html") == []
