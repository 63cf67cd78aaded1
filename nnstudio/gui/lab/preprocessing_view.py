"""Lab view "Preprocessing preview": one column of the project's data before and after.

For the column a student picks: the first rows raw and as the network receives them
(scaled, or one-hot), the mean and standard deviation before and after, how the app fitted
its statistics (on the training split), and what fitting them on all rows would have
changed — the leak of validation/test statistics into training, as numbers. Everything is
read from the workspace's table and prepared data (:mod:`nnstudio.core.lessons.preprocessing`).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import UserFacingError
from nnstudio.core.lessons.preprocessing import (
    PARTS,
    ColumnPreview,
    fit_names,
    input_columns,
    preview_column,
)
from nnstudio.gui import theme
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.lab.number_table import NumberTable, formula_label, warning_label
from nnstudio.gui.widgets.labels import muted, wrapped_label
from nnstudio.i18n import N_, _

__all__ = ["PreprocessingView"]

#: Scaling choice → how the view names it.
SCALINGS = {
    "none": N_("no scaling"),
    "standard": N_("standardisation (x − mean) / std"),
    "minmax": N_("min-max (x − min) / (max − min)"),
}


class PreprocessingView(QWidget):
    """Raw vs prepared values of one input column of the open project."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.preview: ColumnPreview | None = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Column")))
        self.column_combo = QComboBox()
        bar.addWidget(self.column_combo, 1)
        bar.addWidget(QLabel(_("rows")))
        self.rows_spin = QSpinBox()
        self.rows_spin.setRange(1, 500)
        self.rows_spin.setValue(8)
        bar.addWidget(self.rows_spin)
        self.leak_check = QCheckBox(_("What if fitted on all rows?"))
        self.leak_check.setToolTip(
            _("Show the inputs as they would be with statistics fitted on every row (a leak).")
        )
        bar.addWidget(self.leak_check)
        layout.addLayout(bar)
        self.empty_label = wrapped_label()
        layout.addWidget(self.empty_label)
        self.fit_label = formula_label()
        layout.addWidget(self.fit_label)
        self.leak_label = wrapped_label()
        layout.addWidget(self.leak_label)
        self.warning = warning_label()
        layout.addWidget(self.warning)
        self.rows_table = NumberTable()
        layout.addWidget(self.rows_table, 3)
        self.stats_table = NumberTable()
        layout.addWidget(self.stats_table, 2)
        self.note_label = muted(wrapped_label(), small=True)
        layout.addWidget(self.note_label)

        self.column_combo.currentIndexChanged.connect(self.refresh)
        self.rows_spin.valueChanged.connect(self.refresh)
        self.leak_check.toggled.connect(self.refresh)
        for signal in (document.project_replaced, document.data_changed):
            signal.connect(self._on_data_changed)
        self._on_data_changed()

    def select_column(self, name: str) -> None:
        self.column_combo.setCurrentIndex(self.column_combo.findData(name))

    def _on_data_changed(self) -> None:
        workspace = self.document.workspace
        current = self.column_combo.currentData()
        columns = input_columns(workspace.prepared) if workspace.prepared is not None else []
        self.column_combo.blockSignals(True)
        self.column_combo.clear()
        for name in columns:
            self.column_combo.addItem(name, name)
        if current in columns:
            self.column_combo.setCurrentIndex(columns.index(current))
        self.column_combo.blockSignals(False)
        self.refresh()

    def refresh(self, *_args: object) -> None:
        workspace = self.document.workspace
        column = self.column_combo.currentData()
        has_data = workspace.prepared is not None and workspace.table is not None and column
        for widget in (self.fit_label, self.leak_label, self.rows_table, self.stats_table):
            widget.setVisible(bool(has_data))
        self.warning.hide()
        if not has_data:
            self.preview = None
            self.empty_label.setText(
                _("Data problem: {problem}").format(problem=workspace.data_error)
                if workspace.data_error
                else _("Load a dataset first (Data panel).")
            )
            self.empty_label.show()
            return
        self.empty_label.hide()
        try:
            preview = preview_column(
                workspace.table, workspace.prepared, column, rows=self.rows_spin.value()
            )
        except UserFacingError as exc:
            self.preview = None
            self.empty_label.setText(str(exc))
            self.empty_label.show()
            return
        self.preview = preview
        self._show_fit(preview)
        self._show_rows(preview)
        self._show_stats(preview)

    def _show_fit(self, p: ColumnPreview) -> None:
        if p.kind == "categorical":
            self.fit_label.setText(
                _("One-hot: {n} inputs, one per category seen in the {rows} training rows.").format(
                    n=len(p.outputs), rows=p.n_train
                )
            )
            if p.leak_changes_fit:
                self.leak_label.setText(
                    _(
                        "Fitted on all rows the categories would be {all}; on the training "
                        "split they are {train}."
                    ).format(all=", ".join(p.categories_all), train=", ".join(p.categories))
                )
            else:
                self.leak_label.setText(
                    _("Every category of the column occurs in the training rows.")
                )
        elif p.scaling == "none":
            self.fit_label.setText(_("This project does not scale its inputs."))
            self.leak_label.setText(
                _("Without scaling no statistics are fitted, so nothing can leak.")
            )
        else:
            center, scale = (_(name) for name in fit_names(p.scaling))
            self.fit_label.setText(
                _(
                    "NN Studio fits {scaling} on the training split only ({n} of {total} rows): "
                    "{center} {c:.4f}, {scale} {s:.4f}."
                ).format(
                    scaling=_(SCALINGS[p.scaling]),
                    n=p.n_train,
                    total=p.n_all,
                    center=center,
                    c=p.center,
                    scale=scale,
                    s=p.scale,
                )
            )
            self.leak_label.setText(
                _(
                    "Fitted on all rows the {center} would be {c_all:.4f}, on the training "
                    "split it is {c:.4f}; the {scale} {s_all:.4f} instead of {s:.4f}."
                ).format(
                    center=center,
                    c_all=p.center_all,
                    c=p.center,
                    scale=scale,
                    s_all=p.scale_all,
                    s=p.scale,
                )
            )
        if not p.fitted_on_training:
            self.warning.setText(
                _(
                    "The saved statistics do not match this column's training rows: the data "
                    "changed since they were fitted. Train again to refit them."
                )
            )
            self.warning.show()
        elif self.leak_check.isChecked():
            self.warning.setText(
                _(
                    "Leak: fitted on all rows, the validation and test rows shape the inputs "
                    "the model trains on, and their scores look better than new data will. "
                    "NN Studio never does this."
                )
            )
            self.warning.show()

    def _show_rows(self, p: ColumnPreview) -> None:
        leaky = self.leak_check.isChecked() and p.kind == "numeric" and p.scaling != "none"
        headers = [_("row"), _("split"), _("raw {column}").format(column=p.column)]
        headers += list(p.outputs)
        if leaky:
            headers.append(_("fitted on all rows"))
        rows = []
        tints = []
        for row in p.rows:
            cells: list[object] = [row.row, _(PARTS[row.part]), row.raw, *row.prepared]
            if leaky:
                cells += list(row.leaky)
            rows.append(cells)
            tints.append(None if row.part == "train" else theme.ALTERNATE_BG)
        decimals = [0, 0, 0] + [0 if p.kind == "categorical" else 4] * len(p.outputs)
        decimals += [4] if leaky else []
        self.rows_table.set_rows(headers, rows, decimals, tints=tints)
        self.note_label.setText(
            _(
                "Validation and test rows are encoded with the training rows' statistics, "
                "exactly like new data after training."
            )
        )

    def _show_stats(self, p: ColumnPreview) -> None:
        headers = ["", "n", _("mean"), _("std"), _("min"), _("max")]
        entries = []
        if p.kind == "numeric":
            entries += [
                (_("raw, training rows"), p.raw_train),
                (_("raw, all rows"), p.raw_all),
            ]
        entries += [
            (_("prepared, training rows"), p.prepared_train),
            (_("prepared, validation rows"), p.prepared_val),
        ]
        rows = [(name, s.n, s.mean, s.std, s.min, s.max) for name, s in entries]
        self.stats_table.set_rows(headers, rows, [0, 0, 4, 4, 4, 4])
        self.stats_table.fit_first_column()
        self.stats_table.show_all_rows()

    def stat(self, row_title: str, column: str) -> str:
        """The statistics table's text in row ``row_title``, column ``column`` (for tests)."""
        headers = self.stats_table.headers()
        for row in self.stats_table.texts():
            if row[0] == row_title:
                return row[headers.index(column)]
        raise KeyError(row_title)
