"""The optimiser lesson's worked example (w = 1, E = w²/2) comes out as the lesson prints it."""

from __future__ import annotations

import pytest

from nnstudio.core.lessons.optimizer_steps import (
    LESSON_OPTIMIZERS,
    MAX_STEPS,
    hand_line,
    hand_steps,
    number,
    run_optimizer,
)

LESSON = {
    "sgd": ["1", "0.99", "0.9801"],
    "momentum": ["1", "0.99", "0.9711"],
    "adagrad": ["1", "0.99", "0.982965"],
    "rmsprop": ["1", "0.968377", "0.945788"],
    "adam": ["1", "0.99", "0.980003"],
}


@pytest.mark.parametrize("key", sorted(LESSON))
def test_two_steps_of_torch_optim_give_the_lessons_weights(key):
    rows = run_optimizer(key)
    assert [number(r.w) for r in rows] == LESSON[key]


@pytest.mark.parametrize("key", [spec.key for spec in LESSON_OPTIMIZERS])
def test_the_hand_formulas_agree_with_torch_for_twenty_steps(key):
    torch_rows = run_optimizer(key, steps=MAX_STEPS)
    hand_rows = hand_steps(key, steps=MAX_STEPS)
    for a, b in zip(torch_rows, hand_rows, strict=True):
        assert a.w == pytest.approx(b.w, rel=1e-9, abs=1e-12)
        assert a.grad == pytest.approx(b.grad)
        assert a.state.keys() == b.state.keys()
        for name in a.state:
            assert a.state[name] == pytest.approx(b.state[name], rel=1e-9, abs=1e-12)


def test_the_gradient_of_half_w_squared_is_w_itself():
    rows = run_optimizer("sgd", steps=3)
    assert [r.grad for r in rows[1:]] == pytest.approx([r.w for r in rows[:-1]])


def test_the_state_read_from_torch_is_the_lessons_velocity_squares_and_moments():
    momentum = run_optimizer("momentum")
    assert [r.state.get("v") for r in momentum] == pytest.approx([None, 1.0, 1.89])
    adagrad = run_optimizer("adagrad")
    assert adagrad[2].state["s"] == pytest.approx(1 + 0.99**2)
    rmsprop = run_optimizer("rmsprop")
    assert rmsprop[1].state["s"] == pytest.approx(0.1)
    adam = run_optimizer("adam")
    assert adam[1].state == pytest.approx({"m": 0.1, "v": 0.01, "m_hat": 1.0, "v_hat": 1.0})
    assert adam[2].state["m"] == pytest.approx(0.189)
    assert adam[2].state["v"] == pytest.approx(0.019701)
    assert adam[2].state["m_hat"] == pytest.approx(0.189 / 0.19)
    assert adam[2].state["v_hat"] == pytest.approx(0.019701 / (1 - 0.99**2))


def test_changed_hyper_parameters_change_the_steps():
    slow = run_optimizer("momentum", {"lr": 0.01, "momentum": 0.5})
    assert number(slow[2].w) == number(0.99 - 0.01 * (0.5 + 0.99))
    adam = run_optimizer("adam", {"beta1": 0.5})
    assert adam[1].state["m"] == pytest.approx(0.5)


def test_hand_lines_write_the_update_with_its_numbers():
    rows = run_optimizer("momentum")
    assert hand_line("momentum", None, rows[1], rows[2]) == (
        "v = 0.9 × 1 + 0.99 = 1.89;  w = 0.99 − 0.01 × 1.89 = 0.9711"
    )
    rows = run_optimizer("adam")
    assert hand_line("adam", None, rows[1], rows[2]).endswith("= 0.980003")


def test_more_steps_than_the_table_holds_are_refused():
    with pytest.raises(ValueError):
        run_optimizer("sgd", steps=MAX_STEPS + 1)
