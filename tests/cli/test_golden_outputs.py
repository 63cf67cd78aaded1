"""Every command gives the same output on every sample as when the outputs were recorded
(``python -m tests.cli.golden_outputs``): refactors change nothing a user sees."""

from __future__ import annotations

import json

import pytest

from tests.cli.golden_outputs import GOLDEN, SAMPLES, record

CASES = sorted(GOLDEN.glob("*.json"))


def test_every_sample_has_recorded_outputs():
    assert {p.stem for p in CASES} == {p.stem for p in SAMPLES.glob("*.nnsproj")}


@pytest.mark.parametrize("golden", CASES, ids=[p.stem for p in CASES])
def test_commands_print_what_they_printed_when_recorded(golden):
    expected = json.loads(golden.read_text(encoding="utf-8"))
    actual = record(SAMPLES / f"{golden.stem}.nnsproj")
    assert sorted(actual) == sorted(expected)
    for name, result in expected.items():
        assert actual[name] == result, name
