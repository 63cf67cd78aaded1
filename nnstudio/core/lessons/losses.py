"""The loss lesson's worked examples (seed notes §4, and softmax from §2), term by term.

Each example is computed with ``torch.nn.functional`` — the function a training script
calls — and, beside it, element by element with the formula as the lesson writes it, so a
student sees that the library's number is nothing but the mean of the terms in the table.
The lesson's inputs are the defaults; the view lets a student edit them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from nnstudio.core.lessons.lesson_inputs import LessonInputError, parse_matrix, parse_vector
from nnstudio.i18n import N_, Text

__all__ = [
    "LESSON_LOSSES",
    "LossField",
    "LossLesson",
    "LossTable",
    "compute_loss",
    "loss_lesson",
]

Cell = float | int


@dataclass(frozen=True)
class LossTable:
    """What one example computes: the value, and the per-element terms it is the mean of."""

    key: str
    #: The result of the ``torch.nn.functional`` call (softmax: the largest probability).
    value: float
    #: Digits the lesson shows the value with.
    decimals: int
    #: Column titles (English, marked for translation: show with ``_()``).
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    #: The mean (or, for softmax, the sum) of the last column: equal to ``value`` for losses.
    total: float
    #: The torch call that produced ``value``, as a student would write it.
    call: str

    def shown(self) -> str:
        """``value`` to the lesson's precision, e.g. ``0.70`` or ``0.6868``."""
        return f"{self.value:.{self.decimals}f}"


@dataclass(frozen=True)
class LossField:
    """One editable input of an example: its name, its label (marked) and the lesson's text."""

    name: str
    label: str
    default: str


@dataclass(frozen=True)
class LossLesson:
    """One worked example of the lesson."""

    key: str
    title: str
    formula: str
    fields: tuple[LossField, ...]
    decimals: int
    #: What the lesson prints, to ``decimals`` digits.
    lesson_value: float
    #: What the table's last column means (marked).
    note: str
    compute: Callable[[Mapping[str, str], bool], LossTable]

    def defaults(self) -> dict[str, str]:
        return {f.name: f.default for f in self.fields}


def _pair(inputs: Mapping[str, str]) -> tuple[torch.Tensor, torch.Tensor]:
    pred = parse_vector(inputs["pred"], name="ŷ")
    true = parse_vector(inputs["true"], name="y")
    if len(pred) != len(true):
        raise LessonInputError(
            Text(
                N_("ŷ has {n} values but y has {m}; give one target per prediction"),
                n=len(pred),
                m=len(true),
            )
        )
    # float32 like the lesson's torch.tensor([...]): the printed digits come out the same.
    return torch.tensor(pred), torch.tensor(true)


def _rows(*columns: torch.Tensor) -> tuple[tuple[Cell, ...], ...]:
    # Integer columns (sample, class index) stay integers so they are shown as such.
    lists = [col.tolist() for col in columns]
    return tuple(
        tuple(c if isinstance(c, int) else float(c) for c in row)
        for row in zip(*lists, strict=True)
    )


def _l1(inputs: Mapping[str, str], _pitfall: bool = False) -> LossTable:
    pred, true = _pair(inputs)
    terms = (pred - true).abs()
    return LossTable(
        "l1",
        float(F.l1_loss(pred, true)),
        2,
        (N_("ŷ (prediction)"), N_("y (target)"), "|ŷ − y|"),
        _rows(pred, true, terms),
        float(terms.mean()),
        "F.l1_loss(pred, true)",
    )


def _mse(inputs: Mapping[str, str], _pitfall: bool = False) -> LossTable:
    pred, true = _pair(inputs)
    terms = (pred - true) ** 2
    return LossTable(
        "mse",
        float(F.mse_loss(pred, true)),
        2,
        (N_("ŷ (prediction)"), N_("y (target)"), "(ŷ − y)²"),
        _rows(pred, true, terms),
        float(terms.mean()),
        "F.mse_loss(pred, true)",
    )


def _smooth_l1(inputs: Mapping[str, str], _pitfall: bool = False) -> LossTable:
    pred, true = _pair(inputs)
    d = pred - true
    # Inside [-1, 1] the square (gentle near the answer), outside the absolute value (an
    # outlier pulls no harder than linearly).
    terms = torch.where(d.abs() < 1.0, 0.5 * d**2, d.abs() - 0.5)
    return LossTable(
        "smooth_l1",
        float(F.smooth_l1_loss(pred, true)),
        2,
        (N_("ŷ (prediction)"), N_("y (target)"), "d = ŷ − y", N_("term")),
        _rows(pred, true, d, terms),
        float(terms.mean()),
        "F.smooth_l1_loss(pred, true)",
    )


def _bce(inputs: Mapping[str, str], _pitfall: bool = False) -> LossTable:
    pred, true = _pair(inputs)
    if bool(((pred <= 0) | (pred >= 1)).any()):
        raise LessonInputError(
            Text(N_("BCE takes probabilities (after a sigmoid): every p must lie between 0 and 1"))
        )
    if bool(((true < 0) | (true > 1)).any()):
        raise LessonInputError(Text(N_("BCE targets must lie between 0 and 1")))
    terms = -(true * pred.log() + (1 - true) * (1 - pred).log())
    return LossTable(
        "bce",
        float(F.binary_cross_entropy(pred, true)),
        4,
        (N_("p (after sigmoid)"), N_("y (target)"), "−[y·ln p + (1 − y)·ln(1 − p)]"),
        _rows(pred, true, terms),
        float(terms.mean()),
        "F.binary_cross_entropy(pred, true)",
    )


def _cross_entropy(inputs: Mapping[str, str], pitfall: bool = False) -> LossTable:
    logits = torch.tensor(parse_matrix(inputs["logits"], name=N_("logits")))
    raw_classes = parse_vector(inputs["classes"], name=N_("classes"))
    n_rows, n_classes = logits.shape
    if len(raw_classes) != n_rows:
        raise LessonInputError(
            Text(
                N_("{n} rows of logits but {m} classes; give one class index per row"),
                n=n_rows,
                m=len(raw_classes),
            )
        )
    bad = [c for c in raw_classes if c != int(c) or not 0 <= c < n_classes]
    if bad:
        raise LessonInputError(
            Text(
                N_("class {value:g} is not an index from 0 to {last} (int64 class indices)"),
                value=bad[0],
                last=n_classes - 1,
            )
        )
    classes = torch.tensor([int(c) for c in raw_classes], dtype=torch.int64)
    # The pitfall of one lesson's code: a Softmax layer before CrossEntropyLoss, which applies
    # softmax again inside, so the loss sees probabilities as if they were logits.
    scores = logits.softmax(dim=1) if pitfall else logits
    probs = scores.softmax(dim=1)
    picked = probs[torch.arange(n_rows), classes]
    terms = -scores.log_softmax(dim=1)[torch.arange(n_rows), classes]
    return LossTable(
        "cross_entropy",
        float(F.cross_entropy(scores, classes)),
        4,
        (N_("sample"), N_("class c"), "softmax(z)[c]", "−ln softmax(z)[c]"),
        _rows(torch.arange(n_rows), classes, picked, terms),
        float(terms.mean()),
        "F.cross_entropy(logits.softmax(1), classes)"
        if pitfall
        else "F.cross_entropy(logits, classes)",
    )


def _softmax(inputs: Mapping[str, str], _pitfall: bool = False) -> LossTable:
    scores = torch.tensor(parse_vector(inputs["scores"], name=N_("scores")))
    probs = F.softmax(scores, dim=0)
    exps = scores.exp()
    return LossTable(
        "softmax",
        float(probs.max()),
        4,
        ("x", "eˣ", "p = eˣ / Σ eˣ"),
        _rows(scores, exps, probs),
        float(probs.sum()),
        "F.softmax(scores, dim=0)",
    )


_PRED = N_("ŷ (predictions)")
_TRUE = N_("y (targets)")

LESSON_LOSSES: tuple[LossLesson, ...] = (
    LossLesson(
        "l1",
        N_("L1 / MAE"),
        "L1 = (1/n) · Σ |ŷᵢ − yᵢ|",
        (LossField("pred", _PRED, "1, 1, 1.9"), LossField("true", _TRUE, "2, 2, 2")),
        2,
        0.70,
        N_("The loss is the mean of the last column."),
        _l1,
    ),
    LossLesson(
        "mse",
        N_("MSE"),
        "MSE = (1/n) · Σ (ŷᵢ − yᵢ)²",
        (LossField("pred", _PRED, "1, 1, 1.9"), LossField("true", _TRUE, "2, 2, 2")),
        2,
        0.67,
        N_("The loss is the mean of the last column."),
        _mse,
    ),
    LossLesson(
        "smooth_l1",
        N_("Smooth L1"),
        "SmoothL1 = (1/n) · Σ { 0.5·dᵢ²  if |dᵢ| < 1;  |dᵢ| − 0.5  otherwise },  dᵢ = ŷᵢ − yᵢ",
        (LossField("pred", _PRED, "0.6, 0.4"), LossField("true", _TRUE, "0, 3")),
        2,
        1.14,
        N_("The loss is the mean of the last column: L2 inside [−1, 1], L1 outside."),
        _smooth_l1,
    ),
    LossLesson(
        "bce",
        N_("Binary cross-entropy (BCE)"),
        "BCE = −(1/n) · Σ [yᵢ·ln pᵢ + (1 − yᵢ)·ln(1 − pᵢ)]",
        (
            LossField("pred", N_("p (probabilities after sigmoid)"), "0.6901, 0.5459, 0.2469"),
            LossField("true", _TRUE, "0, 1, 0"),
        ),
        4,
        0.6868,
        N_("The loss is the mean of the last column."),
        _bce,
    ),
    LossLesson(
        "cross_entropy",
        N_("Cross-entropy"),
        "CE = (1/n) · Σ −ln softmax(zᵢ)[cᵢ]   (log-softmax + NLL)",
        (
            LossField("logits", N_("logits z (rows ; separated)"), "0.2, 0.6, 0.2; 0.1, 0.8, 0.1"),
            LossField("classes", N_("classes c (int64 indices)"), "1, 2"),
        ),
        4,
        1.1201,
        N_("The loss is the mean of the last column. It takes raw logits: no softmax before it."),
        _cross_entropy,
    ),
    LossLesson(
        "softmax",
        N_("Softmax"),
        "softmax(x)ᵢ = e^xᵢ / Σⱼ e^xⱼ",
        (
            LossField(
                "scores",
                N_("scores x (logits)"),
                "0.2, 0.02, 0.15, 0.15, 1.3, 0.5, 0.06, 1.1, 0.05, 3.75",
            ),
        ),
        4,
        0.7392,
        N_("The probabilities sum to 1; the largest is shown as the result."),
        _softmax,
    ),
)


def loss_lesson(key: str) -> LossLesson:
    """The example registered under ``key`` (KeyError if none)."""
    for lesson in LESSON_LOSSES:
        if lesson.key == key:
            return lesson
    raise KeyError(key)


def compute_loss(
    key: str, inputs: Mapping[str, str] | None = None, *, softmax_first: bool = False
) -> LossTable:
    """Compute example ``key`` on ``inputs`` (default: the lesson's).

    ``softmax_first`` (cross-entropy only) reproduces the lesson's pitfall: a Softmax layer
    placed before the loss, so softmax is applied twice. Raises :class:`LessonInputError`.
    """
    lesson = loss_lesson(key)
    values = lesson.defaults()
    values.update(inputs or {})
    return lesson.compute(values, softmax_first)
