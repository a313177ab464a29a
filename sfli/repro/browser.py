"""The built book, checked in a real browser: every HTML page opened in headless Chromium, judged after its scripts ran.

Per page: MathJax typeset every expression (no raw ``\\(``, ``\\[``, ``$$`` left, no error nodes); every image
loaded; no table, ``pre`` or cell output wider than the content column without its own scroll box (at 1280×900);
no absolute path of the build machine in text or links; a chapter's Colab link opens that chapter's notebook.
Pages are opened as ``file://`` URLs, as a reader opens a downloaded copy; every request to a non-local host is
blocked, so a check never depends on the network. Playwright drives the system Chromium: nothing is downloaded.

    python -m sfli.repro.browser _build/html [--screenshots _build/screenshots]
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

VIEWPORT = {"width": 1280, "height": 900}
MATHJAX_TIMEOUT_MS = 20_000
LOCAL_SCHEMES = {"file", "data", "blob", "about"}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
#: prefixes that only a build machine's absolute paths start with
MACHINE_PATHS = ("/tmp/", "/home/", "/work/", "/root/", "/Users/", "/private/var/")
COLAB = "https://colab.research.google.com/"
TEX_FREE_PAGES = {"search.html"}  # search results quote page text as it was; MathJax does not run there
REFRESH = re.compile(r"""<meta\s+http-equiv=["']?refresh["']?\s+content=["']?\d+;\s*url=([^"'>\s]+)""", re.I)

# Runs in the page after its load event; returns raw facts, judged in Python.
_PROBE = r"""
async ({mathTimeout, findTex, colab}) => {
  const out = {};
  const mj = window.MathJax;
  out.mathjax = !mj ? "absent" : !(mj.startup && mj.startup.promise) ? "not loaded" : "loaded";
  if (out.mathjax === "loaded") {
    const timer = new Promise(r => setTimeout(() => r("timeout"), mathTimeout));
    out.mathjax = await Promise.race([mj.startup.promise.then(() => "ok", e => "failed: " + e), timer]);
  }
  out.mathjaxSrc = [...document.scripts].map(s => s.getAttribute("src") || "").filter(s => /mathjax/i.test(s));
  out.tex = [];
  const skip = "pre, code, mjx-container, script, style, textarea, noscript, template";
  const texRe = /\\\([\s\S]*?\\\)|\\\[[\s\S]*?\\\]|\$\$[\s\S]*?\$\$|\\[()[\]]|\$\$/g;
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode()); ) {
    const p = n.parentElement;
    if (!p || p.closest("script, style")) continue;
    texts.push(n.data);
    if (findTex && !p.closest(skip)) for (const m of n.data.matchAll(texRe)) out.tex.push(m[0]);
  }
  out.text = texts.join("\n");
  out.merrors = [...document.querySelectorAll("mjx-merror")]
    .map(e => e.getAttribute("data-mjx-error") || e.textContent);

  const imgs = [...document.images];
  const settle = img => new Promise(r => {
    if (img.complete) return r();
    img.addEventListener("load", r); img.addEventListener("error", r); setTimeout(r, 5000);
  });
  imgs.forEach(img => { if (!img.complete) img.loading = "eager"; });  // lazy images below the fold
  await Promise.all(imgs.map(settle));
  out.badImages = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute("src") || "");

  const col = document.querySelector("article.bd-article")
    || document.querySelector(".bd-article-container") || document.querySelector("main");
  const pad = col ? getComputedStyle(col) : null;  // the text column: the article's content box
  out.column = col ? col.clientWidth - parseFloat(pad.paddingLeft) - parseFloat(pad.paddingRight) : null;
  out.wide = [];
  if (col) {
    const seen = {};
    for (const el of col.querySelectorAll("table, pre, .cell_output")) {
      const kind = el.matches("table") ? "table" : el.matches("pre") ? "pre" : "cell output";
      seen[kind] = (seen[kind] || 0) + 1;
      const width = el.getBoundingClientRect().width;
      if (width <= out.column + 1) continue;
      let boxed = false;
      for (let a = el.parentElement; a && a !== col && !boxed; a = a.parentElement) {
        const ox = getComputedStyle(a).overflowX;
        boxed = (ox === "auto" || ox === "scroll") && a.clientWidth <= out.column + 1;
      }
      if (!boxed) out.wide.push({kind, index: seen[kind], width});
    }
  }
  out.attrs = [];
  for (const el of document.querySelectorAll("[href], [src], [srcset], [poster], [action], object[data]"))
    for (const name of ["href", "src", "srcset", "poster", "action", "data"])
      if (el.hasAttribute(name)) out.attrs.push([el.tagName.toLowerCase(), name, el.getAttribute(name)]);
  out.colab = [...document.querySelectorAll("a")].map(a => a.getAttribute("href") || "")
    .filter(h => h.startsWith(colab));
  return out;
}
"""


class BrowserUnavailable(RuntimeError):
    """No Chromium or no Playwright on this machine."""


def find_chromium() -> str | None:
    """The system Chromium: ``$SFLI_CHROMIUM``, else ``chromium`` / ``chromium-browser`` / ``google-chrome`` on PATH."""
    if env := os.environ.get("SFLI_CHROMIUM"):
        return shutil.which(env)
    return next((p for name in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(name))), None)


def book_pages(html_dir: Path) -> list[str]:
    """Every HTML page of a built book, relative POSIX paths, without Sphinx's ``_static``/``_sources``/… folders."""
    if not html_dir.is_dir():
        return []
    return sorted(p.relative_to(html_dir).as_posix() for p in html_dir.rglob("*.html")
                  if not any(part.startswith("_") for part in p.relative_to(html_dir).parts[:-1]))


@contextmanager
def open_browser(executable: str | None = None) -> Iterator[Any]:
    """A headless Chromium (the system one; Playwright downloads nothing), closed on exit."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        raise BrowserUnavailable("Playwright is not installed: pip install -e '.[test]'") from err
    executable = executable or find_chromium()
    if executable is None:
        raise BrowserUnavailable("no Chromium found: apt-get install chromium (or set SFLI_CHROMIUM)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _machine_paths(html_dir: Path) -> re.Pattern[str]:
    roots = list(MACHINE_PATHS)
    repo = html_dir.parent.parent if html_dir.parent.name == "_build" else html_dir
    roots += [str(repo) + "/"] if len(repo.parts) > 2 else []
    alternatives = "|".join(re.escape(r) for r in sorted(set(roots), key=len, reverse=True))
    return re.compile(rf"(?<![\w.~%-])(?:{alternatives})(?:[^\s\"'<>)\]`]*[^\s\"'<>)\]`.,;:])?")


def _file_urls_outside(text: str, html_dir: Path) -> list[str]:
    out = []
    for url in re.findall(r"file://[^\s\"'<>)\]`]*", text):
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not path.is_relative_to(html_dir):
            out.append(url)
    return out


def _redirect_problems(html_dir: Path, page: str) -> list[str] | None:
    """A ``<meta http-equiv=refresh>`` page (the book's index): only its target is checked, not opened."""
    match = REFRESH.search((html_dir / page).read_text(errors="replace")[:2000])
    if match is None:
        return None
    target = ((html_dir / page).parent / match.group(1).split("#")[0]).resolve()
    return [] if target.is_file() else [f"redirects to {match.group(1)}, which does not exist"]


def _judge(facts: dict[str, Any], html_dir: Path, page: str, blocked: list[str]) -> list[str]:
    problems = []
    if facts["tex"]:
        why = ""
        if facts["mathjax"] == "not loaded":
            src = facts["mathjaxSrc"][0] if facts["mathjaxSrc"] else "?"
            why = (f" (MathJax did not load from {src}"
                   + (": a non-local host, blocked — ship MathJax in _static)" if src in blocked else ")"))
        problems.append(f"{len(facts['tex'])} raw TeX expressions, first: `{facts['tex'][0][:80]}`{why}")
    if facts["mathjax"] == "timeout":
        problems.append(f"MathJax did not finish typesetting within {MATHJAX_TIMEOUT_MS // 1000} s")
    elif facts["mathjax"].startswith("failed"):
        problems.append(f"MathJax {facts['mathjax']}")
    if facts["merrors"]:
        problems.append(f"{len(facts['merrors'])} MathJax errors, first: {facts['merrors'][0][:120]}")
    for src in facts["badImages"]:
        problems.append(f"image {src or '(no src)'} did not load")
    if facts["column"] is None:
        problems.append("no content column (article.bd-article, .bd-article-container or main) found")
    for w in facts["wide"]:
        problems.append(f"{w['kind']} {w['index']} is {w['width']:.0f} px wide in a {facts['column']:.0f} px "
                        "column and has no scroll box")
    paths = _machine_paths(html_dir)
    leaks = [f"page text contains `{m}`" for m in paths.findall(facts["text"])]
    leaks += [f"page text links to `{u}` outside the book" for u in _file_urls_outside(facts["text"], html_dir)]
    for tag, name, value in facts["attrs"]:
        leaks += [f"<{tag} {name}> contains `{m}`" for m in paths.findall(value)]
        leaks += [f"<{tag} {name}> links to `{u}` outside the book" for u in _file_urls_outside(value, html_dir)]
    if leaks:
        problems.append(f"{len(leaks)} absolute paths of the build machine, first: {leaks[0]}")
    if page.startswith("notebooks/"):
        want = f"/notebooks/{Path(page).stem}.ipynb"
        if not facts["colab"]:
            problems.append(f"no Colab launch link (an <a href> starting with {COLAB})")
        problems += [f"Colab link {h} does not open this chapter's notebook (…{want})"
                     for h in facts["colab"] if not h.split("?")[0].split("#")[0].endswith(want)]
    return problems


def screenshot_path(screenshots: Path, page: str) -> Path:
    """Where a page's screenshot goes: ``notebooks/01_eps_rank.html`` → ``notebooks_01_eps_rank.png``."""
    return screenshots / (page.removesuffix(".html").replace("/", "_") + ".png")


def check_page(browser: Any, html_dir: Path, page: str, screenshots: Path | None = None) -> list[str]:
    """The problems of one page (``page`` relative to ``html_dir``); a full-page screenshot when asked."""
    html_dir = html_dir.resolve()
    if (redirect := _redirect_problems(html_dir, page)) is not None:
        return redirect
    blocked: list[str] = []

    def route(r: Any) -> None:
        url = urlsplit(r.request.url)
        if url.scheme in LOCAL_SCHEMES or url.hostname in LOCAL_HOSTS:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort("blockedbyclient")

    context = browser.new_context(viewport=VIEWPORT)
    try:
        tab = context.new_page()
        tab.route("**/*", route)
        tab.goto((html_dir / page).as_uri(), wait_until="load", timeout=60_000)
        facts = tab.evaluate(_PROBE, {"mathTimeout": MATHJAX_TIMEOUT_MS, "findTex": page not in TEX_FREE_PAGES,
                                       "colab": COLAB})
        if screenshots is not None:
            screenshots.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(screenshot_path(screenshots, page)), full_page=True)
    except Exception as err:  # a page that does not load or hangs is a finding, not a crash of the whole check
        return [f"page could not be checked: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"]
    finally:
        context.close()
    return _judge(facts, html_dir, page, blocked)


def check_book(html_dir: Path, screenshots: Path | None = None) -> dict[str, list[str]]:
    """Every page of the built book → its problems (an empty list: the page is fine)."""
    pages = book_pages(html_dir)
    if not pages:
        raise FileNotFoundError(f"no HTML pages in {html_dir}: build the book first (make book)")
    with open_browser() as browser:
        return {page: check_page(browser, html_dir, page, screenshots) for page in pages}


def main(argv: list[str] | None = None) -> int:
    """Print every problem of the built book; exit 1 if there is any, 2 if the check cannot run."""
    parser = argparse.ArgumentParser(prog="python -m sfli.repro.browser", description=__doc__.split("\n")[0])
    parser.add_argument("html_dir", nargs="?", type=Path, default=Path("_build/html"))
    parser.add_argument("--screenshots", type=Path, default=None, help="folder for full-page screenshots")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        report = check_book(args.html_dir, args.screenshots)
    except (BrowserUnavailable, FileNotFoundError) as err:
        print(f"browser check not run: {err}", file=sys.stderr)
        return 2
    for page, problems in report.items():
        for problem in problems:
            print(f"{page}: {problem}")
    n = sum(map(len, report.values()))
    print(f"{len(report)} pages checked in {time.perf_counter() - start:.1f} s: {n} problems")
    return 1 if n else 0


if __name__ == "__main__":
    sys.exit(main())
