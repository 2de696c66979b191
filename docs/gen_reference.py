#!/usr/bin/env python3
"""Write docs/reference/cli.md, the reference of every command and option, from the argparse
parser, and docs/reference/district-file.md from the district model (portrait.cli.reference).
``--check`` exits 1 when a committed file is out of date.

    .venv/bin/python docs/gen_reference.py [--check]
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from portrait.cli.reference import district_file_markdown, markdown  # noqa: E402

TARGETS = {
    ROOT / "docs" / "reference" / "cli.md": markdown,
    ROOT / "docs" / "reference" / "district-file.md": district_file_markdown,
}

if __name__ == "__main__":
    stale = []
    for target, make in TARGETS.items():
        text = make()
        if "--check" in sys.argv[1:]:
            if (target.read_text("utf-8") if target.is_file() else "") != text:
                stale.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
    for target in stale:
        print(f"{target.relative_to(ROOT)} is out of date: run python docs/gen_reference.py", file=sys.stderr)
    sys.exit(1 if stale else 0)
