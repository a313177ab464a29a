"""The book's tooling: the ``sfli`` command line (:mod:`.cli`), the papermill pipeline and its cache
(:mod:`.pipeline`), the ledger of every chapter's claims and the reproduction page (:mod:`.ledger`), and the
regression against committed records (:mod:`.regression`).

No notebook imports this package (a test checks it), so it is left out of every notebook's cache key — by
folder: editing the tooling re-runs nothing; editing a chapter, its claims or the core re-runs that notebook.
"""
