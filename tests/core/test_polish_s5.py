"""Small defects a user met (session 5), in the Qt-free core: what a pruned trial leaves."""

from __future__ import annotations

import pytest

optuna = pytest.importorskip("optuna")

from nnstudio.core.experiments.search import _record  # noqa: E402


def _pruned_trial(intermediate: dict[int, float]):
    return optuna.trial.create_trial(
        state=optuna.trial.TrialState.PRUNED,
        params={"lr": 0.01},
        distributions={"lr": optuna.distributions.FloatDistribution(1e-4, 1e-1, log=True)},
        intermediate_values=intermediate,
        user_attrs={"curve": list(intermediate.values()), "reason": "stopped"},
    )


def test_a_pruned_trial_keeps_the_last_value_it_reported_and_its_epoch():
    record = _record(_pruned_trial({1: 0.61, 2: 0.55, 3: 0.58}))
    assert record.state == "pruned"
    assert record.value is None  # Optuna gives a pruned trial no value
    assert record.last_report == (3, pytest.approx(0.58))
    # The JSON stays as it was (the curve holds these numbers already).
    assert "last_report" not in record.to_dict()


def test_a_trial_that_reported_nothing_has_no_last_report():
    assert _record(_pruned_trial({})).last_report is None
