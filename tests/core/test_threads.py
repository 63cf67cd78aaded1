"""The thread rule: an explicit choice wins; otherwise the idle cores, never fewer than one."""

from __future__ import annotations

import pytest
import torch

from nnstudio.core.errors import UserFacingError
from nnstudio.core.training.runtime.batching import worker_threads
from nnstudio.core.training.threads import (
    THREADS_ENV,
    apply_threads,
    choose_threads,
    idle_cores,
    parse_threads,
    requested_threads,
)


@pytest.mark.parametrize(
    ("cores", "load", "expected"),
    [
        (2, 0.0, 2),  # idle: every core
        (2, 0.3, 2),  # background noise is not a competitor
        (2, 1.0, 1),  # one busy process: the core left
        (2, 2.0, 1),  # two busy processes: one thread, never all (18 against 2,121 samples/s)
        (2, 7.5, 1),  # overloaded: still one
        (16, 4.0, 12),
        (16, 0.0, 16),
    ],
)
def test_the_rule_uses_the_idle_cores_and_never_fewer_than_one(cores, load, expected):
    assert choose_threads(cpu_count=cores, load=load) == expected


def test_the_gui_child_leaves_the_window_a_core():
    assert choose_threads(cpu_count=2, load=0.0, reserve=1) == 1
    assert choose_threads(cpu_count=8, load=0.0, reserve=1) == 7
    assert choose_threads(cpu_count=8, load=6.0, reserve=1) == 1


def test_an_explicit_choice_always_wins():
    assert choose_threads(3, cpu_count=2, load=9.0) == 3


def test_idle_cores_are_never_negative():
    assert idle_cores(2, 10.0) == 0
    assert idle_cores(4, 1.6) == 2


@pytest.mark.parametrize(
    ("value", "words"),
    [("abc", "whole number"), ("0", "between 1 and"), ("-2", "between 1 and"), ("1.5", "whole")],
)
def test_a_bad_thread_count_is_one_clear_error(value, words):
    with pytest.raises(UserFacingError) as caught:
        parse_threads(value)
    assert words in str(caught.value)
    assert "--threads" in str(caught.value)


def test_the_environment_is_read_and_checked(monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    assert requested_threads() is None
    monkeypatch.setenv(THREADS_ENV, " 3 ")
    assert requested_threads() == 3
    assert requested_threads("2") == 2  # the option wins over the environment
    monkeypatch.setenv(THREADS_ENV, "abc")
    with pytest.raises(UserFacingError, match=THREADS_ENV):
        requested_threads()


def test_the_child_takes_the_apps_choice_and_ignores_a_bad_environment(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "abc")
    assert worker_threads(3) == 3
    assert worker_threads(None) >= 1


def test_apply_threads_sets_torch():
    before = torch.get_num_threads()
    try:
        assert apply_threads(1) == 1
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
