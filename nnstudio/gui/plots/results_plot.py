"""Results after training: a confusion matrix and per-class scores, or predicted vs true.

Computed on the GUI thread from the trained model once the worker thread has finished (so
the model is not in use), on the validation split by default: the data the network did not
learn from. The split in use is always named, because scores on training data flatter.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from nnstudio.core.training.metrics import (
    ClassScores,
    class_predictions,
    confusion_matrix,
    per_class_scores,
    predict_raw,
    regression_metrics,
)
from nnstudio.gui import theme
from nnstudio.gui.plots.base import (
    LegendAbove,
    PlotContext,
    PlotHint,
    PlotView,
    make_plot,
    series_color,
    view_point,
)
from nnstudio.gui.plots.export import Table, save_png
from nnstudio.gui.plots.record import PLAN, RESULTS, RUN
from nnstudio.i18n import N_, _, pgettext

__all__ = ["Results", "ResultsView", "compute_results", "split_name", "split_title", "splits_of"]

SPLITS = (
    ("validation", "x_val", "y_val"),
    ("test", "x_test", "y_test"),
    ("training", "x_train", "y_train"),
)
WAITING_HINT = N_("Results appear when training finishes.")
#: Supplies (model, what the loss expects the outputs to be), or None when no model is usable.
ModelSource = Callable[[], "tuple[Any, str] | None"]


@dataclass(frozen=True)
class Results:
    """What the Results tab shows for one split."""

    split: str
    task: str
    n: int
    class_names: list[str] = field(default_factory=list)
    matrix: np.ndarray | None = None
    scores: list[ClassScores] = field(default_factory=list)
    accuracy: float = math.nan
    target_names: list[str] = field(default_factory=list)
    y_true: np.ndarray | None = None
    y_pred: np.ndarray | None = None
    metrics: dict[str, float] = field(default_factory=dict)


def split_name(split: str) -> str:
    """A split ("validation", "test", "training") as the tab names it, translated."""
    names = {
        "validation": pgettext("split", "validation"),
        "test": pgettext("split", "test"),
        "training": pgettext("split", "training"),
    }
    return names.get(split, split)


def split_title(split: str) -> str:
    """ "Validation split" and the like, translated: the start of the Results read-out."""
    titles = {
        "validation": _("Validation split"),
        "test": _("Test split"),
        "training": _("Training split"),
    }
    return titles.get(split, split)


def splits_of(prepared: Any) -> list[str]:
    """Non-empty splits, validation first."""
    return [name for name, x, _y in SPLITS if len(getattr(prepared, x))]


def compute_results(model: Any, prepared: Any, expects: str, split: str) -> Results:
    """Evaluate ``model`` on one split of ``prepared``."""
    attrs = {name: (x, y) for name, x, y in SPLITS}
    x = getattr(prepared, attrs[split][0])
    y = getattr(prepared, attrs[split][1])
    device = next(model.parameters()).device
    out = predict_raw(model, x.to(device)).detach().cpu()
    if prepared.task == "classification":
        names = list(prepared.class_names) or [str(i) for i in range(prepared.n_classes)]
        k = max(len(names), int(prepared.n_classes))
        pred = class_predictions(out, expects).numpy()
        true = y.numpy().reshape(-1)
        matrix = confusion_matrix(true, pred, k)
        acc = float(np.trace(matrix) / matrix.sum()) if matrix.sum() else math.nan
        return Results(
            split, "classification", len(true), names, matrix, per_class_scores(matrix, names), acc
        )
    pred = out.reshape(y.shape).double()
    metrics = regression_metrics(pred, y)
    true = y.double().numpy().reshape(len(y), -1)
    return Results(
        split,
        "regression",
        len(y),
        target_names=list(prepared.target_names),
        y_true=true,
        y_pred=pred.numpy().reshape(len(y), -1),
        metrics=metrics,
    )


class ResultsView(PlotView):
    """Tab "Results"."""

    title = N_("Results")
    file_stem = "results"
    topics = frozenset({RESULTS, RUN, PLAN})

    def __init__(self, context: PlotContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.model_source: ModelSource = lambda: None
        self.split_box = QComboBox(self)
        self.split_box.setToolTip(
            _(
                "Which rows to evaluate. Validation (or test) rows were never trained on: "
                "scores on the training rows look better than the network really is."
            )
        )
        self.split_box.currentIndexChanged.connect(self._on_split_changed)
        self.bar.addWidget(QLabel(_("Evaluate on"), self))
        self.bar.addWidget(self.split_box)
        self.finish_bar()
        # The scores table sits beside the plot: swap the graphics for a row holding both.
        outer = self.layout()
        outer.removeWidget(self.graphics)
        self.body = QWidget(self)
        row = QHBoxLayout(self.body)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.graphics, 3)
        self.table = QTableWidget(self.body)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setAlternatingRowColors(True)
        self.table.setStyleSheet("QTableWidget { font-size: 8pt; }")
        self.table.setMaximumWidth(480)
        self.table.setMinimumWidth(300)
        row.addWidget(self.table, 2)
        outer.addWidget(self.body, 1)
        self.results: Results | None = None
        self._cache: dict[str, Results] = {}
        self._message = WAITING_HINT
        self.plot: pg.PlotItem | None = None
        self.legend: LegendAbove | None = None
        self.image: pg.ImageItem | None = None
        self.labels: list[pg.TextItem] = []
        self.scatter: list[pg.ScatterPlotItem] = []
        self.hint: PlotHint | None = None
        self._build("none")

    # --- state -----------------------------------------------------------------------------

    def invalidate(self, message: str = WAITING_HINT) -> None:
        """The model or data changed: forget computed results."""
        self._cache = {}
        self.results = None
        self._message = message
        self.dirty = True

    def reset(self) -> None:
        super().reset()
        self.invalidate()

    def _on_split_changed(self, _index: int) -> None:
        self.dirty = True
        if self.isVisible():
            self.ensure_fresh()

    def _sync_splits(self) -> None:
        prepared = self.context.prepared
        names = splits_of(prepared) if prepared is not None else []
        current = [self.split_box.itemData(i) for i in range(self.split_box.count())]
        if names != current:
            chosen = self.split_box.currentData()
            self.split_box.blockSignals(True)
            self.split_box.clear()
            for name in names:
                self.split_box.addItem(split_name(name), name)
            if chosen in names:
                self.split_box.setCurrentIndex(names.index(chosen))
            self.split_box.blockSignals(False)
        self.split_box.setEnabled(bool(names))

    def current_split(self) -> str:
        """The split chosen in the box ("validation", "test", "training"; "" when none)."""
        return str(self.split_box.currentData() or "")

    def current_results(self) -> Results | None:
        """Results for the chosen split, computing them if a model is available."""
        self._sync_splits()
        split = self.current_split()
        prepared = self.context.prepared
        if not split or prepared is None:
            return None
        if split in self._cache:
            return self._cache[split]
        source = self.model_source()
        if source is None:
            return None
        model, expects = source
        try:
            result = compute_results(model, prepared, expects, split)
        except (RuntimeError, ValueError, IndexError) as exc:  # model and data do not fit
            self._message = _("Cannot evaluate the network on this data:\n{error}").format(
                error=exc
            )
            return None
        self._cache[split] = result
        return result

    # --- drawing ---------------------------------------------------------------------------

    def _build(self, mode: str) -> None:
        ci = self.graphics.ci
        ci.clear()
        self.labels, self.scatter, self.image = [], [], None
        self.legend = None
        if mode == "classification":
            self.plot = make_plot(
                ci, 0, 0, x_label=_("predicted class"), y_label=_("true class"), left_width=60
            )
            self.plot.invertY(True)
            self.plot.setAspectLocked(True)
            self.plot.showGrid(x=False, y=False)
            self.plot.setMouseEnabled(x=False, y=False)
            self.image = pg.ImageItem(axisOrder="row-major")
            self.plot.addItem(self.image)
        elif mode == "regression":
            self.plot = make_plot(ci, 0, 0, x_label=_("true value"), y_label=_("predicted value"))
            # Above the plot: points far from y = x can be in any corner.
            self.legend = LegendAbove(self.plot)
            self.identity = pg.PlotDataItem(
                pen=pg.mkPen(theme.PLANNED, width=1.5, style=Qt.PenStyle.DashLine)
            )
            self.plot.addItem(self.identity)
        else:
            self.plot = make_plot(ci, 0, 0)
            for axis in ("left", "bottom"):
                self.plot.hideAxis(axis)
            self.plot.showGrid(x=False, y=False)
        self.hint = PlotHint(self.plot, "")
        self._mode = mode

    def refresh(self) -> None:
        results = self.current_results()
        self.results = results
        if results is None:
            if self._mode != "none":
                self._build("none")
            assert self.hint is not None
            self.hint.show_text(_(self._message))
            self.table.clear()
            self.table.setRowCount(0)
            self.table.setColumnCount(0)
            self.table.setVisible(False)
            self.set_idle_text("")
            return
        self.table.setVisible(True)
        if self._mode != results.task:
            self._build(results.task)
        if results.task == "classification":
            self._draw_confusion(results)
        else:
            self._draw_regression(results)

    def _draw_confusion(self, r: Results) -> None:
        assert self.plot is not None and self.image is not None and r.matrix is not None
        m = r.matrix.astype(np.float64)
        k = m.shape[0]
        rows = m.sum(axis=1, keepdims=True)
        share = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
        white, blue = np.array([255.0, 255, 255]), np.array(pg.mkColor(theme.TRAIN).getRgb()[:3])
        rgb = white + (blue - white) * share[..., None]
        img = np.empty((k, k, 4), dtype=np.uint8)
        img[..., :3] = rgb.round().astype(np.uint8)
        img[..., 3] = 255
        self.image.setImage(img, autoLevels=False)
        self.image.setRect(QRectF(0, 0, k, k))
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels = []
        size = "9pt" if k <= 5 else "7pt"
        for i in range(k):
            for j in range(k):
                color = theme.TEXT_ON_COLOR.name() if share[i, j] > 0.55 else theme.INK.name()
                text = pg.TextItem(
                    html=f"<span style='font-size:{size}; color:{color}'>{int(m[i, j])}</span>",
                    anchor=(0.5, 0.5),
                )
                text.setPos(j + 0.5, i + 0.5)
                self.plot.addItem(text)
                self.labels.append(text)
        ticks = [[(i + 0.5, _short(n)) for i, n in enumerate(r.class_names[:k])]]
        self.plot.getAxis("bottom").setTicks(ticks)
        self.plot.getAxis("left").setTicks(ticks)
        longest = max((len(t[1]) for t in ticks[0]), default=1)
        self.plot.getAxis("left").setWidth(min(110, 28 + 6 * longest))
        self.plot.setRange(QRectF(0, 0, k, k), padding=0.02)
        self.hint.show_text(None)  # type: ignore[union-attr]
        self._fill_scores(r)
        self.set_idle_text(
            _(
                "{split}, {n} rows · accuracy {accuracy:.1f} % · rows: true class, columns: "
                "predicted; shade = share of the true class."
            ).format(split=split_title(r.split), n=r.n, accuracy=r.accuracy * 100)
        )

    def _fill_scores(self, r: Results) -> None:
        headers = [_("class"), _("precision"), _("recall"), "F1", _("support")]
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(r.scores) + 1)
        for i, s in enumerate(r.scores):
            values = [
                s.name,
                f"{s.precision:.3f}",
                f"{s.recall:.3f}",
                f"{s.f1:.3f}",
                str(s.support),
            ]
            self._set_row(i, values)
        self._set_row(len(r.scores), [_("accuracy"), "", "", f"{r.accuracy:.3f}", str(r.n)])

    def _set_row(self, row: int, values: list[str]) -> None:
        for col, value in enumerate(values):
            item = QTableWidgetItem(value)
            if col:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, col, item)

    def _draw_regression(self, r: Results) -> None:
        assert self.plot is not None and r.y_true is not None and r.y_pred is not None
        for item in self.scatter:
            self.plot.removeItem(item)
        self.scatter = []
        names = r.target_names or [
            _("target {n}").format(n=i + 1) for i in range(r.y_true.shape[1])
        ]
        entries = [(self.identity, _("y = x (perfect)"))]
        for t in range(r.y_true.shape[1]):
            color = series_color(t)
            name = names[t] if t < len(names) else _("target {n}").format(n=t + 1)
            item = pg.ScatterPlotItem(
                r.y_true[:, t],
                r.y_pred[:, t],
                size=6,
                pen=pg.mkPen(theme.POINT_RIM, width=0.6),
                brush=pg.mkBrush(color),
            )
            self.plot.addItem(item)
            self.scatter.append(item)
            entries.append((item, name))
        if self.legend is not None:
            self.legend.set_entries(entries)
        both = np.concatenate([r.y_true.reshape(-1), r.y_pred.reshape(-1)])
        both = both[np.isfinite(both)]
        if both.size:
            lo, hi = float(both.min()), float(both.max())
            pad = (hi - lo) * 0.05 or 1.0
            self.identity.setData([lo - pad, hi + pad], [lo - pad, hi + pad])
        self.hint.show_text(None)  # type: ignore[union-attr]
        headers = [_("metric"), _("value")]
        self.table.clear()
        self.table.setColumnCount(2)
        self.table.setHorizontalHeaderLabels(headers)
        rows = [
            ("RMSE", r.metrics.get("rmse")),
            ("MAE", r.metrics.get("mae")),
            ("R²", r.metrics.get("r2")),
            (_("rows"), r.n),
        ]
        self.table.setRowCount(len(rows))
        for i, (name, value) in enumerate(rows):
            text = (
                str(value)
                if isinstance(value, int)
                else ("—" if value is None or not math.isfinite(value) else f"{value:.4g}")
            )
            self._set_row(i, [name, text])
        self.set_idle_text(
            _(
                "{split}, {n} rows · points on the dashed line are perfect predictions; above "
                "it the network guesses too high."
            ).format(split=split_title(r.split), n=r.n)
        )

    # --- read-outs and export --------------------------------------------------------------

    def hover_text(self, scene_pos: QPointF) -> str | None:
        r = self.results
        p = view_point(self.plot, scene_pos) if self.plot is not None else None
        if r is None or p is None:
            return None
        if r.task == "classification" and r.matrix is not None:
            j, i = math.floor(p.x()), math.floor(p.y())
            k = r.matrix.shape[0]
            if 0 <= i < k and 0 <= j < k:
                count = int(r.matrix[i, j])
                row = int(r.matrix[i].sum())
                share = count / row * 100 if row else 0.0
                return _(
                    "true {true}, predicted {predicted}: {count} rows ({share:.1f} % of true "
                    "{true})"
                ).format(
                    true=r.class_names[i], predicted=r.class_names[j], count=count, share=share
                )
            return None
        if r.y_true is not None and r.y_pred is not None and len(r.y_true):
            pw, ph = self.plot.vb.viewPixelSize()
            d = ((r.y_true[:, 0] - p.x()) / pw) ** 2 + ((r.y_pred[:, 0] - p.y()) / ph) ** 2
            i = int(np.argmin(d))
            if d[i] < 20**2:
                t, q = r.y_true[i, 0], r.y_pred[i, 0]
                return _(
                    "row {row} of the {split} split: true {true:.4g}, predicted {predicted:.4g} "
                    "(error {error:+.4g})"
                ).format(row=i + 1, split=split_name(r.split), true=t, predicted=q, error=q - t)
        return None

    def export_png(self, path: Any) -> Any:
        self.ensure_fresh()
        return save_png(self.body, path)

    def tables(self) -> list[Table]:
        r = self.results
        if r is None:
            return []
        if r.task == "classification" and r.matrix is not None:
            k = r.matrix.shape[0]
            names = r.class_names[:k]
            headers = ("true \\ predicted", *[str(n) for n in names])
            columns = (list(names), *[r.matrix[:, j].tolist() for j in range(k)])
            scores = Table(
                "scores",
                ("class", "precision", "recall", "f1", "support"),
                (
                    [s.name for s in r.scores],
                    [s.precision for s in r.scores],
                    [s.recall for s in r.scores],
                    [s.f1 for s in r.scores],
                    [s.support for s in r.scores],
                ),
            )
            return [Table(f"confusion_{r.split}", headers, columns), scores]
        assert r.y_true is not None and r.y_pred is not None
        headers: list[str] = []
        columns: list[Any] = []
        names = r.target_names or [f"target_{i + 1}" for i in range(r.y_true.shape[1])]
        for t in range(r.y_true.shape[1]):
            name = names[t] if t < len(names) else f"target_{t + 1}"
            headers += [f"true_{name}", f"predicted_{name}"]
            columns += [r.y_true[:, t], r.y_pred[:, t]]
        return [Table(f"predictions_{r.split}", tuple(headers), tuple(columns))]


def _short(name: str, limit: int = 10) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
