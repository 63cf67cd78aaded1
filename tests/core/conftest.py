"""Fixtures shared by the core tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.test_project_support import trained_path


@pytest.fixture
def trained_file() -> Path:
    """A trained iris project (Adam, multistep schedule) to take apart."""
    return trained_path()
