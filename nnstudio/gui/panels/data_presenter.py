"""What the data panel shows, decided without Qt: its texts, its banner and its scatter plot.

:class:`~nnstudio.gui.panels.data_panel.DataPanel` only places widgets and turns edits into
commands; every sentence it shows and every choice of what to show is made here from plain
data (settings, the table, column summaries, the prepared data), so it is tested without a
window. Facts about the data itself stay in the core: which role a column has
(:func:`~nnstudio.core.data.column_roles`), how a split's percentages balance
(:func:`~nnstudio.core.data.split.balance_split`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nnstudio.core.data import DATASETS, ColumnInfo, DatasetSpec, DataSettings, PreparedData, Table
from nnstudio.core.data.columns import rows_text
from nnstudio.gui.widgets.banner_message import BannerMessage, find_place
from nnstudio.gui.widgets.texts import escape_html
from nnstudio.i18n import N_, _, ngettext, tr

__all__ = [
    "MAX_SCATTER_POINTS",
    "RoleEdit",
    "ScatterData",
    "banner_messages",
    "capitalize",
    "column_tooltip",
    "dataset_help",
    "kind_tooltip",
    "kind_word",
    "missing_tooltip",
    "preview_caption",
    "role_edit",
    "role_tooltip",
    "scatter_data",
    "scatter_name",
    "source_description",
    "strip_where",
    "summary_text",
    "summary_tooltip",
    "translated_error",
    "unprepared_text",
    "use_button_state",
]

#: Scatter plots draw at most this many points; more would only slow the panel down.
MAX_SCATTER_POINTS = 5000
#: Inputs named in the summary's tooltip; a one-hot encoded table has hundreds.
MAX_TOOLTIP_INPUTS = 30
#: Classes named in the summary line.
MAX_SUMMARY_CLASSES = 8

_KIND_HELP = N_(
    "Numeric columns are used as numbers; categorical ones as category names (one-hot encoded)."
)
_DELIMITERS = {",": N_("comma"), ";": N_("semicolon"), "\t": N_("tab")}
_ORIGINS = {
    "generator": N_("Generated from a seed."),
    "fixed": N_("A fixed table, exactly as in the lessons."),
}
_SKLEARN_ORIGIN = N_("A real table bundled with scikit-learn.")
#: A column's kind as the panel names it (the settings keep the English key).
_KIND_WORDS = {"numeric": N_("numeric"), "categorical": N_("categorical"), "text": N_("text")}


def kind_word(kind: str | None) -> str:
    """A column kind ("numeric", "categorical") in the current language."""
    return _(_KIND_WORDS[kind]) if kind in _KIND_WORDS else str(kind)


def translated_error(text: str, shown: str) -> str:
    """``shown`` (``text`` with its ``"where: "`` prefix dropped) in the current language.

    The prefix is found on the English text (:func:`strip_where`); a translated message
    keeps the same place name before its colon (ASCII or full-width), dropped from it too.
    """
    translated = tr(text)
    if shown == text:
        return translated
    if translated == text:  # not translated: the English without its prefix
        return shown
    head = text[: len(text) - len(shown)].rstrip().removesuffix(":")
    for colon in (": ", "：", ":"):
        if translated.startswith(head + colon):
            return translated[len(head + colon) :].lstrip() or translated
    return translated


# --- the source ------------------------------------------------------------------------------


def source_description(
    settings: DataSettings, table: Table | None, data_error: str | None, muted_color: str
) -> tuple[str, str]:
    """(rich text, tooltip) saying where the data comes from and what it holds.

    ``muted_color`` (``#rrggbb``) colours the detail line under the name.
    """
    source = settings.source
    if source.kind == "none":
        return _("<b>No data yet.</b> Open a CSV file or pick a built-in dataset below."), ""
    if source.kind == "builtin":
        spec = DATASETS.get(source.name) if source.name in DATASETS else None
        name = _("{name} (built-in)").format(name=_(spec.label) if spec else source.name)
        tip = _(spec.help) if spec else ""
    else:
        name = source.label
        tip = table.path if table is not None and table.path else source.path
    detail = ""
    if table is not None:
        rows, cols = table.frame.shape
        detail = _("{rows:,} rows × {columns} columns").format(rows=rows, columns=cols)
        if source.kind == "csv":
            delimiter = (
                _(_DELIMITERS[table.delimiter])
                if table.delimiter in _DELIMITERS
                else repr(table.delimiter)
            )
            detail += " · " + _("{encoding}, {delimiter}").format(
                encoding=table.encoding, delimiter=delimiter
            )
            tip = f"{tip}\n" + _("Encoding {encoding}, {delimiter}-separated").format(
                encoding=table.encoding, delimiter=delimiter
            )
    elif data_error:
        detail = _("could not be loaded")
    text = f"<b>{escape_html(name)}</b>" + (
        f"<br><span style='color:{muted_color};'>{detail}</span>" if detail else ""
    )
    return text, tip


def dataset_help(spec: DatasetSpec) -> str:
    """A built-in dataset's help, and where its rows come from."""
    origin = _ORIGINS.get(spec.origin, _SKLEARN_ORIGIN)
    # Translators: a dataset's help, then where its rows come from (two sentences).
    return _("{help} {origin}").format(help=_(spec.help), origin=_(origin))


def use_button_state(
    settings: DataSettings, name: str, form_values: Mapping[str, Any]
) -> tuple[str, bool, str]:
    """(text, enabled, tooltip) of the button under the built-in dataset picker.

    ``name`` is the dataset shown in the picker and ``form_values`` its parameters as edited.
    """
    source = settings.source
    if source.kind == "builtin" and source.name == name:
        current = {**DATASETS.get(name).defaults(), **dict(source.params)}
        changed = dict(form_values) != current
        return (
            _("Apply changes") if changed else _("In use"),
            changed,
            _(
                "Make the dataset again with these parameters (your column and preparation "
                "choices are kept)."
            ),
        )
    return _("Use this dataset"), True, _("Replace the project's data with this dataset.")


# --- the columns -----------------------------------------------------------------------------


def column_tooltip(info: ColumnInfo, error_color: str) -> str:
    """Rich-text tooltip of a column's name: kind, range, examples and any problem."""
    lines = [
        _("<b>{name}</b> ({kind}, {dtype})").format(
            name=escape_html(info.name), kind=kind_word(info.kind), dtype=info.dtype
        )
    ]
    if info.minimum is not None and info.maximum is not None:
        lines.append(
            _("Range: {minimum:g} … {maximum:g}").format(minimum=info.minimum, maximum=info.maximum)
        )
    lines.append(
        _("{n} different values, e.g. {examples}").format(
            n=info.n_unique, examples=escape_html(", ".join(info.examples))
        )
    )
    if info.problem:
        lines.append(f"<span style='color:{error_color};'>{escape_html(tr(info.problem))}</span>")
    return "<br>".join(lines)


def kind_tooltip(info: ColumnInfo, detected: str | None, overridden: bool) -> str:
    """Tooltip of a column's kind choice: what was detected, and whether the user chose."""
    kind = kind_word(detected) if detected is not None else str(detected)
    if overridden:
        text = _("Detected: {kind}. Overridden by you. {help}")
    else:
        text = _("Detected: {kind}. {help}")
    text = text.format(kind=kind, help=_(_KIND_HELP))
    if info.problem:
        text += "\n" + _("{problem}: fix the file, or choose categorical.").format(
            problem=tr(info.problem)
        )
    return text


def missing_tooltip(n_missing: int) -> str:
    return _("{n} empty cells").format(n=n_missing) if n_missing else _("No empty cells")


def role_tooltip(role: str) -> str:
    if role == "target":
        return _("The target: what the network learns to predict.")
    if role == "ignored":
        return _("Ignored: not given to the network.")
    return _("A feature: one of the network's inputs.")


@dataclass(frozen=True)
class RoleEdit:
    """What setting one column's role does: the settings' changes and the undo text.

    ``refused`` (and no changes) when the edit cannot be made as asked, saying why.
    """

    text: str = ""
    changes: dict[str, Any] = field(default_factory=dict)
    refused: str = ""


def role_edit(settings: DataSettings, roles: Mapping[str, str], name: str, role: str) -> RoleEdit:
    """Give column ``name`` role ``role`` ("input", "target" or "ignored").

    ``roles`` are every column's current roles (:func:`~nnstudio.core.data.column_roles`).
    A new target replaces the old one and resets what belonged to it (class order, a forced
    task); the only target cannot be made something else, another column must become it.
    """
    targets = [n for n, r in roles.items() if r == "target"]
    ignored = [n for n in settings.ignored if n != name]
    changes: dict[str, Any] = {}
    if role == "target":
        targets = [name]
        # The class order and a forced task belonged to the previous target.
        changes.update(class_order=(), task="auto")
        text = _("Make {name!r} the target").format(name=name)
    else:
        if name in targets:
            if len(targets) == 1:
                return RoleEdit(
                    refused=_(
                        "{name!r} is the target. To change it, set another column's role to target."
                    ).format(name=name)
                )
            targets.remove(name)
        if role == "ignored":
            ignored.append(name)
            text = _("Ignore {name!r}").format(name=name)
        else:
            text = _("Use {name!r} as a feature").format(name=name)
    return RoleEdit(text, {"targets": tuple(targets), "ignored": tuple(ignored), **changes})


def preview_caption(table: Table | None) -> str:
    """The line under the table preview: its size and what the cell tints mean."""
    if table is None:
        return ""
    return _(
        "{rows:,} rows · blue: target · grey: ignored · amber: empty cell · red: not a number"
    ).format(rows=len(table.frame))


# --- the summary -----------------------------------------------------------------------------


def summary_text(p: PreparedData) -> str:
    """ "1600 train · 400 validation · 0 test · 20 features · 4 classes: 0, 1, 2, 3"."""
    parts = [
        _("{n} train").format(n=p.n_train),
        _("{n} validation").format(n=p.n_val),
        _("{n} test").format(n=p.n_test),
        ngettext("{n} feature", "{n} features", p.n_features).format(n=p.n_features),
    ]
    if p.task == "classification":
        shown = ", ".join(p.class_names[:MAX_SUMMARY_CLASSES]) + (
            ", …" if len(p.class_names) > MAX_SUMMARY_CLASSES else ""
        )
        parts.append(_("{n} classes: {names}").format(n=p.n_classes, names=shown))
    else:
        parts.append(_("regression of {targets}").format(targets=", ".join(p.target_names)))
    return " · ".join(parts)


def summary_tooltip(p: PreparedData) -> str:
    """The network's inputs after encoding (one-hot columns named "brand=apple")."""
    names = ", ".join(p.feature_names[:MAX_TOOLTIP_INPUTS]) + (
        " …" if len(p.feature_names) > MAX_TOOLTIP_INPUTS else ""
    )
    return _("Inputs after encoding: {names}").format(names=names)


def unprepared_text(data_error: str | None, source_kind: str) -> str:
    """The summary while there is no prepared data, saying why."""
    if data_error:
        return _("The data cannot be prepared yet: see the problem above.")
    if source_kind == "none":
        return _("No data yet.")
    return _("Not prepared.")


# --- the banner ------------------------------------------------------------------------------


def banner_messages(
    *,
    notice: BannerMessage | None,
    data_error: str | None,
    table: Table | None,
    columns: Sequence[str],
    infos: Sequence[ColumnInfo],
    roles: Mapping[str, str],
    missing: str,
    prepared: PreparedData | None,
) -> list[BannerMessage]:
    """Everything wrong with the data, and where, for the banner above the panel.

    In order: the panel's own ``notice``; the core's error preparing the data; then what
    will block next, which preparation stops before reporting (a column's junk, or empty
    cells while ``missing`` is "refuse"); the preparation's warnings; the table's notes.
    Ignored columns say nothing, and the column the error names is not reported twice.
    Places are found in the core's English messages; the texts are shown translated.
    """
    messages: list[BannerMessage] = []
    if notice is not None:
        messages.append(notice)
    error_column = None
    if data_error:
        text = strip_where(data_error, columns, table)
        error_column, row = find_place(text, columns)
        messages.append(
            BannerMessage("error", translated_error(data_error, text), error_column, row)
        )
    frame = table.frame if table is not None else None
    for info in infos:
        if roles.get(info.name) == "ignored" or info.name == error_column:
            continue
        if info.problem:
            _column, row = find_place(info.problem)
            text = _("Column {name!r}, {problem}").format(name=info.name, problem=tr(info.problem))
            messages.append(BannerMessage("error", text, info.name, row))
        elif info.n_missing and missing == "refuse" and frame is not None:
            empty = np.flatnonzero(pd.isna(frame[info.name]).to_numpy())
            where = f" ({tr(rows_text(list(empty)))})" if empty.size else ""
            messages.append(
                BannerMessage(
                    "error",
                    ngettext(
                        "Column {name!r} has {n} empty cell{where}; choose what to do with "
                        "missing values under Preparation",
                        "Column {name!r} has {n} empty cells{where}; choose what to do with "
                        "missing values under Preparation",
                        info.n_missing,
                    ).format(name=info.name, n=info.n_missing, where=where),
                    info.name,
                    int(empty[0]) + 1 if empty.size else None,
                )
            )
    if prepared is not None:
        for warning in prepared.warnings:
            column, row = find_place(warning, columns)
            messages.append(BannerMessage("warning", capitalize(tr(warning)), column, row))
    if table is not None:
        for warning in table.warnings:
            # Translators: a note about a data file: the file's name, then the note.
            text = _("{source}: {note}").format(source=table.label, note=tr(warning))
            messages.append(BannerMessage("info", text))
    return messages


def strip_where(text: str, columns: Sequence[str], table: Table | None) -> str:
    """Drop the ``"where: "`` prefix of a core error when the message names the place anyway."""
    head, sep, rest = text.partition(": ")
    if not sep:
        return text
    paths = {table.path} if table is not None and table.path else set()
    if head in columns or head in paths or "/" in head or "\\" in head:
        return rest
    return text


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- the scatter plot ------------------------------------------------------------------------


@dataclass(frozen=True)
class ScatterData:
    """The points of a two-input dataset's scatter plot.

    ``color`` holds class ids (``labels`` then names them) or, for regression, the target's
    values (``labels`` is None).
    """

    x: np.ndarray
    y: np.ndarray
    names: list[str]
    color: np.ndarray
    labels: list[str] | None
    caption: str


def scatter_data(prepared: PreparedData | None, frame: pd.DataFrame | None) -> ScatterData | None:
    """Points of a 2-feature dataset, or None when the data has no 2-D picture.

    Raw values are preferred (the numbers the student sees in the table); when two numeric
    input columns do not exist but the prepared data has two inputs, those are used.
    """
    if prepared is None:
        return None
    kinds = prepared.column_kinds
    raw = [name for name, kind in kinds.items() if kind == "numeric"]
    index = prepared.index_train
    if frame is not None and len(kinds) == 2 and len(raw) == 2:
        points = np.column_stack(
            [pd.to_numeric(frame[name], errors="coerce").to_numpy(float)[index] for name in raw]
        )
        names, what = raw, _("raw values")
    elif prepared.n_features == 2:
        points = prepared.array("x_train").astype(float)
        names, what = list(prepared.feature_names), _("prepared values")
    else:
        return None
    if prepared.task == "classification":
        color = prepared.array("y_train").reshape(-1).astype(int)
        labels: list[str] | None = list(prepared.class_names)
    else:
        color = prepared.array("y_train")[:, 0].astype(float)
        labels = None
    keep = np.isfinite(points).all(axis=1)
    n_total = int(keep.sum())
    positions = np.flatnonzero(keep)
    if positions.size > MAX_SCATTER_POINTS:
        # An evenly spaced subset: deterministic, and the training rows are already shuffled.
        positions = positions[np.linspace(0, positions.size - 1, MAX_SCATTER_POINTS).astype(int)]
    x, y, color = points[positions, 0], points[positions, 1], color[positions]
    shown = (
        _("{shown:,} of {total:,}").format(shown=positions.size, total=n_total)
        if positions.size < n_total
        else f"{n_total:,}"
    )
    if labels is None:
        caption = _(
            "{shown} training rows, {what}; colour shows {target} ({low:.3g} dark … "
            "{high:.3g} light)"
        ).format(
            shown=shown,
            what=what,
            target=prepared.target_names[0],
            low=color.min(),
            high=color.max(),
        )
    else:
        caption = _("{shown} training rows, {what}; colour shows the class").format(
            shown=shown, what=what
        )
    return ScatterData(x, y, names, color, labels, caption)


def scatter_name(label: str) -> str:
    """A class as the scatter legend names it: "class 3" for a bare number, else its name."""
    return label if not label.lstrip("-").isdigit() else _("class {label}").format(label=label)
