"""`make bench` (``python -m benchmarks``): how fast the refund engine and the workflow answer.

Run from the repository root like the Lambda layer is: ``layers/shared`` goes on the import path.
"""

from __future__ import annotations

import sys
from pathlib import Path

_SHARED = str(Path(__file__).resolve().parent.parent / "layers" / "shared")
if _SHARED not in sys.path:
    sys.path.insert(0, _SHARED)
