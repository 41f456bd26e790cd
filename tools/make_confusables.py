"""Regenerate ``src/proforum/domain/data/confusables.tsv`` from Unicode's ``confusables.txt``.

Usage::

    python tools/make_confusables.py path/to/confusables.txt

``confusables.txt`` is the data file of Unicode Technical Standard #39
(https://www.unicode.org/Public/security/).  Only the mapping is kept: one line
per source code point, its prototype as space-separated hex code points.  The
file's version and date are carried into the header so that a changed mapping
(which changes nickname keys, and needs a migration) is visible in review.
"""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src/proforum/domain/data/confusables.tsv"


def main(source: str) -> None:
    """Read ``source`` and write the compact mapping next to the nickname rules."""
    header: list[str] = []
    rows: list[str] = []
    for line in Path(source).read_text(encoding="utf-8-sig").splitlines():
        if line.startswith(("# Version:", "# Date:")):
            header.append(line)
        data = line.split("#", 1)[0].strip()
        if not data:
            continue
        source_hex, target_hex, _kind = (field.strip() for field in data.split(";"))
        rows.append(f"{source_hex}\t{target_hex}")
    rows.sort(key=lambda row: int(row.split("\t", 1)[0], 16))
    OUT.write_text(
        "# The prototype of each confusable code point, from Unicode confusables.txt (UTS #39).\n"
        + "".join(f"{line}\n" for line in header)
        + "# Copyright Unicode, Inc.; terms of use: https://www.unicode.org/terms_of_use.html\n"
        + "# Regenerate with tools/make_confusables.py; a change needs a nickname-key migration.\n"
        + "".join(f"{row}\n" for row in rows),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main(sys.argv[1])
