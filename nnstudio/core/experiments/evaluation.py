"""How good is a trained project, and why: the evaluation a practitioner expects.

Accuracy alone hides which classes the model confuses and how sure it is; a practitioner looks
at per-class precision, recall and F1, at ROC and precision-recall curves (one-vs-rest when
there are several classes), at the rows the model got wrong with their probabilities, and for
regression at residuals and the error distribution. Permutation importance and partial
dependence answer "what does the model look at". Everything is computed on rows the model
never trained on: the validation and test splits of the project's data, or every row of
another CSV, always encoded with the preprocessing the weights learned (stored in the project).

Curves and areas come from scikit-learn (a well-kept implementation every practitioner can
check against); the confusion matrix and per-class scores are the ones the training report
already shows (:mod:`nnstudio.core.training.metrics`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch

from nnstudio.core.catalogue.losses import LOSSES
from nnstudio.core.data import Preprocessor, load_table, prepare, read_csv
from nnstudio.core.errors import DataError, TrainingError
from nnstudio.core.training.metrics import (
    class_predictions,
    confusion_matrix,
    per_class_scores,
    predict_raw,
    probabilities,
)
from nnstudio.core.training.plan import TrainableProject, trained_model
from nnstudio.i18n import N_, Text

#: How many misclassified rows an evaluation keeps (the most confident mistakes first).
MAX_MISCLASSIFIED = 200
#: Bins of the regression error histogram.
ERROR_BINS = 20
#: Points of a partial-dependence curve.
PD_POINTS = 20


# --- the rows to evaluate -------------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationRows:
    """One set of rows the model did not train on, encoded as the model reads them."""

    #: "validation", "test" or "data" (every row of another CSV).
    split: str
    #: 1-based row numbers in the CSV (header not counted), for the misclassified table.
    row_numbers: np.ndarray
    x: np.ndarray
    y: np.ndarray


def evaluation_rows(
    project: TrainableProject,
    data: str | os.PathLike[str] | None = None,
) -> list[EvaluationRows]:
    """The validation and (when there is one) test rows of the project's data, or every row
    of the CSV ``data``; encoded with the project's stored preprocessing.

    The split is the project's own (same seed and fractions), so these are exactly the rows
    training held out. Raises TrainingError for an untrained project, DataError for bad data.
    """
    pre = _preprocessor(project)
    if data is not None:
        frame = read_csv(data).frame.reset_index(drop=True)
        frame.columns = [str(c) for c in frame.columns]
        numbers = np.arange(1, len(frame) + 1)
        return [_encode("data", pre, frame, numbers)]
    if project.data.source.kind == "none":
        raise DataError(Text(N_("the project has no data to evaluate on")), where="data")
    table = load_table(project.data.source, project.base_dir)
    prepared = prepare(table, project.data)
    frame = table.frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    rows = []
    for split, index in (("validation", prepared.index_val), ("test", prepared.index_test)):
        if len(index):
            rows.append(_encode(split, pre, frame.iloc[index], np.asarray(index) + 1))
    if not rows:
        raise DataError(
            Text(
                N_(
                    "the project's split keeps no validation or test rows: give them a "
                    "fraction, or evaluate on another CSV"
                )
            ),
            where="split",
        )
    return rows


def _preprocessor(project: TrainableProject) -> Preprocessor:
    if project.weights is None or project.preprocessor is None:
        raise TrainingError(
            Text(N_("this project has no trained weights yet: train the project first"))
        )
    return project.preprocessor


def _encode(
    split: str, pre: Preprocessor, frame: pd.DataFrame, numbers: np.ndarray
) -> EvaluationRows:
    x = pre.transform(frame, row_numbers=numbers)
    y = pre.encode_targets(frame, row_numbers=numbers)
    return EvaluationRows(split, np.asarray(numbers, dtype=np.int64), x, y)


# --- classification --------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassReport:
    """Precision, recall and F1 of one class, with its support (true rows of the class)."""

    name: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Curve:
    """A ROC curve (x = false-positive rate, y = true-positive rate, area = ROC AUC) or a
    precision-recall curve (x = recall, y = precision, area = average precision) of one class
    against the rest."""

    name: str
    x: np.ndarray
    y: np.ndarray
    area: float


@dataclass(frozen=True)
class Misclassified:
    """A row the model got wrong, with every class's probability."""

    row: int
    true: str
    predicted: str
    #: Probability the model gave its (wrong) prediction.
    confidence: float
    probabilities: dict[str, float]


@dataclass(frozen=True)
class ClassificationEvaluation:
    split: str
    rows: int
    accuracy: float
    class_names: list[str]
    classes: list[ClassReport]
    macro: ClassReport
    weighted: ClassReport
    confusion: np.ndarray
    roc: list[Curve]
    pr: list[Curve]
    #: Macro average of the one-vs-rest ROC AUCs (the binary AUC with two classes).
    roc_auc: float
    misclassified: list[Misclassified]
    n_misclassified: int
    task: str = "classification"

    def to_dict(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "rows": self.rows,
            "accuracy": self.accuracy,
            "classes": [_class_dict(c) for c in self.classes],
            "macro_avg": _class_dict(self.macro),
            "weighted_avg": _class_dict(self.weighted),
            "confusion_matrix": self.confusion.tolist(),
            "roc_auc": _finite(self.roc_auc),
            "roc": [
                {"class": c.name, "auc": _finite(c.area), "fpr": _list(c.x), "tpr": _list(c.y)}
                for c in self.roc
            ],
            "pr": [
                {
                    "class": c.name,
                    "average_precision": _finite(c.area),
                    "recall": _list(c.x),
                    "precision": _list(c.y),
                }
                for c in self.pr
            ],
            "misclassified_count": self.n_misclassified,
            "misclassified": [
                {
                    "row": m.row,
                    "true": m.true,
                    "predicted": m.predicted,
                    "confidence": m.confidence,
                    "probabilities": m.probabilities,
                }
                for m in self.misclassified
            ],
        }


def _class_dict(c: ClassReport) -> dict[str, Any]:
    return {
        "class": c.name,
        "precision": c.precision,
        "recall": c.recall,
        "f1": c.f1,
        "support": c.support,
    }


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _list(values: np.ndarray) -> list[float]:
    return [float(v) for v in np.round(np.asarray(values, dtype=np.float64), 6)]


def classification_evaluation(
    y_true: Sequence[int] | np.ndarray,
    proba: np.ndarray,
    class_names: Sequence[str],
    *,
    split: str = "validation",
    row_numbers: Sequence[int] | None = None,
    y_pred: Sequence[int] | np.ndarray | None = None,
) -> ClassificationEvaluation:
    """Scores and curves from true class ids and class probabilities ``[rows, classes]``.

    ``y_pred`` defaults to the most probable class (pass the model's own decision when it
    thresholds differently). With two classes the ROC and PR curves are the positive class's
    (class 1); with more, one curve per class against the rest.
    """
    from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_curve

    y_true = np.asarray(y_true, dtype=np.int64)
    proba = np.asarray(proba, dtype=np.float64)
    names = [str(c) for c in class_names]
    k = len(names)
    y_pred = proba.argmax(axis=1) if y_pred is None else np.asarray(y_pred, dtype=np.int64)
    rows = len(y_true)
    numbers = np.arange(1, rows + 1) if row_numbers is None else np.asarray(row_numbers)
    matrix = confusion_matrix(y_true, y_pred, k)
    classes = [
        ClassReport(s.name, s.precision, s.recall, s.f1, s.support)
        for s in per_class_scores(matrix, names)
    ]
    support = np.array([c.support for c in classes], dtype=np.float64)
    macro = _average("macro avg", classes, np.ones(k))
    weighted = _average("weighted avg", classes, support)

    roc: list[Curve] = []
    pr: list[Curve] = []
    curve_classes = [1] if k == 2 else list(range(k))
    for i in curve_classes:
        positive = (y_true == i).astype(np.int64)
        score = proba[:, i]
        if positive.min(initial=1) == positive.max(initial=0):
            # A class absent (or alone) in these rows has no curve: AUC is undefined.
            roc.append(Curve(names[i], np.zeros(0), np.zeros(0), float("nan")))
            pr.append(Curve(names[i], np.zeros(0), np.zeros(0), float("nan")))
            continue
        fpr, tpr, _ = roc_curve(positive, score)
        roc.append(Curve(names[i], fpr, tpr, float(auc(fpr, tpr))))
        precision, recall, _ = precision_recall_curve(positive, score)
        pr.append(
            Curve(names[i], recall, precision, float(average_precision_score(positive, score)))
        )
    areas = [c.area for c in roc if math.isfinite(c.area)]
    roc_auc = float(np.mean(areas)) if areas and len(areas) == len(roc) else float("nan")

    wrong = np.flatnonzero(y_pred != y_true)
    confidence = proba[wrong, y_pred[wrong]] if len(wrong) else np.zeros(0)
    order = wrong[np.argsort(-confidence, kind="stable")][:MAX_MISCLASSIFIED]
    misclassified = [
        Misclassified(
            int(numbers[i]),
            names[int(y_true[i])],
            names[int(y_pred[i])],
            float(proba[i, y_pred[i]]),
            {names[j]: round(float(proba[i, j]), 6) for j in range(k)},
        )
        for i in order
    ]
    accuracy = float((y_pred == y_true).mean()) if rows else float("nan")
    return ClassificationEvaluation(
        split,
        rows,
        accuracy,
        names,
        classes,
        macro,
        weighted,
        matrix,
        roc,
        pr,
        roc_auc,
        misclassified,
        len(wrong),
    )


def _average(name: str, classes: list[ClassReport], weights: np.ndarray) -> ClassReport:
    total = float(weights.sum())

    def mean(values: list[float]) -> float:
        return float(np.dot(values, weights) / total) if total else 0.0

    return ClassReport(
        name,
        mean([c.precision for c in classes]),
        mean([c.recall for c in classes]),
        mean([c.f1 for c in classes]),
        int(sum(c.support for c in classes)),
    )


# --- regression ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetErrors:
    """Errors of one regression target: residual = true − predicted."""

    name: str
    mae: float
    rmse: float
    r2: float
    predicted: np.ndarray
    residuals: np.ndarray
    #: Histogram of the residuals: counts per bin and the ``len(counts) + 1`` bin edges.
    counts: np.ndarray
    edges: np.ndarray


@dataclass(frozen=True)
class RegressionEvaluation:
    split: str
    rows: int
    targets: list[TargetErrors]
    task: str = "regression"

    def to_dict(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "rows": self.rows,
            "targets": [
                {
                    "target": t.name,
                    "mae": t.mae,
                    "rmse": t.rmse,
                    "r2": _finite(t.r2),
                    "residual_histogram": {
                        "counts": [int(c) for c in t.counts],
                        "edges": _list(t.edges),
                    },
                    "predicted": _list(t.predicted),
                    "residuals": _list(t.residuals),
                }
                for t in self.targets
            ],
        }


def regression_evaluation(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    target_names: Sequence[str],
    *,
    split: str = "validation",
) -> RegressionEvaluation:
    """MAE, RMSE, R², residuals and an error histogram per target column."""
    y_true = np.asarray(y_true, dtype=np.float64).reshape(len(y_true), -1)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(y_true.shape)
    targets = []
    for j, name in enumerate(target_names):
        t, p = y_true[:, j], y_pred[:, j]
        residuals = t - p
        ss_tot = float(((t - t.mean()) ** 2).sum()) if len(t) else 0.0
        ss_res = float((residuals**2).sum())
        counts, edges = (
            np.histogram(residuals, bins=ERROR_BINS)
            if len(t)
            else (
                np.zeros(0, dtype=np.int64),
                np.zeros(0),
            )
        )
        targets.append(
            TargetErrors(
                str(name),
                float(np.abs(residuals).mean()) if len(t) else float("nan"),
                float(np.sqrt((residuals**2).mean())) if len(t) else float("nan"),
                1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan"),
                p,
                residuals,
                counts,
                edges,
            )
        )
    return RegressionEvaluation(split, len(y_true), targets)


# --- a trained project -----------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureImportance:
    """How much the loss grows when one input column is shuffled (mean and spread over
    repeats): 0 for a column the model ignores."""

    feature: str
    importance: float
    std: float


@dataclass(frozen=True)
class Importance:
    split: str
    #: "log_loss" (classification) or "mse" (regression): the loss that grows.
    metric: str
    baseline: float
    features: list[FeatureImportance]

    def to_dict(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "metric": self.metric,
            "baseline": self.baseline,
            "features": [
                {"feature": f.feature, "importance": f.importance, "std": f.std}
                for f in self.features
            ],
        }


@dataclass(frozen=True)
class PartialDependence:
    """The model's mean output while one input column sweeps its range, others as they are.

    ``values`` are the column's raw values (before scaling); ``outputs`` maps each class (its
    mean probability) or target (its mean prediction) to one value per point.
    """

    feature: str
    split: str
    values: list[float | str]
    outputs: dict[str, list[float]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "split": self.split,
            "values": self.values,
            "outputs": {k: [round(v, 6) for v in vs] for k, vs in self.outputs.items()},
        }


@dataclass
class ProjectEvaluation:
    """Everything :func:`evaluate_project` found, per split."""

    task: str
    splits: list[ClassificationEvaluation | RegressionEvaluation]
    importance: Importance | None = None
    partial_dependence: PartialDependence | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "task": self.task,
            "splits": [s.to_dict() for s in self.splits],
            "importance": self.importance.to_dict() if self.importance else None,
        }
        if self.partial_dependence is not None:
            out["partial_dependence"] = self.partial_dependence.to_dict()
        return out


class _Model:
    """The trained network as a function of encoded rows: raw outputs, probabilities, and
    the decision the training metrics use."""

    def __init__(self, project: TrainableProject) -> None:
        self.pre = _preprocessor(project)
        self.module = trained_model(project)
        self.expects = LOSSES.get(project.training.loss["name"]).expects
        self.task = self.pre.task

    def raw(self, x: np.ndarray) -> torch.Tensor:
        with torch.no_grad():
            return predict_raw(self.module, torch.from_numpy(np.ascontiguousarray(x))).float()

    def proba(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = self.raw(x)
        p = probabilities(out, self.expects).double().numpy()
        return p, class_predictions(out, self.expects).numpy()

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.raw(x).double().numpy().reshape(len(x), -1)

    def loss(self, x: np.ndarray, y: np.ndarray) -> float:
        """Log loss of the class probabilities (classification) or mean squared error.

        A loss rather than accuracy: it moves as soon as the probabilities move, so an
        input's importance shows even while the decisions have not changed yet (early in
        training, or on a small split).
        """
        if self.task == "classification":
            p, _ = self.proba(x)
            picked = p[np.arange(len(y)), np.asarray(y, dtype=np.int64)]
            return float(-np.log(np.clip(picked, 1e-15, 1.0)).mean())
        true = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        return float(((true - self.predict(x)) ** 2).mean())


def evaluate_project(
    project: TrainableProject,
    *,
    data: str | os.PathLike[str] | None = None,
    importance: bool = True,
    feature: str | None = None,
    repeats: int = 5,
    seed: int = 0,
) -> ProjectEvaluation:
    """Evaluate a trained project on its held-out rows (or every row of the CSV ``data``).

    ``importance`` adds permutation importance and ``feature`` a partial-dependence curve,
    both on the first evaluated split (validation, or the other CSV's rows).
    """
    model = _Model(project)
    pre = model.pre
    splits: list[ClassificationEvaluation | RegressionEvaluation] = []
    parts = evaluation_rows(project, data)
    for part in parts:
        if model.task == "classification":
            proba, decided = model.proba(part.x)
            splits.append(
                classification_evaluation(
                    part.y,
                    proba,
                    pre.class_names,
                    split=part.split,
                    row_numbers=part.row_numbers,
                    y_pred=decided,
                )
            )
        else:
            splits.append(
                regression_evaluation(
                    part.y, model.predict(part.x), pre.target_columns, split=part.split
                )
            )
    result = ProjectEvaluation(model.task, splits, warnings=list(pre.warnings))
    first = parts[0]
    if importance:
        result.importance = permutation_importance(model, first, repeats=repeats, seed=seed)
    if feature is not None:
        result.partial_dependence = partial_dependence(model, first, feature)
    return result


def _feature_blocks(pre: Preprocessor) -> list[tuple[str, slice]]:
    """Each input column and the slice of encoded inputs it became (one-hot: several)."""
    blocks, position = [], 0
    for recipe in pre.columns:
        width = len(recipe.output_names)
        blocks.append((recipe.name, slice(position, position + width)))
        position += width
    return blocks


def permutation_importance(
    model: _Model, rows: EvaluationRows, *, repeats: int = 5, seed: int = 0
) -> Importance:
    """Shuffle one input column at a time (all its one-hot inputs together, so a category is
    moved whole) and measure how much the loss grows; the strongest feature first."""
    rng = np.random.default_rng(seed)
    baseline = model.loss(rows.x, rows.y)
    found = []
    for name, block in _feature_blocks(model.pre):
        drops = []
        for _ in range(repeats):
            shuffled = rows.x.copy()
            shuffled[:, block] = rows.x[rng.permutation(len(rows.x))][:, block]
            drops.append(model.loss(shuffled, rows.y) - baseline)
        found.append(FeatureImportance(name, float(np.mean(drops)), float(np.std(drops))))
    found.sort(key=lambda f: -f.importance)
    metric = "log_loss" if model.task == "classification" else "mse"
    return Importance(rows.split, metric, baseline, found)


def partial_dependence(model: _Model, rows: EvaluationRows, feature: str) -> PartialDependence:
    """Sweep ``feature`` over its range (numeric: evenly from the 5th to the 95th percentile of
    these rows; categorical: every category) with every other input as it is."""
    pre = model.pre
    recipes = {r.name: r for r in pre.columns}
    if feature not in recipes:
        known = ", ".join(recipes)
        raise DataError(
            Text(
                N_("{name} is not an input column of this model ({known})"),
                name=feature,
                known=known,
            ),
            where=feature,
        )
    recipe = recipes[feature]
    block = dict(_feature_blocks(pre))[feature]
    values: list[float | str] = []
    encoded: list[np.ndarray] = []
    if recipe.kind == "numeric":
        raw = rows.x[:, block.start] * recipe.scale + recipe.center
        lo, hi = np.percentile(raw, [5, 95]) if len(raw) else (0.0, 0.0)
        for v in np.linspace(lo, hi, PD_POINTS):
            values.append(round(float(v), 6))
            encoded.append(np.array([(v - recipe.center) / recipe.scale]))
    else:
        for i, category in enumerate(recipe.categories):
            values.append(category)
            onehot = np.zeros(len(recipe.categories))
            onehot[i] = 1.0
            encoded.append(onehot)
    classes = model.task == "classification"
    keys = list(pre.class_names) if classes else list(pre.target_columns)
    outputs: dict[str, list[float]] = {k: [] for k in keys}
    for code in encoded:
        x = rows.x.copy()
        x[:, block] = code.astype(np.float32)
        if model.task == "classification":
            mean = model.proba(x)[0].mean(axis=0)
        else:
            mean = model.predict(x).mean(axis=0)
        for k, value in zip(keys, mean, strict=False):
            outputs[k].append(float(value))
    return PartialDependence(feature, rows.split, values, outputs)
