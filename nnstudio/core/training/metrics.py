"""Metrics and evaluation: accuracy, RMSE/MAE/R², confusion matrix, per-class scores."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nnstudio.core.lazy import lazy_module

torch = lazy_module("torch", globals())
nn = lazy_module("torch.nn", globals())

EVAL_CHUNK = 8192


def predict_raw(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Network outputs in evaluation mode, in chunks so huge datasets do not exhaust memory."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            if len(x) <= EVAL_CHUNK:
                return model(x)
            return torch.cat([model(x[i : i + EVAL_CHUNK]) for i in range(0, len(x), EVAL_CHUNK)])
    finally:
        model.train(was_training)


def class_predictions(output: torch.Tensor, expects: str = "logits") -> torch.Tensor:
    """Class index per row: argmax, or a threshold for a single (binary) output unit.

    A single unit is a logit for BCE-with-logits (threshold 0); otherwise it is read as a value
    in [0, 1] — a probability after a sigmoid, or a 0/1 output trained with a squared error
    (the perceptron) — and thresholded at 0.5.
    """
    if output.dim() == 1 or output.shape[1] == 1:
        threshold = 0.0 if expects == "logits" else 0.5
        return (output.reshape(-1) > threshold).long()
    return output.argmax(dim=1)


def probabilities(output: torch.Tensor, expects: str) -> torch.Tensor:
    """Class probabilities from raw outputs, given what the loss expects the output to be."""
    if output.dim() == 1 or output.shape[1] == 1:
        p1 = output.reshape(-1)
        p1 = torch.sigmoid(p1) if expects == "logits" else p1.clamp(0.0, 1.0)
        return torch.stack([1 - p1, p1], dim=1)
    if expects == "probabilities":
        return output
    if expects == "log_probabilities":
        return output.exp()
    return torch.softmax(output, dim=1)


def regression_metrics(pred: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
    pred = pred.reshape(target.shape).double()
    target = target.double()
    err = pred - target
    mse = float((err**2).mean())
    ss_res = float((err**2).sum())
    ss_tot = float(((target - target.mean(dim=0)) ** 2).sum())
    return {
        "rmse": mse**0.5,
        "mae": float(err.abs().mean()),
        "r2": 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan"),
    }


@dataclass(frozen=True)
class Evaluation:
    """Loss and metrics of a model on one split."""

    loss: float
    metrics: dict[str, float]


def evaluate(
    model: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    task: str,
    expects: str = "logits",
) -> Evaluation:
    if len(x) == 0:
        return Evaluation(float("nan"), {})
    out = predict_raw(model, x)
    with torch.no_grad():
        loss = float(loss_fn(out, y))
    if task == "classification":
        accuracy = float((class_predictions(out, expects) == y).double().mean())
        return Evaluation(loss, {"accuracy": accuracy})
    return Evaluation(loss, regression_metrics(out, y))


def confusion_matrix(y_true: Sequence[int], y_pred: Sequence[int], n_classes: int) -> np.ndarray:
    """Rows are the true class, columns the predicted class."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)), 1)
    return matrix


@dataclass(frozen=True)
class ClassScores:
    name: str
    precision: float
    recall: float
    f1: float
    support: int


def per_class_scores(matrix: np.ndarray, class_names: Sequence[str]) -> list[ClassScores]:
    """Precision, recall and F1 per class from a confusion matrix (0 where undefined)."""
    scores = []
    for i, name in enumerate(class_names):
        tp = float(matrix[i, i])
        predicted = float(matrix[:, i].sum())
        actual = float(matrix[i, :].sum())
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(ClassScores(str(name), precision, recall, f1, int(actual)))
    return scores
