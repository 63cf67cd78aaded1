"""How many examples the property-based (Hypothesis) tests try.

The suite runs each with a modest count so that it stays quick; a longer fuzzing run scales
every count at once: ``NNSTUDIO_FUZZ_SCALE=20 python -m pytest -q -p no:cacheprovider
tests/core/test_project_fuzz.py tests/core/data tests/cli/test_bad_arguments.py
tests/cli/test_hostile_text.py tests/core/test_size_limits.py`` (docs/benchmarks.md records
the last such run).
"""

from __future__ import annotations

import os


def _scale() -> int:
    raw = os.environ.get("NNSTUDIO_FUZZ_SCALE", "1")
    try:
        return max(1, int(raw))
    except ValueError:
        raise SystemExit(f"NNSTUDIO_FUZZ_SCALE must be a whole number, not {raw!r}") from None


SCALE = _scale()


def examples(count: int) -> int:
    """``count`` examples in the suite, ``count × NNSTUDIO_FUZZ_SCALE`` in a longer run."""
    return count * SCALE
