"""Performance bench for the SKM follow-up tracker (issue 5).

Run ``.venv/bin/python -m bench`` (add ``--quick`` for small sizes). Every figure is a ratio to
a baseline measured in the same run on the same machine; absolute times are printed for
context only. The results table is also written to ``docs/performance.md``.
"""
