"""The lesson report: one self-contained HTML page a student hands in.

It holds the network's picture (a PNG the GUI renders from the canvas, or none from the
command line), the parameter table, the training settings, the curves, the final metrics, the
confusion matrix and the student's notes. Everything is built here from data, Qt-free: the
curves are inline SVG drawn by the small writer below (no plotting library), the picture is
base64-embedded, so the page opens anywhere without its folder.

The PDF is the same document printed by Qt (``nnstudio/gui/report_pdf.py``): Qt's rich-text
engine draws no inline SVG, so :meth:`LessonReport.to_html` can name the images as resources
(``images="resources"``) that the printer supplies, rendered from the same SVG text.

Texts are in the language of the moment (the report is for people, not for scripts); Chinese
is drawn with the CJK fonts the caller names (the GUI's fallback list).
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nnstudio.core.atomic import replacing
from nnstudio.core.errors import NNStudioError
from nnstudio.i18n import _, language, tr

if TYPE_CHECKING:
    from nnstudio.core.workspace import Workspace

#: Curve colours (Okabe–Ito blue and vermilion: told apart by colour-blind readers too).
TRAIN_COLOR = "#0072b2"
VAL_COLOR = "#d55e00"
GRID_COLOR = "#d9dde3"
AXIS_COLOR = "#4b5563"
TEXT_COLOR = "#111827"
#: Latin fonts first; the caller's CJK fonts after them draw the Chinese characters.
LATIN_FONTS = ("DejaVu Sans", "Segoe UI", "Helvetica Neue", "Arial")


#: The widest a picture is shown, in CSS pixels (fits an A4 page with 15 mm margins).
PICTURE_WIDTH = 640


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG from its header, (0, 0) when ``data`` is not a PNG."""
    if len(data) < 24 or not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return 0, 0
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@dataclass(frozen=True)
class Series:
    """One curve: a label and its points."""

    label: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    color: str


@dataclass(frozen=True)
class Chart:
    """A line chart of the report (loss, accuracy…). ``percent``: values are fractions shown
    as percentages."""

    key: str
    title: str
    x_label: str
    y_label: str
    series: tuple[Series, ...]
    percent: bool = False


@dataclass(frozen=True)
class Confusion:
    """Rows: the true class; columns: the predicted class."""

    split: str
    class_names: tuple[str, ...]
    matrix: tuple[tuple[int, ...], ...]


@dataclass
class LessonReport:
    """Everything the page shows, as data (tests read it; :meth:`to_html` lays it out)."""

    title: str
    created: str
    summary_rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    total_params: str = ""
    summary_error: str = ""
    settings: list[tuple[str, str]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    metrics: list[tuple[str, str]] = field(default_factory=list)
    closing: str = ""
    confusion: Confusion | None = None
    notes: str = ""
    network_png: bytes | None = None
    fonts: tuple[str, ...] = ()

    # --- pieces -------------------------------------------------------------------------------

    def chart_svgs(self) -> dict[str, str]:
        """Resource name → SVG text of every chart."""
        return {f"{c.key}.svg": chart_svg(c, self.fonts) for c in self.charts}

    def picture_size(self) -> tuple[int, int]:
        """The network picture's size on the page: its own, narrowed to the page's width."""
        width, height = png_size(self.network_png or b"")
        if width <= 0 or height <= 0:
            return PICTURE_WIDTH, PICTURE_WIDTH // 3
        shown = min(width, PICTURE_WIDTH)
        return shown, max(1, round(height * shown / width))

    def font_stack(self) -> str:
        names = [*LATIN_FONTS, *self.fonts]
        return ", ".join(f'"{n}"' for n in names) + ", sans-serif"

    # --- the page -----------------------------------------------------------------------------

    def to_html(self, *, images: str = "inline") -> str:
        """The page. ``images="inline"``: SVG and base64 PNG in the page (self-contained);
        ``"resources"``: ``<img src="loss.svg">`` and ``network.png`` for a printer that
        supplies them."""
        e = html.escape
        parts = [
            "<!DOCTYPE html>",
            '<html lang="{}">'.format(e(language().replace("_", "-"))),
            "<head>",
            '<meta charset="utf-8">',
            f"<title>{e(self.title)}</title>",
            "<style>",
            f"body {{ font-family: {self.font_stack()}; color: {TEXT_COLOR}; "
            "max-width: 820px; margin: 24px auto; padding: 0 16px; }",
            "h1 { font-size: 22pt; margin-bottom: 2px; }",
            "h2 { font-size: 14pt; margin-top: 22px; border-bottom: 1px solid #ccc; }",
            "table { border-collapse: collapse; margin: 6px 0; }",
            "th, td { border: 1px solid #bbb; padding: 3px 8px; }",
            "th { background: #eef1f5; text-align: left; }",
            "td.num { text-align: right; }",
            ".muted { color: #555; }",
            ".notes { white-space: pre-wrap; border: 1px solid #bbb; padding: 8px; }",
            "</style>",
            "</head>",
            "<body>",
            f"<h1>{e(self.title)}</h1>",
            '<p class="muted">{}</p>'.format(
                e(_("Lesson report · NN Studio · {date}").format(date=self.created))
            ),
        ]
        parts.append(_heading(_("Network")))
        if self.network_png:
            src = (
                "data:image/png;base64," + base64.b64encode(self.network_png).decode("ascii")
                if images == "inline"
                else "network.png"
            )
            alt = e(_("Network"))
            width, height = self.picture_size()
            parts.append(
                f'<p><img id="network" src="{src}" width="{width}" height="{height}" '
                f'alt="{alt}"></p>'
            )
        if self.summary_error:
            parts.append(f"<p>{e(self.summary_error)}</p>")
        else:
            parts.append(
                _table(
                    (_("Layer"), _("Type"), _("Output shape"), _("Parameters")),
                    self.summary_rows,
                    table_id="summary",
                    numeric=(3,),
                )
            )
            parts.append(f"<p><b>{e(self.total_params)}</b></p>")
        parts.append(_heading(_("Training settings")))
        parts.append(_table((_("Setting"), _("Value")), self.settings, table_id="settings"))
        parts.append(_heading(_("Curves")))
        if not self.charts:
            parts.append(_paragraph(_("Not trained yet: no curves to show.")))
        svgs = self.chart_svgs()
        for chart in self.charts:
            name = f"{chart.key}.svg"
            if images == "inline":
                parts.append(f'<div class="chart" id="chart-{chart.key}">{svgs[name]}</div>')
            else:
                parts.append(f'<p><img src="{name}" width="{SVG_W}" height="{SVG_H}"></p>')
        parts.append(_heading(_("Final metrics")))
        if self.closing:
            parts.append(f"<p>{e(self.closing)}</p>")
        if self.metrics:
            parts.append(
                _table((_("Metric"), _("Value")), self.metrics, table_id="metrics", numeric=(1,))
            )
        else:
            parts.append(_paragraph(_("Not trained yet.")))
        if self.confusion is not None:
            c = self.confusion
            parts.append(_heading(_("Confusion matrix")))
            parts.append(
                '<p class="muted">{}</p>'.format(
                    e(
                        _("{split}: rows are the true class, columns the predicted class.").format(
                            split=c.split
                        )
                    )
                )
            )
            header = (_("true \\ predicted"), *c.class_names)
            rows = [
                (name, *map(str, row)) for name, row in zip(c.class_names, c.matrix, strict=True)
            ]
            parts.append(
                _table(header, rows, table_id="confusion", numeric=tuple(range(1, len(header))))
            )
        parts.append(_heading(_("Notes")))
        notes = self.notes.strip()
        parts.append(
            f'<div class="notes" id="notes">{e(notes)}</div>'.replace("\n", "<br>")
            if notes
            else _paragraph(_("(no notes)"), 'class="muted" id="notes"')
        )
        parts += ["</body>", "</html>", ""]
        return "\n".join(parts)


def _heading(text: str) -> str:
    # Texts are translated outside f-strings: the catalogue's extractor cannot see into them.
    return f"<h2>{html.escape(text)}</h2>"


def _paragraph(text: str, attributes: str = "") -> str:
    opening = f"<p {attributes}>" if attributes else "<p>"
    return f"{opening}{html.escape(text)}</p>"


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    table_id: str,
    numeric: tuple[int, ...] = (),
) -> str:
    e = html.escape
    out = [f'<table id="{table_id}" border="1" cellspacing="0" cellpadding="4">', "<tr>"]
    out += [f"<th>{e(h)}</th>" for h in header]
    out.append("</tr>")
    for row in rows:
        cells = [
            f'<td class="num" align="right">{e(v)}</td>' if i in numeric else f"<td>{e(v)}</td>"
            for i, v in enumerate(row)
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


# --- the SVG writer ---------------------------------------------------------------------------

SVG_W, SVG_H = 640, 280
_LEFT, _RIGHT, _TOP, _BOTTOM = 62, 16, 40, 44


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5, 5 × 10ⁿ steps) covering ``low``…``high``."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 12))
    return ticks


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:g}"
    return f"{value:.4g}"


def chart_svg(chart: Chart, fonts: Sequence[str] = ()) -> str:
    """``chart`` as a standalone SVG (axes, grid, a line per series, a legend)."""
    e = html.escape
    family = ", ".join([*LATIN_FONTS, *fonts, "sans-serif"])
    points = [
        (x, y)
        for s in chart.series
        for x, y in zip(s.xs, s.ys, strict=True)
        if y is not None and math.isfinite(y)
    ]
    xs = [p[0] for p in points] or [0.0, 1.0]
    ys = [p[1] for p in points] or [0.0, 1.0]
    x_ticks = nice_ticks(min(xs), max(xs), 6)
    low = 0.0 if chart.percent else min(ys)
    high = 1.0 if chart.percent else max(ys)
    y_ticks = nice_ticks(low, high, 4)
    x0, x1, y0, y1 = x_ticks[0], x_ticks[-1], y_ticks[0], y_ticks[-1]
    width, height = SVG_W - _LEFT - _RIGHT, SVG_H - _TOP - _BOTTOM

    def px(x: float) -> float:
        return _LEFT + (x - x0) / ((x1 - x0) or 1) * width

    def py(y: float) -> float:
        return _TOP + height - (y - y0) / ((y1 - y0) or 1) * height

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SVG_W}" height="{SVG_H}" '
        f'viewBox="0 0 {SVG_W} {SVG_H}" font-family="{e(family)}" font-size="12">',
        f'<rect width="{SVG_W}" height="{SVG_H}" fill="#ffffff"/>',
        f'<text x="{SVG_W / 2:.1f}" y="18" text-anchor="middle" font-size="14" '
        f'font-weight="bold" fill="{TEXT_COLOR}">{e(chart.title)}</text>',
    ]
    for t in y_ticks:
        y = py(t)
        out.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_LEFT + width}" y2="{y:.1f}" '
            f'stroke="{GRID_COLOR}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS_COLOR}">'
            f"{_fmt(t, chart.percent)}</text>"
        )
    for t in x_ticks:
        x = px(t)
        out.append(
            f'<line x1="{x:.1f}" y1="{_TOP}" x2="{x:.1f}" y2="{_TOP + height}" '
            f'stroke="{GRID_COLOR}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{_TOP + height + 16}" text-anchor="middle" '
            f'fill="{AXIS_COLOR}">{t:g}</text>'
        )
    out.append(
        f'<rect x="{_LEFT}" y="{_TOP}" width="{width}" height="{height}" fill="none" '
        f'stroke="{AXIS_COLOR}" stroke-width="1"/>'
    )
    out.append(
        f'<text x="{_LEFT + width / 2:.1f}" y="{SVG_H - 8}" text-anchor="middle" '
        f'fill="{TEXT_COLOR}">{e(chart.x_label)}</text>'
    )
    out.append(
        f'<text x="16" y="{_TOP + height / 2:.1f}" text-anchor="middle" fill="{TEXT_COLOR}" '
        f'transform="rotate(-90 16 {_TOP + height / 2:.1f})">{e(chart.y_label)}</text>'
    )
    legend_x = _LEFT + 8
    for s in chart.series:
        coords = " ".join(
            f"{px(x):.1f},{py(y):.1f}"
            for x, y in zip(s.xs, s.ys, strict=True)
            if y is not None and math.isfinite(y)
        )
        if coords:
            out.append(
                f'<polyline class="series" data-label="{e(s.label)}" points="{coords}" '
                f'fill="none" stroke="{s.color}" stroke-width="2.2" '
                'stroke-linejoin="round" stroke-linecap="round"/>'
            )
        out.append(
            f'<line x1="{legend_x}" y1="{_TOP - 10}" x2="{legend_x + 22}" y2="{_TOP - 10}" '
            f'stroke="{s.color}" stroke-width="3"/>'
        )
        out.append(
            f'<text x="{legend_x + 28}" y="{_TOP - 6}" fill="{TEXT_COLOR}">{e(s.label)}</text>'
        )
        legend_x += 40 + 8 * len(s.label) + 8 * sum(1 for ch in s.label if ord(ch) > 0x2E80)
    out.append("</svg>")
    return "\n".join(out)


# --- building it from a project ---------------------------------------------------------------


def build_report(
    workspace: Workspace,
    *,
    notes: str = "",
    network_png: bytes | None = None,
    fonts: Sequence[str] = (),
    created: date | None = None,
    closing: str = "",
) -> LessonReport:
    """The report of the workspace's project as it stands (trained or not).

    ``network_png``: the canvas as the GUI drew it; ``fonts``: CJK fallback fonts (the GUI's
    list); ``closing``: the last run's closing message when the caller has it.
    """
    project = workspace.project
    report = LessonReport(
        title=project.name or _("Untitled"),
        created=(created or date.today()).isoformat(),
        notes=notes,
        network_png=network_png,
        fonts=tuple(fonts),
        closing=closing,
    )
    _add_summary(report, workspace)
    report.settings = settings_rows(project.training)
    history = project.history
    if history is not None and history.epoch:
        report.charts = charts_of(history)
        report.metrics = metrics_rows(history, project.epochs_trained)
        report.confusion = _confusion(workspace)
    return report


def _add_summary(report: LessonReport, workspace: Workspace) -> None:
    from nnstudio.core.network.builder import summarize

    try:
        summary = summarize(workspace.graph, workspace.shape_context)
    except NNStudioError as exc:
        report.summary_error = _("The network cannot be summarised: {problem}").format(
            problem=tr(exc.message)
        )
        return
    report.summary_rows = [
        (r.name, r.type, str(list(r.output_shape)).replace("-1", "batch"), f"{r.params:,}")
        for r in summary.rows
    ]
    report.total_params = _("Total parameters: {total:,} (trainable: {trainable:,})").format(
        total=summary.total_params, trainable=summary.trainable_params
    )


def settings_rows(s: Any) -> list[tuple[str, str]]:
    """The training settings as (name, value) rows, in the current language."""
    from nnstudio.core.catalogue.losses import LOSSES
    from nnstudio.core.catalogue.optimizers import OPTIMIZERS
    from nnstudio.core.catalogue.schedules import SCHEDULES

    def component(registry: Any, value: Any, skip: tuple[str, ...] = ()) -> str:
        # Only what differs from the entry's defaults: the choices the student made.
        spec = registry.get(value["name"])
        defaults = {p.name: p.default for p in spec.params}
        extra = ", ".join(
            f"{k} = {v}"
            for k, v in value.items()
            if k != "name" and k not in skip and defaults.get(k, object()) != v
        )
        return f"{tr(spec.label)} ({extra})" if extra else tr(spec.label)

    batch = {0: _("full batch"), 1: _("1 (one sample at a time)")}.get(
        s.batch_size, str(s.batch_size)
    )
    rows = [
        (_("Loss"), component(LOSSES, s.loss)),
        (_("Optimiser"), component(OPTIMIZERS, s.optimizer, skip=("lr",))),
        (_("Learning rate"), f"{s.lr:g}"),
        (_("Learning-rate schedule"), component(SCHEDULES, s.schedule)),
        (_("Epochs"), str(s.epochs)),
        (_("Batch size"), batch),
        (_("Seed"), str(s.seed)),
    ]
    if s.l1:
        rows.append((_("L1 penalty λ"), f"{s.l1:g}"))
    early = s.early_stopping
    if early.enabled:
        rows.append(
            (
                _("Early stopping"),
                _("{monitor}, patience {patience}").format(
                    monitor=early.monitor, patience=early.patience
                ),
            )
        )
    target = s.stop_at
    if target is not None:
        shown = (
            _("validation accuracy ≥ {value:g} %").format(value=round(target.value * 100, 4))
            if target.metric == "accuracy"
            else _("validation loss ≤ {value:g}").format(value=target.value)
        )
        rows.append((_("Stop at a target"), shown))
    return rows


def charts_of(history: Any) -> list[Chart]:
    """Loss per epoch, and the main metric per epoch (accuracy, else RMSE)."""
    epochs = tuple(float(e) for e in history.epoch)
    charts = []
    loss_series = [Series(_("training"), epochs, tuple(history.train_loss), TRAIN_COLOR)]
    if any(v is not None for v in history.val_loss):
        loss_series.append(Series(_("validation"), epochs, tuple(history.val_loss), VAL_COLOR))
    charts.append(Chart("loss", _("Loss"), _("epoch"), _("loss"), tuple(loss_series)))
    metrics = history.metrics
    for stem, title, percent in (
        ("accuracy", _("Accuracy"), True),
        ("rmse", _("RMSE"), False),
    ):
        series = [
            Series(label, epochs, tuple(metrics[f"{split}_{stem}"]), color)
            for split, label, color in (
                ("train", _("training"), TRAIN_COLOR),
                ("val", _("validation"), VAL_COLOR),
            )
            if len(metrics.get(f"{split}_{stem}", ())) == len(epochs)
        ]
        if series:
            y_label = _("accuracy (%)") if percent else stem.upper()
            charts.append(Chart(stem, title, _("epoch"), y_label, tuple(series), percent))
            break
    return charts


def metrics_rows(history: Any, epochs_trained: int) -> list[tuple[str, str]]:
    """The last epoch's numbers: losses to four decimals, accuracies as percentages."""
    rows = [(_("Epochs trained"), str(epochs_trained))]
    names = {
        "train_loss": _("training loss"),
        "val_loss": _("validation loss"),
        "train_accuracy": _("training accuracy"),
        "val_accuracy": _("validation accuracy"),
        "train_rmse": _("training RMSE"),
        "val_rmse": _("validation RMSE"),
        "val_r2": _("validation R²"),
    }
    values: dict[str, float | None] = {
        "train_loss": history.train_loss[-1] if history.train_loss else None,
        "val_loss": history.val_loss[-1] if history.val_loss else None,
    }
    for key, series in history.metrics.items():
        values[key] = series[-1] if series else None
    for key, label in names.items():
        value = values.get(key)
        if value is None or not math.isfinite(value):
            continue
        shown = f"{value * 100:.1f} %" if key.endswith("accuracy") else f"{value:.4f}"
        rows.append((label, shown))
    return rows


def _confusion(workspace: Workspace) -> Confusion | None:
    """The trained network's confusion matrix on the validation split (else training)."""
    prepared = workspace.prepared
    if prepared is None or prepared.task != "classification" or workspace.project.weights is None:
        return None
    from nnstudio.core.catalogue.losses import LOSSES
    from nnstudio.core.training.metrics import class_predictions, confusion_matrix, predict_raw

    try:
        model = workspace.trained_model()
    except NNStudioError:
        return None
    if len(prepared.x_val):
        x, y, split = prepared.x_val, prepared.y_val, _("Validation split")
    else:
        x, y, split = prepared.x_train, prepared.y_train, _("Training split")
    expects = LOSSES.get(workspace.project.training.loss["name"]).expects
    device = next(model.parameters()).device
    out = predict_raw(model, x.to(device)).detach().cpu()
    names = list(prepared.class_names) or [str(i) for i in range(prepared.n_classes)]
    k = max(len(names), int(prepared.n_classes))
    names += [str(i) for i in range(len(names), k)]
    matrix = confusion_matrix(y.numpy().reshape(-1), class_predictions(out, expects).numpy(), k)
    return Confusion(split, tuple(names), tuple(tuple(int(v) for v in row) for row in matrix))


def write_report(report: LessonReport, path: str | Path) -> Path:
    """Write the self-contained HTML page atomically; returns the path written."""
    target = Path(path)
    with replacing(target) as tmp:
        tmp.write_text(report.to_html(), encoding="utf-8")
    return target


__all__ = [
    "Chart",
    "Confusion",
    "LessonReport",
    "Series",
    "build_report",
    "chart_svg",
    "nice_ticks",
    "write_report",
]
