"""The dropout/BN view: survivors scaled by 1/(1 − p), eval mode, running vs batch stats."""

from __future__ import annotations

import pytest

from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.lab.registry import lab_view


@pytest.fixture
def view(qtbot):
    widget = lab_view("dropout_bn").create(ProjectDocument())
    qtbot.addWidget(widget)
    widget.resize(700, 450)
    return widget


def test_dropout_starts_at_the_lessons_p_and_scales_survivors(view):
    assert view.p_spin.value() == pytest.approx(0.4)
    assert "1.6667" in view.dropout_formula.text()
    rows = view.dropout_table.texts()
    assert len(rows) == 10
    for x, kept, y in rows:
        expected = float(x) / 0.6 if kept == "yes" else 0.0
        assert float(y) == pytest.approx(expected, abs=1e-4)
    assert {"yes", "dropped"} == {row[1] for row in rows}


def test_resample_draws_a_new_mask_from_the_next_seed(view):
    before = view.dropout_table.column_texts(1)
    view.resample_button.click()
    assert view.seed_spin.value() == 1
    assert view.dropout_table.column_texts(1) != before


def test_eval_mode_passes_the_input_through(view):
    view.set_dropout_training(False)
    rows = view.dropout_table.texts()
    assert all(x == y for x, _kept, y in rows)
    assert "eval" in view.dropout_formula.text()


def test_batch_norm_table_shows_batch_and_running_statistics(view):
    demo = view.bn
    rows = view.stats_table.texts()
    assert len(rows) == 3 * 2  # three batches, two features
    first = demo.stats[0]
    assert rows[0][2] == f"{first.mean[0]:.4f}".replace("-", "−")
    # Running mean after one batch: 0.9 · 0 + 0.1 · batch mean.
    assert float(rows[0][4].replace("−", "-")) == pytest.approx(0.1 * first.mean[0], abs=1e-4)


def test_train_and_eval_outputs_differ_and_follow_the_toggle(view):
    train = view.output_table.column_texts(1)
    view.set_bn_training(False)
    evaluated = view.output_table.column_texts(1)
    assert train != evaluated
    expected = [f"{row[0]:.4f}".replace("-", "−") for row in view.bn.eval_output]
    assert evaluated == expected
    assert "running" in view.bn_note.text()


def test_more_batches_bring_the_running_mean_closer(view):
    view.batches_spin.setValue(60)
    last = view.bn.stats[-1]
    assert abs(last.running_mean[0] - 5.0) < abs(view.bn.stats[0].running_mean[0] - 5.0)
