#!/usr/bin/env python3
"""Entry point: ``python build.py --help``. Everything lives in src/portrait/."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from portrait.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
