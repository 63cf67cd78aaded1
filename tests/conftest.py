"""Shared test set-up. Qt must run offscreen: set before any Qt import anywhere."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NNSTUDIO_SETTINGS_SCOPE", "nnstudio-tests")

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MOBILE_CSV = SHARED / "data" / "mobile_price_train.csv"


@pytest.fixture
def mobile_csv() -> Path:
    if not MOBILE_CSV.exists():
        pytest.skip("../shared/data/mobile_price_train.csv is not beside the repository")
    return MOBILE_CSV
