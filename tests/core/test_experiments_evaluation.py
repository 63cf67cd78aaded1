"""Evaluation of a trained project: the figures agree with scikit-learn's, and permutation
importance finds what the phone data is known for (``ram`` decides the price band)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics

from nnstudio.core.data import DataSource, trust
from nnstudio.core.experiments.evaluation import (
    classification_evaluation,
    evaluate_project,
    regression_evaluation,
)
from nnstudio.core.project import load_project
from nnstudio.core.training import ReportPolicy, train
from nnstudio.core.training.plan import plan_run, store_result
from tests.conftest import REPO

SAMPLES = REPO / "samples"


def _fixed_predictions(k: int, n: int = 300, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Labels and probabilities that are right more often than not, with ties and mistakes."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), y] += 1.2
    logits = np.round(logits, 1)  # ties, as real probabilities have
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, p


@pytest.mark.parametrize("k", [2, 3, 4])
def test_per_class_scores_agree_with_scikit_learn(k):
    y, p = _fixed_predictions(k)
    ev = classification_evaluation(y, p, [f"c{i}" for i in range(k)])
    pred = p.argmax(axis=1)
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        y, pred, labels=list(range(k)), zero_division=0
    )
    np.testing.assert_allclose([c.precision for c in ev.classes], precision)
    np.testing.assert_allclose([c.recall for c in ev.classes], recall)
    np.testing.assert_allclose([c.f1 for c in ev.classes], f1)
    assert [c.support for c in ev.classes] == support.tolist()
    macro = metrics.precision_recall_fscore_support(y, pred, average="macro", zero_division=0)
    weighted = metrics.precision_recall_fscore_support(y, pred, average="weighted", zero_division=0)
    assert ev.macro.f1 == pytest.approx(macro[2])
    assert ev.weighted.precision == pytest.approx(weighted[0])
    assert ev.accuracy == pytest.approx(metrics.accuracy_score(y, pred))
    np.testing.assert_array_equal(ev.confusion, metrics.confusion_matrix(y, pred))


@pytest.mark.parametrize("k", [2, 3, 4])
def test_roc_and_precision_recall_areas_agree_with_scikit_learn(k):
    y, p = _fixed_predictions(k)
    ev = classification_evaluation(y, p, [f"c{i}" for i in range(k)])
    if k == 2:
        assert ev.roc_auc == pytest.approx(metrics.roc_auc_score(y, p[:, 1]))
        assert [c.name for c in ev.roc] == ["c1"]
        assert ev.pr[0].area == pytest.approx(metrics.average_precision_score(y, p[:, 1]))
    else:
        assert ev.roc_auc == pytest.approx(
            metrics.roc_auc_score(y, p, multi_class="ovr", average="macro")
        )
        for i, (roc, pr) in enumerate(zip(ev.roc, ev.pr, strict=True)):
            assert roc.area == pytest.approx(metrics.roc_auc_score(y == i, p[:, i]))
            assert pr.area == pytest.approx(metrics.average_precision_score(y == i, p[:, i]))
            fpr, tpr, _ = metrics.roc_curve(y == i, p[:, i])
            np.testing.assert_allclose(roc.x, fpr)
            np.testing.assert_allclose(roc.y, tpr)


def test_the_misclassified_table_lists_every_mistake_most_confident_first():
    y, p = _fixed_predictions(3, n=60)
    rows = np.arange(101, 161)
    ev = classification_evaluation(y, p, ["a", "b", "c"], row_numbers=rows)
    wrong = np.flatnonzero(p.argmax(axis=1) != y)
    assert ev.n_misclassified == len(wrong) > 0
    assert sorted(m.row for m in ev.misclassified) == sorted(rows[wrong].tolist())
    confidences = [m.confidence for m in ev.misclassified]
    assert confidences == sorted(confidences, reverse=True)
    first = ev.misclassified[0]
    assert first.true != first.predicted
    assert sum(first.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    assert first.probabilities[first.predicted] == pytest.approx(first.confidence, abs=1e-6)


def test_regression_errors_agree_with_scikit_learn():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(80, 2))
    pred = y + rng.normal(scale=0.3, size=(80, 2))
    ev = regression_evaluation(y, pred, ["a", "b"])
    for j, t in enumerate(ev.targets):
        assert t.mae == pytest.approx(metrics.mean_absolute_error(y[:, j], pred[:, j]))
        assert t.rmse == pytest.approx(np.sqrt(metrics.mean_squared_error(y[:, j], pred[:, j])))
        assert t.r2 == pytest.approx(metrics.r2_score(y[:, j], pred[:, j]))
        np.testing.assert_allclose(t.residuals, y[:, j] - pred[:, j])
        assert int(t.counts.sum()) == 80


def _trained(path, epochs: int, **data):
    project = load_project(path)
    if data:
        project.data = project.data.replace(**data)
    project.training = project.training.replace(epochs=epochs)
    plan = plan_run(project)
    store_result(project, plan, train(plan.job, policy=ReportPolicy(batches=False)))
    return project


def test_a_trained_project_is_evaluated_on_its_validation_and_test_rows():
    project = _trained(SAMPLES / "iris.nnsproj", 30)
    result = evaluate_project(project, feature="petal width (cm)")
    assert [s.split for s in result.splits] == ["validation", "test"]
    assert result.splits[0].rows == result.splits[1].rows == 23  # 15 % of 150 each
    assert result.importance is not None
    assert {f.feature for f in result.importance.features} == set(
        project.preprocessor.feature_columns
    )
    pd = result.partial_dependence
    assert pd is not None and len(pd.values) == 20
    # More petal width, more virginica: the curve the lesson draws.
    assert pd.outputs["virginica"][-1] > pd.outputs["virginica"][0]


def test_permutation_importance_ranks_ram_first_on_the_phone_data(mobile_csv):
    trust.allow(mobile_csv)  # the course's data, beside the repository
    project = _trained(
        SAMPLES / "mobile_price.nnsproj",
        3,
        source=DataSource(kind="csv", path=str(mobile_csv)),
    )
    result = evaluate_project(project)
    ranking = [f.feature for f in result.importance.features]
    assert ranking[0] == "ram"
    assert result.importance.features[0].importance > 0
