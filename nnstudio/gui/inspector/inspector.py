"""The inspector: what the selected layer is, its parameters, and what they mean.

Three states, chosen by the canvas selection (:meth:`InspectorPanel.show_nodes`):

* one layer: header with the type's help, name / trainable / note, a form of the layer's
  parameters (editors chosen by parameter kind), its output shape and parameter count with
  the formula, and for Dense/Activation layers a plot of f and f′;
* several layers: a count and a bulk "trainable" toggle (one undo step);
* nothing: the model summary table with totals.

The inspector holds no state of its own: every edit is a command pushed through
``document.push`` (refused while training owns the model, in which case the editor shows the
model's value again), and every widget follows the graph's events, so undo/redo and edits made
elsewhere show up here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QPainter, QPaintEvent, QUndoCommand
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.catalogue.layers import LAYERS, count_params
from nnstudio.core.catalogue.params import ParamError
from nnstudio.core.errors import NNStudioError
from nnstudio.core.network.graph import LayerNode
from nnstudio.gui import theme
from nnstudio.gui.commands import MacroCommand, SetAttributeCommand, SetParamCommand
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.inspector.activation_plot import ActivationPlot
from nnstudio.gui.inspector.summary import ModelSummaryView
from nnstudio.gui.widgets.labels import MUTED_STYLE, escape_html
from nnstudio.gui.widgets.param_editors import ParamForm
from nnstudio.gui.widgets.texts import error_text
from nnstudio.i18n import N_, _, ngettext, pgettext, tr

__all__ = ["InspectorPanel", "LayerPage", "SelectionPage"]

#: Layer types that own no weights, so freezing them means nothing.
_NO_WEIGHTS = ("Input", "Dropout", "Add", "Concat")
_TRAINABLE_TIP = N_(
    "Trainable layers learn: their weights change at every optimiser step. Untick to freeze "
    "the layer (its weights stay as they are), e.g. to keep pretrained layers fixed while "
    "fine-tuning the rest with a low learning rate."
)


# --- small building blocks ------------------------------------------------------------------


class _Section(QWidget):
    """A titled group: small bold caption over its content, no box (calmer than QGroupBox)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(6)
        head = QHBoxLayout()
        head.setSpacing(6)
        self.title = QLabel(title.upper(), self)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        font.setLetterSpacing(font.SpacingType.PercentageSpacing, 106)
        self.title.setFont(font)
        self.title.setStyleSheet(MUTED_STYLE)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet(f"color: {theme.SEPARATOR.name()};")
        head.addWidget(self.title)
        head.addWidget(line, 1)
        outer.addLayout(head)
        self.body = QVBoxLayout()
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(6)
        outer.addLayout(self.body)


class _Swatch(QWidget):
    """The layer type's colour, as on the canvas node header."""

    def __init__(self, color: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.color = QColor(color)
        self.setFixedSize(14, 14)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.color)
        painter.drawRoundedRect(self.rect().adjusted(1, 1, -1, -1), 3, 3)


class _NoteEdit(QPlainTextEdit):
    """A multi-line note committed when focus leaves (QPlainTextEdit has no editingFinished)."""

    editing_finished = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.editing_finished.emit()


def _label(text: str = "", parent: QWidget | None = None, *, muted: bool = False) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    if muted:
        label.setStyleSheet(MUTED_STYLE)
    return label


def _section_form(row_spacing: int) -> QFormLayout:
    """A borderless label/field form for a section body, lined up with the parameter form."""
    form = QFormLayout()
    form.setContentsMargins(0, 0, 0, 0)
    form.setHorizontalSpacing(10)
    form.setVerticalSpacing(row_spacing)
    return form


def _problem_html(severity: str, message: str) -> str:
    color = (theme.ERROR if severity == "error" else theme.WARNING_TEXT).name()
    mark = "●" if severity == "error" else "▲"
    return f"<span style='color:{color}'>{mark}</span> {escape_html(message)}"


def _without_name(message: str, name: str) -> str:
    """The header already names the layer: 'dense_1: units …' reads as 'Units …'.

    Translations write the colon full-width ('dense_1：…'); that prefix goes too.
    """
    for prefix in (f"{name}: ", f"{name}：", f"{name} ："):
        if message.startswith(prefix):
            rest = message[len(prefix) :].lstrip()
            return rest[:1].upper() + rest[1:]
    return message


# --- one layer ------------------------------------------------------------------------------


class LayerPage(QWidget):
    """Everything about one node. Built per node; the panel routes model events to it."""

    def __init__(self, panel: InspectorPanel, node: LayerNode) -> None:
        super().__init__()
        self.panel = panel
        self.node_id = node.id
        self.spec = LAYERS.get(node.type)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)

        # Header: what this layer is, in the lesson's words.
        header = QVBoxLayout()
        header.setSpacing(4)
        title_row = QHBoxLayout()
        title_row.setSpacing(8)
        title_row.addWidget(_Swatch(self.spec.color, self))
        self.type_label = QLabel(_(self.spec.label), self)
        self.type_label.setFont(theme.heading_font(2))
        title_row.addWidget(self.type_label, 1)
        header.addLayout(title_row)
        self.help_label = _label(_(self.spec.help), self, muted=True)
        header.addWidget(self.help_label)
        self.problems_label = _label("", self)
        self.problems_label.setTextFormat(Qt.TextFormat.RichText)
        self.problems_label.setVisible(False)
        header.addWidget(self.problems_label)
        layout.addLayout(header)

        # Identity: name, trainable, note.
        ident = _Section(_("Layer"), self)
        form = _section_form(6)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name_edit = QLineEdit(node.name, self)
        self.name_edit.setToolTip(_("The layer's name: unique in the network, used in summaries."))
        self.name_edit.editingFinished.connect(self._on_name_edited)
        form.addRow(_("Name"), self.name_edit)
        self.name_error = _label("", self)
        self.name_error.setStyleSheet(f"color: {theme.ERROR.name()};")
        self.name_error.setVisible(False)
        form.addRow("", self.name_error)
        self.trainable_check = QCheckBox(_("Trainable"), self)
        self.trainable_check.setToolTip(_(_TRAINABLE_TIP))
        self.trainable_check.setChecked(node.trainable)
        self.trainable_check.toggled.connect(self._on_trainable_toggled)
        if node.type not in _NO_WEIGHTS:
            form.addRow("", self.trainable_check)
        else:
            self.trainable_check.setVisible(False)
        self.note_edit = _NoteEdit(self)
        self.note_edit.setPlaceholderText(_("Notes for yourself or your students…"))
        self.note_edit.setPlainText(node.note)
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        self.note_edit.editing_finished.connect(self.commit_note)
        form.addRow(_("Note"), self.note_edit)
        ident.body.addLayout(form)
        layout.addWidget(ident)

        # Parameters: one editor per declared parameter.
        self.form = ParamForm(self.spec.params, self)
        self.form.set_values(node.params)
        self.form.changed.connect(self._on_param_edited)
        if node.type == "Input":
            self.form.set_hints("select", {"placeholder": _("all features")})
        params = _Section(_("Parameters"), self)
        params.body.addWidget(self.form)
        params.setVisible(bool(self.spec.params))
        layout.addWidget(params)

        # Shape and parameter count, with the formula.
        shape = _Section(_("Shape"), self)
        grid = _section_form(4)
        self.shape_value = _label("", self)
        self.inputs_value = _label("", self)
        self.params_value = _label("", self)
        self.params_value.setTextFormat(Qt.TextFormat.RichText)
        grid.addRow(_("Output"), self.shape_value)
        grid.addRow(_("Inputs"), self.inputs_value)
        grid.addRow(_("Params"), self.params_value)
        shape.body.addLayout(grid)
        self.params_note = _label("", self, muted=True)
        shape.body.addWidget(self.params_note)
        layout.addWidget(shape)

        # Activation plot for layers that apply one.
        self.plot: ActivationPlot | None = None
        if "activation" in node.params:
            # Translators: the inspector's section with the plot of the activation function f(z).
            act = _Section(pgettext("inspector section", "Activation"), self)
            self.plot = ActivationPlot(self)
            self.plot.set_activation(node.params["activation"])
            act.body.addWidget(self.plot)
            layout.addWidget(act)

        layout.addStretch(1)
        # One label column for every section, so the fields line up down the page.
        labels = [form.labelForField(w) for w in (self.name_edit, self.note_edit)]
        labels += [grid.labelForField(w) for w in (self.shape_value, self.params_value)]
        width = max([self.form.label_width()] + [lb.sizeHint().width() for lb in labels if lb])
        self.form.set_label_width(width)
        for lb in labels:
            if lb is not None:
                lb.setMinimumWidth(width)
        self.refresh_analysis()

    # -- follow the model -------------------------------------------------------------------

    @property
    def node(self) -> LayerNode:
        return self.panel.document.workspace.graph.node(self.node_id)

    def on_param_changed(self, name: str, value: Any) -> None:
        self.form.set_values({name: value})
        if name == "activation" and self.plot is not None:
            self.plot.set_activation(value)

    def on_node_changed(self, attribute: str) -> None:
        node = self.node
        if attribute == "name":
            self.name_edit.setText(node.name)
            self.name_error.setVisible(False)
        elif attribute == "trainable":
            self.trainable_check.blockSignals(True)
            self.trainable_check.setChecked(node.trainable)
            self.trainable_check.blockSignals(False)
        elif attribute == "note" and self.note_edit.toPlainText() != node.note:
            self.note_edit.setPlainText(node.note)

    def refresh_analysis(self) -> None:
        """Shape, parameter count, problems and editor hints from the workspace's analysis."""
        doc = self.panel.document
        node, analysis, graph = self.node, doc.workspace.analysis, doc.workspace.graph
        problems = analysis.problems_for(node.id)
        self.problems_label.setText(
            "<br>".join(
                _problem_html(p.severity, _without_name(tr(p.message), node.name)) for p in problems
            )
        )
        self.problems_label.setVisible(bool(problems))
        sources = graph.inputs_of(node.id)
        in_sizes = [analysis.sizes.get(s) for s in sources]
        n = analysis.sizes.get(node.id)

        if node.type == "Input":
            self.inputs_value.setText(_("the data's features"))
        elif not sources:
            self.inputs_value.setText(_("none connected"))
        else:
            names = ", ".join(graph.nodes[s].name for s in sources)
            known = [d for d in in_sizes if d is not None]
            if len(known) == len(in_sizes):
                sizes = " + ".join(str(d) for d in known)
                self.inputs_value.setText(
                    _("d = {sizes}  (from {names})").format(sizes=sizes, names=names)
                )
            else:
                self.inputs_value.setText(_("from {names}").format(names=names))

        if n is None:
            self.shape_value.setText(_("unknown until the problems above are fixed"))
            self.params_value.setText("—")
            self.params_note.setText("")
        else:
            self.shape_value.setText(f"[batch, {n}]")
            self._show_count(node, [d for d in in_sizes if d is not None], n)

        # Hints: what 'auto' resolves to, the size explicit weights need.
        if "units" in node.params:
            self.form.set_hints("units", {"auto_value": n} if n is not None else {})
        if "size" in node.params:
            self.form.set_hints(
                "size", {"auto_value": n, "placeholder": ""} if n is not None else {}
            )
        if node.type == "Dense":
            fan_in = in_sizes[0] if len(in_sizes) == 1 else None
            weight = {"matrix_shape": (n, fan_in)} if n and fan_in else {}
            self.form.set_hints("weight_init", weight)
            self.form.set_hints("bias_init", {"matrix_shape": (1, n)} if n else {})

    def _show_count(self, node: LayerNode, in_sizes: list[int], n: int) -> None:
        count = count_params(node.type, node.params, in_sizes, n) if in_sizes or n else 0
        if node.type == "Dense" and in_sizes:
            d = in_sizes[0]
            if node.params.get("bias", True):
                formula = f"n·(d+1) = {n}·({d}+1) = {n * (d + 1):,}"
                note = _("{weights:,} weights (n·d) and {biases:,} biases (n).").format(
                    weights=n * d, biases=n
                )
            else:
                formula = f"n·d = {n}·{d} = {n * d:,}"
                note = _("No bias: only the n·d weights.")
            act = node.params.get("activation", {})
            if act.get("name") == "prelu":
                extra = n if act.get("per_unit") else 1
                formula += f" + {extra} = {count:,}"
                slopes = ngettext(
                    "PReLU learns {count} slope.", "PReLU learns {count} slopes.", extra
                )
                note += " " + slopes.format(count=extra)
            self.params_value.setText(f"<b>{count:,}</b> &nbsp; {formula}")
            self.params_note.setText(note)
        elif node.type == "BatchNorm1d":
            if node.params.get("affine", True):
                self.params_value.setText(f"<b>{count:,}</b> &nbsp; 2·n = 2·{n} = {2 * n:,}")
                self.params_note.setText(_("A scale γ and a shift β per feature."))
            else:
                self.params_value.setText("<b>0</b>")
                self.params_note.setText(_("γ and β are not learned (affine is off)."))
        elif node.type == "Input":
            self.params_value.setText("<b>0</b>")
            self.params_note.setText(_("Inputs are not parameters: they are the data."))
        else:
            self.params_value.setText(f"<b>{count:,}</b>")
            self.params_note.setText(
                _("This layer learns no weights.")
                if count == 0
                else _("Learned activation slopes.")
            )

    # -- user edits -------------------------------------------------------------------------

    def _on_param_edited(self, name: str, value: Any) -> None:
        node = self.node
        old = node.params.get(name)
        if value == old:
            return
        try:
            self.spec.param(name).coerce(value)
        except (ParamError, KeyError) as exc:
            self.panel.show_message(error_text(exc))
            self.form.set_values({name: old})
            return
        if not self.panel.push(SetParamCommand(self.panel.document, node.id, name, value)):
            self.form.set_values({name: self.node.params.get(name)})
            return
        if name == "activation" and self.plot is not None:
            self.plot.set_activation(self.node.params[name])

    def _on_name_edited(self) -> None:
        node = self.node
        text = self.name_edit.text().strip()
        if text == node.name:
            self.name_edit.setText(node.name)
            self.name_error.setVisible(False)
            return
        graph = self.panel.document.workspace.graph
        problem = None
        if not text:
            problem = _("A layer needs a name.")
        elif any(n.name == text and n.id != node.id for n in graph.nodes.values()):
            problem = _("Another layer is already called “{name}”: names must be unique.").format(
                name=text
            )
        if problem is None and self.panel.push(
            SetAttributeCommand(self.panel.document, node.id, "name", text)
        ):
            self.name_error.setVisible(False)
            return
        if problem:
            self.name_error.setText(problem)
            self.name_error.setVisible(True)
        self.name_edit.setText(self.node.name)

    def _on_trainable_toggled(self, checked: bool) -> None:
        node = self.node
        if checked == node.trainable:
            return
        if not self.panel.push(
            SetAttributeCommand(self.panel.document, node.id, "trainable", checked)
        ):
            self.on_node_changed("trainable")

    def commit_note(self) -> None:
        """Store the note (on focus out); a refused edit puts the model's note back."""
        node = self.node
        text = self.note_edit.toPlainText()
        if text == node.note:
            return
        if not self.panel.push(SetAttributeCommand(self.panel.document, node.id, "note", text)):
            self.note_edit.setPlainText(self.node.note)


# --- several layers -------------------------------------------------------------------------


class SelectionPage(QWidget):
    """A count of the selected layers and a bulk trainable toggle (one undo step)."""

    def __init__(self, panel: InspectorPanel) -> None:
        super().__init__()
        self.panel = panel
        self.node_ids: list[str] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        self.title = QLabel(self)
        self.title.setFont(theme.heading_font(2))
        layout.addWidget(self.title)
        self.names = _label("", self, muted=True)
        layout.addWidget(self.names)
        section = _Section(_("Together"), self)
        self.params_label = _label("", self)
        section.body.addWidget(self.params_label)
        self.trainable_check = QCheckBox(_("Trainable"), self)
        self.trainable_check.setToolTip(
            _(_TRAINABLE_TIP) + "\n\n" + _("This sets every selected layer at once.")
        )
        self.trainable_check.clicked.connect(self._on_trainable_clicked)
        section.body.addWidget(self.trainable_check)
        layout.addWidget(section)
        layout.addStretch(1)

    def show_nodes(self, node_ids: Sequence[str]) -> None:
        self.node_ids = list(node_ids)
        self.refresh()

    def _weighted(self) -> list[LayerNode]:
        graph = self.panel.document.workspace.graph
        return [graph.nodes[i] for i in self.node_ids if graph.nodes[i].type not in _NO_WEIGHTS]

    def refresh(self) -> None:
        graph = self.panel.document.workspace.graph
        nodes = [graph.nodes[i] for i in self.node_ids if i in graph.nodes]
        self.title.setText(
            ngettext("{count} layer selected", "{count} layers selected", len(nodes)).format(
                count=len(nodes)
            )
        )
        shown = ", ".join(n.name for n in nodes[:8]) + (" …" if len(nodes) > 8 else "")
        self.names.setText(shown)
        analysis = self.panel.document.workspace.analysis
        total = 0
        known = True
        for n in nodes:
            size = analysis.sizes.get(n.id)
            ins = [analysis.sizes.get(s) for s in graph.inputs_of(n.id)]
            if size is None or any(d is None for d in ins):
                known = False
                continue
            total += count_params(n.type, n.params, ins, size)  # type: ignore[arg-type]
        self.params_label.setText(
            _("Parameters in the selection: {count}").format(count=f"<b>{total:,}</b>")
            if known
            else _("Parameters in the selection: unknown until the network is valid")
        )
        weighted = self._weighted()
        self.trainable_check.setEnabled(bool(weighted))
        states = {n.trainable for n in weighted}
        self.trainable_check.blockSignals(True)
        self.trainable_check.setTristate(len(states) > 1)
        if len(states) > 1:
            self.trainable_check.setCheckState(Qt.CheckState.PartiallyChecked)
        else:
            self.trainable_check.setChecked(states != {False})
        self.trainable_check.blockSignals(False)

    def _on_trainable_clicked(self) -> None:
        # A click on a partially checked box moves to checked: "make them all trainable".
        target = self.trainable_check.checkState() != Qt.CheckState.Unchecked
        self.panel.set_trainable([n.id for n in self._weighted()], target)
        self.refresh()


# --- the panel ------------------------------------------------------------------------------


class InspectorPanel(QWidget):
    """Edits the selected layers; shows the model summary when nothing is selected."""

    #: A layer was picked in the summary table (the main window selects and centres it).
    node_activated = Signal(str)

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.node_ids: list[str] = []
        self.layer_page: LayerPage | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            f"QLabel {{ background: {theme.NOTICE_BG.name()}; color: {theme.NOTICE_TEXT.name()};"
            f" padding: 6px 10px; border-bottom: 1px solid {theme.NOTICE_BORDER.name()}; }}"
        )
        self.banner.setVisible(False)
        outer.addWidget(self.banner)

        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(self.scroll)
        self.stack = QStackedWidget()
        self.stack.setContentsMargins(12, 10, 12, 12)
        self.scroll.setWidget(self.stack)

        # Nothing selected: the model summary.
        self.summary_page = QWidget()
        summary_layout = QVBoxLayout(self.summary_page)
        summary_layout.setContentsMargins(0, 0, 0, 0)
        summary_layout.setSpacing(8)
        title = QLabel(_("Model summary"), self.summary_page)
        title.setFont(theme.heading_font(2))
        summary_layout.addWidget(title)
        summary_layout.addWidget(
            _label(_("Select a layer on the canvas to edit it."), self.summary_page, muted=True)
        )
        self.summary = ModelSummaryView(self.summary_page)
        self.summary.node_activated.connect(self.node_activated)
        summary_layout.addWidget(self.summary)
        summary_layout.addStretch(1)
        self.stack.addWidget(self.summary_page)

        self.selection_page = SelectionPage(self)
        self.stack.addWidget(self.selection_page)

        document.analysis_changed.connect(self._on_document_analysis_changed)
        document.project_replaced.connect(self._on_document_project_replaced)
        document.locked_changed.connect(self._on_document_locked_changed)
        document.param_changed.connect(self._on_graph_param_changed)
        document.node_changed.connect(self._on_graph_node_changed)
        document.node_removed.connect(self._on_graph_node_removed)
        self.show_nodes([])

    # -- public -----------------------------------------------------------------------------

    def show_nodes(self, node_ids: Sequence[str]) -> None:
        """Show a selection; the main window calls this when the canvas selection changes."""
        graph = self.document.workspace.graph
        ids = [i for i in node_ids if i in graph.nodes]
        self.node_ids = ids
        if len(ids) == 1:
            if self.layer_page is None or self.layer_page.node_id != ids[0]:
                self._drop_layer_page()
                self.layer_page = LayerPage(self, graph.nodes[ids[0]])
                self.stack.addWidget(self.layer_page)
            self._set_page(self.layer_page)
            return
        self._drop_layer_page()
        if ids:
            self.selection_page.show_nodes(ids)
            self._set_page(self.selection_page)
        else:
            self.summary.refresh(graph, self.document.workspace.shape_context)
            self._set_page(self.summary_page)

    def push(self, command: QUndoCommand) -> bool:
        """Push through the document; False when refused (locked) or the model said no."""
        try:
            return self.document.push(command)
        except NNStudioError as exc:
            self.show_message(error_text(exc))
            return False

    def set_trainable(self, node_ids: Sequence[str], trainable: bool) -> bool:
        """Freeze or unfreeze several layers as one undo step."""
        graph = self.document.workspace.graph
        changing = [i for i in node_ids if graph.nodes[i].trainable != trainable]
        if not changing:
            return True
        text = _("Unfreeze {count} layers") if trainable else _("Freeze {count} layers")
        steps = [SetAttributeCommand(self.document, i, "trainable", trainable) for i in changing]
        macro = MacroCommand(text.format(count=len(changing)))
        for step in steps:
            macro.add(step)
        return self.push(macro)

    def show_message(self, text: str) -> None:
        self.document.message.emit(text)

    # -- plumbing ---------------------------------------------------------------------------

    def _set_page(self, page: QWidget) -> None:
        # A QStackedWidget is as tall as its tallest page; let only the current one count.
        for i in range(self.stack.count()):
            widget = self.stack.widget(i)
            policy = QSizePolicy.Policy.Preferred if widget is page else QSizePolicy.Policy.Ignored
            widget.setSizePolicy(policy, policy)
        self.stack.setCurrentWidget(page)
        self.stack.adjustSize()

    def _drop_layer_page(self) -> None:
        if self.layer_page is not None:
            self.stack.removeWidget(self.layer_page)
            self.layer_page.deleteLater()
            self.layer_page = None

    def _on_graph_param_changed(self, node: LayerNode, name: str, old: Any, new: Any) -> None:
        if self.layer_page is not None and node.id == self.layer_page.node_id:
            self.layer_page.on_param_changed(name, new)

    def _on_graph_node_changed(self, node: LayerNode, attribute: str) -> None:
        if self.layer_page is not None and node.id == self.layer_page.node_id:
            self.layer_page.on_node_changed(attribute)
        elif self.stack.currentWidget() is self.selection_page and node.id in self.node_ids:
            self.selection_page.refresh()

    def _on_graph_node_removed(self, node: LayerNode) -> None:
        if node.id in self.node_ids:
            self.show_nodes([i for i in self.node_ids if i != node.id])

    def _on_document_analysis_changed(self, _analysis: object) -> None:
        current = self.stack.currentWidget()
        if current is self.layer_page and self.layer_page is not None:
            if self.layer_page.node_id in self.document.workspace.graph.nodes:
                self.layer_page.refresh_analysis()
        elif current is self.selection_page:
            self.selection_page.refresh()
        else:
            self.summary.refresh(
                self.document.workspace.graph, self.document.workspace.shape_context
            )

    def _on_document_project_replaced(self) -> None:
        self._drop_layer_page()
        self.show_nodes([])

    def _on_document_locked_changed(self, locked: bool) -> None:
        reason = self.document.lock_reason or ""
        self.banner.setText(
            _("{reason} Changes to the network are paused.").format(reason=tr(reason))
            if locked
            else ""
        )
        self.banner.setVisible(locked)
