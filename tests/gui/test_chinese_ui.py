"""The whole window in Simplified Chinese, walked widget by widget.

The other Chinese tests check chosen texts; this one opens the main window in zh_CN, shows
every dock, the dialogs and every registered lesson view, and reads every text a user can
see: labels, buttons, group and tab titles, combo entries, placeholders, tooltips, header
labels, plot titles and axis labels, menu entries. Each must be Chinese, or be made only of
what stays the same in both languages: numbers and formulas, the names the lessons keep in
Latin letters (the allow-list below), and the user's own names (layers, columns, classes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QTabBar,
    QWidget,
)

from nnstudio.core.catalogue.layers import LAYERS
from nnstudio.gui.commands import AddNodeCommand
from nnstudio.gui.lab.registry import LAB_VIEWS
from nnstudio.gui.main_window import samples_dir
from tests.gui.test_chinese_shell import chinese, chinese_text  # noqa: F401  (fixture)

#: Words that are the same in both interfaces: names the lessons keep in Latin letters
#: (glossary-zh.md), catalogue names that are proper names, formats and units.
ALLOWED = {
    # the lessons' Latin names
    "ReLU",
    "LeakyReLU",
    "PReLU",
    "ReLU6",
    "GELU",
    "ELU",
    "SELU",
    "CELU",
    "SiLU",
    "Swish",
    "Mish",
    "Sigmoid",
    "Hardsigmoid",
    "Tanh",
    "Hardtanh",
    "Softmax",
    "LogSoftmax",
    "Softplus",
    "Softsign",
    "Tanhshrink",
    "Hardswish",
    "Identity",
    "Adam",
    "AdamW",
    "AdaGrad",
    "Adagrad",
    "RMSprop",
    "RMSProp",
    "SGD",
    "Lion",
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
    "Dropout",
    "BN",
    "MSE",
    "MAE",
    "RMSE",
    "L1",
    "L2",
    "SmoothL1",
    "Huber",
    "BCE",
    "Epoch",
    "Epochs",
    "Batch",
    "batch",
    "batch_size",
    "Leaky",
    "lr",
    "Xavier",
    "He",
    "Kaiming",
    "Glorot",
    "LeCun",
    "XOR",
    "AND",
    "OR",
    "AMSGrad",
    "logits",
    "Conv",
    "LSTM",
    "GRU",
    "Nesterov",
    "ETA",
    "F1",
    "AUC",
    "R²",
    "OneCycle",
    # formats, programs, units
    "CSV",
    "PNG",
    "SVG",
    "PDF",
    "HTML",
    "JSON",
    "ONNX",
    "TorchScript",
    "PyTorch",
    "Python",
    "NN",
    "Studio",
    "CPU",
    "GPU",
    "CUDA",
    "ms",
    "px",
    "KB",
    "MB",
    "GB",
    "Qt",
    "pyqtgraph",
    "PySide6",
    "Ctrl",
    "Shift",
    "Alt",
    "Del",
    "Esc",
    "Enter",
    "Tab",
    "Space",
    "Backspace",
    "Wheel",
    "Kaggle",
    "nnsproj",
    "csv",
    "png",
    "svg",
    "onnx",
    "pt",
    "py",
    "max",
    "min",
    "exp",
    "log",
    "tanh",
    "sigmoid",
    "relu",
    "std",
    "var",
    "mean",
    "fan_in",
    "fan_out",
    "Lesson",
    "net",
    "out",
}
WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9²]+")
TAG = re.compile(r"<[^>]+>|&[a-z]+;|&#\d+;")
#: Code-like names: a call with its arguments, an indexed name, a qualified name.
CODE = re.compile(
    r"[A-Za-z_][\w.]*\([^()]*\)|[A-Za-z_][\w.]*(?=[(\[])|[A-Za-z_]\w*\.[A-Za-z_][\w.]*"
)


def english_words(text: str, names: set[str]) -> list[str]:
    """The words of ``text`` that are neither Chinese, allowed, nor the user's names.

    Formulas and code stay as the lessons write them: a name called like a function
    (``step(…)``, ``F.l1_loss(…)``), indexed (``weight[0, 0]``) or qualified
    (``dense_1.weight``), and single letters with indices or powers (``x²``, ``w5``).
    """
    if not text or chinese_text(text):
        return []
    plain = TAG.sub(" ", text).replace("&&", "&").replace("&", "")
    plain = CODE.sub(" ", plain)
    return [
        w
        for w in WORD.findall(plain)
        if w not in ALLOWED and w not in names and not re.fullmatch(r"[A-Za-z][\d²³]*", w)
    ]


def widget_texts(widget: QWidget) -> Iterator[tuple[str, str]]:
    """(what, text) for every text ``widget`` shows or explains."""
    kind = type(widget).__name__
    yield f"{kind} tooltip", widget.toolTip()
    if isinstance(widget, QLabel | QAbstractButton):
        yield kind, widget.text()
    elif isinstance(widget, QGroupBox):
        yield kind, widget.title()
    elif isinstance(widget, QLineEdit):
        yield f"{kind} placeholder", widget.placeholderText()
    elif isinstance(widget, QComboBox):
        for i in range(widget.count()):
            yield kind, widget.itemText(i)
            yield f"{kind} item tooltip", widget.itemData(i, Qt.ItemDataRole.ToolTipRole) or ""
    elif isinstance(widget, QTabBar):
        for i in range(widget.count()):
            yield kind, widget.tabText(i)
            yield f"{kind} tooltip", widget.tabToolTip(i)
    elif isinstance(widget, QAbstractSpinBox):
        yield f"{kind} special", getattr(widget, "specialValueText", lambda: "")()
        yield f"{kind} suffix", getattr(widget, "suffix", lambda: "")()
    model = widget.model() if isinstance(widget, QAbstractItemView) else None
    if isinstance(model, QAbstractTableModel | QStandardItemModel | QSortFilterProxyModel):
        for section in range(model.columnCount(QModelIndex())):
            yield f"{kind} header", str(model.headerData(section, Qt.Orientation.Horizontal) or "")
    if isinstance(widget, pg.PlotWidget):
        item = widget.getPlotItem()
        yield "plot title", item.titleLabel.text
        for name in ("left", "bottom", "right", "top"):
            axis = item.getAxis(name)
            if axis.isVisible():
                yield "plot axis", axis.labelText


def untranslated(root: QWidget, names: set[str]) -> list[str]:
    """Every visible text under ``root`` that still speaks English."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if widget is not root and not widget.isVisibleTo(root):
            continue
        for what, text in widget_texts(widget):
            words = english_words(text, names)
            if words:
                found.append(f"{what} {widget.objectName() or ''}: {text!r} ({', '.join(words)})")
    return found


def menu_texts(menu: QMenu) -> Iterator[str]:
    for action in menu.actions():
        if action.isSeparator():
            continue
        yield action.text()
        yield action.toolTip()
        sub = action.menu()
        if sub is not None and sub.objectName() != "language" and action.text() != "语言(&L)":
            yield from menu_texts(sub)


def project_names(window) -> set[str]:
    """The user's own words in the open project: names of layers, columns, classes, samples."""
    workspace = window.document.workspace
    project = workspace.project
    names = {node.name for node in project.graph.nodes.values()}
    names.update(node.type for node in project.graph.nodes.values() if node.type in ALLOWED)
    table = getattr(workspace, "table", None)
    if table is not None:
        names.update(str(c) for c in table.frame.columns)
    prepared = getattr(workspace, "prepared", None)
    names.update(str(c) for c in getattr(prepared, "class_names", None) or ())
    names.update(WORD.findall(project.name or ""))
    names.update(WORD.findall(str(getattr(project.data, "source", "") or "")))
    return names


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


@pytest.fixture
def window(chinese, open_window):  # noqa: F811  (the fixture imported above)
    win = open_window(size=(1280, 800))
    win.start()
    settle()
    return win


def each(items: Iterable[str]) -> list[str]:
    return [f"{text!r}" for text in items]


def test_every_menu_entry_and_tooltip_is_chinese(window):
    names = project_names(window)
    texts = [t for top in window.menuBar().actions() for t in menu_texts(top.menu())]
    texts += [a.toolTip() for a in window.toolbar.actions() if not a.isSeparator()]
    assert len(texts) > 60
    assert each(t for t in texts if english_words(t, names)) == []


@pytest.mark.parametrize("sample", ["spirals", "brand_price", "regression", "mobile_price"])
def test_every_dock_speaks_chinese_when_shown(window, qtbot, sample):
    if sample != "spirals":
        assert window.open_sample(samples_dir() / f"{sample}.nnsproj", quiet=True)
    workspace = window.document.workspace
    qtbot.waitUntil(lambda: workspace.prepared is not None, timeout=60_000)
    settle()
    names = project_names(window)
    problems = []
    for name, dock in window.docks.items():
        dock.show()
        dock.raise_()
        settle()
        assert chinese_text(dock.windowTitle()), name
        problems += [f"[{name}] {p}" for p in untranslated(dock.widget(), names)]
    assert not problems, "\n".join(problems)


def test_every_layer_in_the_inspector_speaks_chinese(window):
    names = project_names(window)
    inspector = window.workbench.inspector
    window.docks["inspector"].raise_()
    problems = []
    document = window.document
    for layer_type in LAYERS.names():
        document.push(AddNodeCommand(document, layer_type, position=(900.0, 0.0)))
    settle()
    for node_id, node in document.workspace.project.graph.nodes.items():
        inspector.show_nodes([node_id])
        settle()
        problems += [f"[{node.type}] {p}" for p in untranslated(inspector, names)]
    assert not problems, "\n".join(problems)


def test_every_loss_optimizer_and_schedule_form_speaks_chinese(window):
    """Each choice's own parameter form, as the training panel shows it when chosen."""
    names = project_names(window)
    panel = window.workbench.training
    window.docks["training"].raise_()
    problems = []
    for combo in (panel.optimizer_combo, panel.schedule_combo, panel.loss_combo):
        start = combo.currentIndex()
        for index in range(combo.count()):
            combo.setCurrentIndex(index)
            settle()
            problems += [f"[{combo.itemText(index)}] {p}" for p in untranslated(panel, names)]
        combo.setCurrentIndex(start)
    assert len(problems) == len(set(problems)) and not problems, "\n".join(sorted(set(problems)))


def test_the_canvas_and_status_bar_speak_chinese(window):
    names = project_names(window)
    problems = untranslated(window.statusBar(), names)
    problems += untranslated(window.workbench.canvas, names)
    scene = window.workbench.canvas.scene()
    for item in scene.items():
        for getter in ("toPlainText", "text"):
            text = getattr(item, getter, None)
            if callable(text) and english_words(text(), names):
                problems.append(f"{type(item).__name__}: {text()!r}")
        tip = item.toolTip()
        if english_words(tip, names):
            problems.append(f"{type(item).__name__} tooltip: {tip!r}")
    assert not problems, "\n".join(problems)


def test_the_race_dialog_speaks_chinese_in_the_window(window, qtbot):
    window.show_race()
    dialog = window.workbench.race
    qtbot.waitUntil(dialog.isVisible, timeout=10_000)
    settle()
    problems = untranslated(dialog, project_names(window))
    dialog.close()
    dialog.deleteLater()
    assert not problems, "\n".join(problems)


def test_the_shortcuts_and_about_boxes_speak_chinese(window, dialogs, monkeypatch):
    names = project_names(window)
    about: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "about", staticmethod(lambda parent, title, text: about.append(title + text))
    )
    window.show_shortcuts()
    window.show_about()
    shown_texts = [*dialogs.asked, *about]
    assert len(shown_texts) == 2
    assert each(t for t in shown_texts if english_words(t, names)) == []


@pytest.mark.parametrize("spec", LAB_VIEWS, ids=lambda spec: spec.key)
def test_every_lesson_view_speaks_chinese(window, qtbot, spec):
    view = spec.create(window.document, None)
    qtbot.addWidget(view)
    view.resize(900, 560)
    view.show()
    settle()
    assert untranslated(view, project_names(window)) == []


def test_open_dialogs_left_behind_are_none(window):
    """The walk opened nothing it did not close (a stray dialog would hide a real one)."""
    stray = [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]
    assert stray == []


def test_the_walk_finds_english_in_the_english_window(open_window, qtbot):
    """The walk can fail: in English it finds the labels, headers, axes and tooltips."""
    win = open_window(size=(1280, 800))
    win.start()
    assert win.open_sample(samples_dir() / "brand_price.nnsproj", quiet=True)
    qtbot.waitUntil(lambda: win.document.workspace.prepared is not None, timeout=60_000)
    found = {}
    for name, dock in win.docks.items():
        dock.show()
        dock.raise_()
        settle()
        found[name] = untranslated(dock.widget(), project_names(win))
    assert all(found[name] for name in ("data", "training", "plots", "inspector")), found
    kinds = {line.split(" ")[0] for lines in found.values() for line in lines}
    assert {"QLabel", "QPushButton", "plot", "QComboBox"} <= kinds, kinds
    assert any(" header" in line for lines in found.values() for line in lines)


def test_the_lesson_dialogs_speak_chinese(window, qtbot):
    """The start page, the teacher's Lock dialog and the lesson report's dialog."""
    from nnstudio.gui.evaluation_dialog import EvaluationDialog
    from nnstudio.gui.lab.lessons import LockDialog, StartPage
    from nnstudio.gui.report_dialog import ReportDialog
    from nnstudio.gui.search_dialog import SearchDialog

    names = project_names(window)
    dialogs = [
        StartPage(True, window),
        LockDialog(window.project.classroom, window.lock_panel_titles(), window),
        ReportDialog(window.document, window.workbench.canvas, window.settings, window),
        SearchDialog(window.document, window),
        EvaluationDialog(window.document, window),
    ]
    problems = []
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        settle()
        assert chinese_text(dialog.windowTitle()), dialog.windowTitle()
        problems += [f"[{type(dialog).__name__}] {p}" for p in untranslated(dialog, names)]
        dialog.close()
    assert not problems, "\n".join(problems)


def test_presentation_mode_speaks_chinese(window):
    names = project_names(window)
    window.actions_by_name["presentation"].trigger()
    settle()
    try:
        problems = []
        for name, dock in window.docks.items():
            if dock.isVisible():
                problems += [f"[{name}] {p}" for p in untranslated(dock.widget(), names)]
        assert not problems, "\n".join(problems)
    finally:
        window.actions_by_name["presentation"].trigger()
