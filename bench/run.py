"""``python bench/run.py [--quick] [--only ...]``: the same as ``python -m bench``."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.__main__ import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
