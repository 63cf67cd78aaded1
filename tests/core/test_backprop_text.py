"""The worked backprop step as text: the lesson's wording and number formats, from a report."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from nnstudio.core.lessons import backprop, backprop_text
from nnstudio.core.lessons.backprop import StepReport, inspect_step
from nnstudio.core.lessons.backprop_text import SHOW_COLS, SHOW_ROWS, step_text
from nnstudio.core.project import load_project

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture(scope="module")
def lesson() -> StepReport:
    return inspect_step(load_project(SAMPLES / "backprop_lesson.nnsproj"))


def test_numbers_are_written_with_six_decimals_as_the_lesson_writes_them() -> None:
    assert backprop_text._f(0.5) == "0.500000"
    assert backprop_text._f(-0.0) == "0.000000"
    assert backprop_text._f(0.00123456789) == "0.00123457"
    assert backprop_text._f(0.0000123) == "1.23000e-05"
    assert backprop_text._f(float("nan")) == "nan"


def test_a_negative_factor_of_a_product_is_put_in_parentheses() -> None:
    assert backprop_text._p(-0.25) == "(-0.250000)"
    assert backprop_text._p(0.25) == "0.250000"


def test_a_big_matrix_is_cut_to_its_first_rows_and_columns_and_says_how_many_more() -> None:
    lines = backprop_text._matrix(torch.ones(SHOW_ROWS + 3, SHOW_COLS + 2), "  ")
    assert len(lines) == SHOW_ROWS + 1
    assert lines[0] == "  [" + ", ".join(["1.000000"] * SHOW_COLS) + ", …]"
    assert lines[-1] == "  … 3 more rows"


def test_a_matrix_of_tiny_values_is_written_in_one_scientific_format() -> None:
    lines = backprop_text._matrix(torch.tensor([[1e-5, 2e-3], [0.0, -4e-4]]), "")
    assert lines == ["[1.0000e-05, 2.0000e-03]", "[0, -4.0000e-04]"]


def test_the_lesson_step_is_written_forward_backward_update_and_check(lesson: StepReport) -> None:
    lines = step_text(lesson).splitlines()
    assert lines[0] == "One step of backpropagation — Backpropagation, step by step"
    assert lines[1] == (
        "Weights: initial weights (not trained yet: what training starts from); "
        "the network is in training mode."
    )
    first_words = [line.split(" ")[0].rstrip(":") for line in lines if line]
    assert [word for word in first_words if len(word) > 1 and word.isupper()] == [
        "FORWARD",
        "BACKWARD",
        "UPDATE",
        "GRADIENT",
    ]
    assert "  net_h1 = 0.377500   out_h1 = 0.593270" in lines
    assert "  w5 = 0.400000 − 0.5 × 0.082167 = 0.358916" in lines


def test_the_computation_module_writes_no_text() -> None:
    assert not hasattr(StepReport, "to_text")
    assert not any(name.startswith("_text") for name in vars(backprop))
