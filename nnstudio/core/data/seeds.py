"""The seed limit shared by everything seeded in the data pipeline.

Dataset generators (a ``seed`` parameter) and the split (the data settings' ``seed``) both check
against it; it lives apart from both because the data settings name built-in datasets, so the
datasets cannot import the settings.
"""

from __future__ import annotations

#: Largest seed scikit-learn accepts as ``random_state``.
MAX_SEED = 2**32 - 1
