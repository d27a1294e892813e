"""Writing a large export with Python's cyclic garbage collector paused."""
from __future__ import annotations

import functools
import gc


def collector_paused(write):
    """Run ``write`` with Python's cyclic garbage collector paused. A workbook is a few hundred
    thousand small tuples (xlsxwriter's cells) made beside the loaded city: each allocation
    burst set off a collection that walked every live object, and about a third of a semester
    annex's time went to those collections. Nothing written creates reference cycles that need
    collecting before the file is closed; the collector runs again as soon as it is."""
    @functools.wraps(write)
    def paused(*args, **kwargs):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return write(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()
    return paused
