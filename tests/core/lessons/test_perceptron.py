"""The perceptron rule on logic gates and the hand-weighted XOR network (seed notes §9)."""

from __future__ import annotations

import pytest

from nnstudio.core.lessons.lesson_inputs import LessonInputError
from nnstudio.core.lessons.perceptron import Perceptron, gate_data, xor_network
from nnstudio.i18n import tr


def test_one_step_applies_the_rule_only_to_a_misclassified_sample():
    points, labels = gate_data("and")
    unit = Perceptron(points, labels, lr=0.1)
    first = unit.step()  # (0,0): z = 0 → ŷ = 1 (step is 1 at 0), y = 0: w += 0.1·(−1)·x
    assert (first.y, first.y_hat) == (0, 1)
    assert first.w_after == (0.0, 0.0) and first.b_after == pytest.approx(-0.1)
    second = unit.step()  # (1,0): z = −0.1 → ŷ = 0 = y: nothing changes
    assert not second.updated and second.w_after == first.w_after


@pytest.mark.parametrize("gate", ["and", "or"])
def test_the_rule_converges_on_linearly_separable_gates(gate):
    unit = Perceptron(*gate_data(gate))
    last = unit.train(50)
    assert unit.converged and last is not None and last.mistakes == 0
    assert unit.mistakes() == 0
    w, b = tuple(unit.w), unit.b
    unit.epoch()  # converged: another epoch moves nothing
    assert (tuple(unit.w), unit.b) == (w, b)
    assert "Converged" in tr(unit.verdict())


def test_the_rule_never_settles_on_xor():
    unit = Perceptron(*gate_data("xor"))
    records = [unit.epoch() for _ in range(100)]
    assert all(r.mistakes > 0 for r in records)
    assert not unit.converged and unit.mistakes() > 0
    verdict = tr(unit.verdict())
    assert "After 100 epochs" in verdict and "XOR" in verdict


def test_an_epoch_finishes_the_pass_a_step_began():
    unit = Perceptron(*gate_data("or"))
    unit.step()
    record = unit.epoch()
    assert record.epoch == 1 and unit.position == 0 and len(unit.steps) == 4


def test_the_decision_line_is_where_w_dot_x_plus_b_is_zero():
    unit = Perceptron(*gate_data("and"))
    unit.train(50)
    (x0, y0), (x1, y1) = unit.boundary(-1.0, 2.0)
    for x, y in ((x0, y0), (x1, y1)):
        assert unit.w[0] * x + unit.w[1] * y + unit.b == pytest.approx(0.0, abs=1e-12)
    assert Perceptron(*gate_data("and")).boundary(0, 1) is None  # w = 0: no line yet


def test_labels_other_than_zero_and_one_are_refused():
    with pytest.raises(LessonInputError):
        Perceptron([(0, 0), (1, 1)], [0, 2])


def test_the_lessons_step_network_computes_xor():
    table = xor_network()
    assert [row.output for row in table] == [0, 1, 1, 0]
    assert [row.x for row in table] == [(0, 0), (1, 0), (0, 1), (1, 1)]
    # Hidden unit 1 is AND, unit 2 is OR.
    assert [row.hidden for row in table] == [(0, 0), (0, 1), (0, 1), (1, 1)]
    assert all(row.output == row.expected for row in table)


def test_other_weights_give_another_truth_table():
    table = xor_network(b2=0.5)  # output = step(−h1 + h2 + 0.5): OR-like, not XOR
    assert [row.output for row in table] == [1, 1, 1, 1]
