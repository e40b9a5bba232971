"""Regenerate the committed JSON Schema files, or check them (``--check``)."""

import sys

from schemas.export import drifted, write

if "--check" in sys.argv[1:]:
    stale = drifted()
    if stale:
        sys.exit(f"schema files out of date: {', '.join(stale)} (run: python -m schemas)")
    print("schema files match the models")
else:
    for path in write():
        print(f"wrote {path}")
