#!/usr/bin/env python3
"""Write docs/reference/cli.md, the reference of every command and option, from the argparse
parser (portrait.cli.reference). ``--check`` exits 1 when the committed file is out of date.

    .venv/bin/python docs/gen_reference.py [--check]
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from portrait.cli.reference import markdown  # noqa: E402

TARGET = ROOT / "docs" / "reference" / "cli.md"

if __name__ == "__main__":
    text = markdown()
    if "--check" in sys.argv[1:]:
        current = TARGET.read_text("utf-8") if TARGET.is_file() else ""
        if current != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run python docs/gen_reference.py", file=sys.stderr)
            sys.exit(1)
        sys.exit(0)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text, "utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
