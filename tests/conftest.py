"""Shared test set-up. Qt must run offscreen: set before any Qt import anywhere."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NNSTUDIO_SETTINGS_SCOPE", "nnstudio-tests")
# Tests read English unless they choose a language themselves (whatever the machine's locale).
os.environ["NNSTUDIO_LANG"] = "en"
# One torch (OpenMP) thread, before torch is imported anywhere, and in every child process.
# The tests train small networks, for which one thread is as fast; with several, each
# operation waits for all of its threads, and on a machine busy with other work that
# multiplies run times (the case-study test: 8 s idle, 74 s beside two busy processes with
# two threads, 18 s with one). Set either variable to choose otherwise.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MOBILE_CSV = SHARED / "data" / "mobile_price_train.csv"


@pytest.fixture
def mobile_csv() -> Path:
    if not MOBILE_CSV.exists():
        pytest.skip("../shared/data/mobile_price_train.csv is not beside the repository")
    return MOBILE_CSV


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Each test starts with one torch thread and leaves the count as it found it.

    OMP_NUM_THREADS above covers a fresh process; this covers a test before it that chose a
    thread count (the command line's thread rule runs in-process in the CLI tests).
    """
    import sys

    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def _forget_outside_data_answers():
    """Each test starts, like a new session, with no file outside a project allowed."""
    from nnstudio.core.data import trust

    trust.forget()
    yield
    trust.forget()
