"""One module per book chapter: settings per profile as data (``CONFIGS``), ``run(cfg)``, and plots.

Each module exposes ``config(profile, **overrides)`` (validated), ``run(cfg)`` returning a result with
tables (pandas DataFrames) and ``metrics`` (a flat dict of numbers that the record stores and the claims read).
"""
