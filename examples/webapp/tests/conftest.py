"""Make ``examples/`` importable so that the tests can ``import webapp``."""

from __future__ import annotations

import sys
from pathlib import Path

EXAMPLES = str(Path(__file__).resolve().parents[2])
if EXAMPLES not in sys.path:
    sys.path.insert(0, EXAMPLES)
