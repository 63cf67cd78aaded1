"""The window's shell in Simplified Chinese: menus, docks, canvas, inspector, palette, editors,
the neuron view, Qt's own dialogs, and fonts that draw both scripts.

Texts the core defines (layer names and help, parameter titles, validation problems) are
translated by the core's catalogue entries; here a stand-in catalogue in front of the shipped
one shows that the shell translates them where it shows them, whatever the core's entries say.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Iterator

import pyqtgraph as pg
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from PySide6.QtCore import QLocale
from PySide6.QtGui import QFont, QFontInfo, QTextLayout
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
)

from nnstudio import i18n
from nnstudio.core.catalogue.activations import ACTIVATIONS
from nnstudio.core.catalogue.layers import LAYERS
from nnstudio.core.network.graph import Graph
from nnstudio.core.project import Project, load_project
from nnstudio.gui.canvas.items.layer_item import _font as card_font
from nnstudio.gui.canvas.view import CanvasView
from nnstudio.gui.commands import AddNodeCommand, SetParamCommand
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.inspector.inspector import InspectorPanel
from nnstudio.gui.language import CJK_FONTS, apply_language, cjk_fallbacks
from nnstudio.gui.neuron_view import NeuronView
from nnstudio.gui.palette import LayerPalette
from nnstudio.gui.widgets.banner import BannerMessage, ProblemBanner
from nnstudio.gui.widgets.labels import tip_label
from nnstudio.gui.widgets.param_editors import MatrixDialog
from nnstudio.i18n import Text, tr
from tests.conftest import REPO
from tests.gui.helpers import open_document, shown

Btn = QMessageBox.StandardButton
HAN = re.compile(r"[\u4e00-\u9fff]")
#: Families whose font substitutions the language set-up may change (restored after each test).
SUBSTITUTED = ("Sans Serif", "Monospace", "Serif", "DejaVu Sans")


def chinese_text(text: str) -> bool:
    return bool(HAN.search(text))


@pytest.fixture
def chinese(qapp, monkeypatch) -> Iterator[QApplication]:
    """The app in zh_CN as NN Studio starts it; English, its font and locale back afterwards."""
    app = QApplication.instance()
    font, locale = app.font(), QLocale()
    touched = (QFontInfo(font).family(), *SUBSTITUTED)
    substitutes = {family: QFont.substitutes(family) for family in touched}
    monkeypatch.setenv("NNSTUDIO_LANG", "en")
    assert apply_language(app, "zh_CN") == "zh_CN"
    yield app
    apply_language(app, "en")
    app.setFont(font)
    QLocale.setDefault(locale)
    for family, before in substitutes.items():
        QFont.removeSubstitutions(family)
        if before:
            QFont.insertSubstitutions(family, before)


def stand_in(entries: dict[str, str]) -> None:
    """Translations in front of the shipped catalogue, for texts the core's entries cover.

    Set directly (not with monkeypatch): the ``chinese`` fixture's teardown switches back
    to English, and a monkeypatch undone after it would bring Chinese back.
    """
    catalog = Catalog(locale="zh_CN")
    for msgid, msgstr in entries.items():
        catalog.add(msgid, msgstr)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    translation = gettext.GNUTranslations(buffer)
    translation.add_fallback(i18n._translation)
    i18n._translation = translation


def msgid_of(message: str) -> str:
    """What ``tr`` looks up for a message: a Text's template, else the text itself."""
    return message.template if isinstance(message, Text) else str(message)


def spirals() -> Project:
    return load_project(REPO / "samples" / "spirals.nnsproj")


def menu_actions(menu: QMenu) -> list:
    """Every action of ``menu`` and its submenus (not the language names, each in its own)."""
    found = []
    for action in menu.actions():
        sub = action.menu()
        if sub is not None:
            found.append(action)
            if sub.objectName() != "language" and action.text() != "语言(&L)":
                found.extend(menu_actions(sub))
        elif not action.isSeparator():
            found.append(action)
    return found


# --- the window ---------------------------------------------------------------------------


def test_menus_toolbar_docks_and_title_speak_chinese(chinese, open_window):
    window = open_window(size=(1280, 800))
    window.start()
    bar = window.menuBar()
    assert [a.text() for a in bar.actions()] == [
        "文件(&F)",
        "编辑(&E)",
        "视图(&V)",
        "课程(&L)",
        "训练(&T)",
        "帮助(&H)",
    ]
    actions = [a for top in bar.actions() for a in menu_actions(top.menu())]
    assert len(actions) > 30
    english = [a.text() for a in actions if not chinese_text(a.text())]
    assert english == []
    untranslated_tips = [a.toolTip() for a in actions if not chinese_text(a.toolTip())]
    assert untranslated_tips == []
    assert all(chinese_text(dock.windowTitle()) for dock in window.docks.values())
    assert window.docks["inspector"].windowTitle() == "属性"
    assert window.toolbar.windowTitle() == "主工具栏"
    assert window.actions_by_name["train"].toolTip() == "训练网络 (F5)"
    assert "（未保存）" in window.windowTitle()
    assert "已打开示例“Two spirals”" in window.statusBar().currentMessage()
    assert window.workbench.history.emptyLabel() == "<打开的项目>"


def test_questions_and_help_boxes_speak_chinese(chinese, open_window, dialogs, monkeypatch):
    monkeypatch.setattr(
        QMessageBox,
        "about",
        staticmethod(lambda parent, title, text: dialogs.asked.append(f"about: {title}: {text}")),
    )
    window = open_window(size=(1280, 800))
    window.start()
    doc = window.document
    doc.push(AddNodeCommand(doc, "Dropout", position=(0, 300)))
    dialogs.answers = [Btn.Cancel]
    window.new_project()
    assert dialogs.asked[-1] == "保存对“Two spirals”的修改吗？"
    window.show_shortcuts()
    shortcuts = dialogs.asked[-1]
    assert shortcuts.startswith("information: 键盘快捷键: ")
    # Mnemonics are written "新建(&N)" in Chinese: the list shows the words alone.
    assert "<td>新建</td>" in shortcuts and "(N)" not in shortcuts and "&" not in shortcuts
    assert "滚轮 / 中键拖动" in shortcuts
    window.show_about()
    assert dialogs.asked[-1].startswith("about: 关于 NN Studio: <h3>NN Studio ")
    assert "<p>点点鼠标，就能搭建、训练并理解神经网络。</p>" in dialogs.asked[-1]


def test_undo_steps_are_named_in_chinese_in_the_history_and_edit_menu(chinese, open_window):
    window = open_window(size=(1280, 800))
    window.start()
    window.new_project()
    doc, canvas = window.document, window.workbench.canvas
    (input_id,) = list(doc.workspace.graph.nodes)
    canvas.select_nodes([input_id])
    window.workbench.palette.layer_requested.emit("Dense")
    undo = window.actions_by_name["undo"]
    assert doc.undo_stack.text(0).startswith("在 input_1 之后添加 ")
    assert undo.text() == f"撤销(&U) {doc.undo_stack.text(0)}"
    assert undo.toolTip() == f"撤销 {doc.undo_stack.text(0)}"
    canvas.select_all()
    canvas.delete_selection()
    assert doc.undo_stack.undoText() == "删除 2 个层"
    undo.trigger()
    assert window.actions_by_name["redo"].text() == "重做(&R) 删除 2 个层"


# --- Qt's own dialogs -----------------------------------------------------------------------


def test_qt_message_box_buttons_and_file_dialog_speak_chinese(chinese):
    box = QMessageBox()
    box.setStandardButtons(Btn.Save | Btn.Discard | Btn.Cancel)
    assert [box.button(b).text() for b in (Btn.Save, Btn.Discard, Btn.Cancel)] == [
        "保存",
        "丢弃",
        "取消",
    ]
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    assert [b.text() for b in buttons.buttons()] == ["确定", "取消"]
    dialog = QFileDialog(None, "保存")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    assert "保存(&S)" in [b.text() for b in dialog.findChildren(QPushButton)]
    labels = {label.text() for label in dialog.findChildren(QLabel)}
    # Qt's own catalogue lacks Qt 6's "&Look in:" and "Files of &type:": ours fills them in.
    assert {"查找范围(&L)：", "文件名称(&N)：", "文件类型(&T)："} <= labels
    assert QApplication.translate("QAbstractFileIconProvider", "Folder", "All other platforms") == (
        "文件夹"
    )
    apply_language(chinese, "en")
    again = QMessageBox()
    again.setStandardButtons(Btn.Save)
    assert again.button(Btn.Save).text() == "Save"


# --- the canvas -----------------------------------------------------------------------------


def test_canvas_cards_ports_edges_and_messages_speak_chinese(chinese, qtbot):
    doc = ProjectDocument(spirals())
    doc.workspace.reload_data()
    doc.revalidate()
    view = shown(qtbot, CanvasView(doc), (900, 500))
    graph = doc.workspace.graph
    dense = next(n for n in graph.nodes.values() if n.name == "dense_1")
    card = view.node_item(dense.id)
    assert card.footer_texts() == ("[batch, 32]", "96 个参数")
    edge = view.edge_item(dense.id, graph.outputs_of(dense.id)[0])
    assert "传递形状为 [batch, 32] 的张量。" in edge.toolTip()
    assert card.output_port.toolTip() == "输出：拖到另一个层上进行连接。"
    assert card.input_port.toolTip().startswith("输入：")
    with qtbot.waitSignal(view.message) as said:
        QApplication.clipboard().clear()
        view.paste()
    assert said.args == ["剪贴板中没有可粘贴的层。"]
    view.select_nodes([dense.id])
    view.set_read_only(True)
    with qtbot.waitSignal(view.message) as said:
        view.delete_selection()
    assert said.args == ["训练进行时不能编辑网络：请先停止训练。"]
    view.set_read_only(False)
    doc.undo_stack.clear()


def test_validation_problems_are_translated_where_cards_and_inspector_show_them(chinese, qtbot):
    graph = Graph()
    ids = {"input": graph.add_node("Input", {"size": 2}, name="input").id}
    ids["loose"] = graph.add_node("Dense", {"units": 3}, name="loose").id
    with open_document(graph, ids) as doc:
        problem = doc.workspace.analysis.problems_for(ids["loose"])[0]
        entries = {msgid_of(problem.message): "（中文）" + msgid_of(problem.message)}
        if problem.hint:
            entries[msgid_of(problem.hint)] = "（提示）" + msgid_of(problem.hint)
        stand_in(entries)
        shown_text = tr(problem.message)
        assert shown_text.startswith("（中文）")
        view = shown(qtbot, CanvasView(doc), (700, 400))
        tooltip = view.node_item(ids["loose"]).tooltip_text()
        assert "（中文）" in tooltip
        assert not problem.hint or "（提示）" in tooltip
        panel = shown(qtbot, InspectorPanel(doc), (340, 800))
        panel.show_nodes([ids["loose"]])
        assert "（中文）" in panel.layer_page.problems_label.text()


def test_catalogue_texts_show_translated_in_palette_inspector_and_editors(chinese, qtbot):
    dense = LAYERS.get("Dense")
    units = dense.param("units")
    relu = ACTIVATIONS.get("relu")
    stand_in(
        {
            dense.label: "全连接层",
            dense.help: "每个神经元与上一层的所有输出相连。",
            dense.category: "核心",
            units.title: "神经元数",
            units.help: "这一层有多少个神经元。",
            relu.label: "ReLU 激活函数",
        }
    )
    palette = shown(qtbot, LayerPalette(), (240, 500))
    assert "核心" in palette.categories()
    item = palette.layer_item("Dense")
    assert item.text(0) == "全连接层"
    assert "每个神经元与上一层的所有输出相连。" in item.toolTip(0)
    assert "接收一个输入。" in item.toolTip(0)
    palette.set_filter("全连接")
    assert palette.visible_layer_types() == ["Dense"]
    palette.set_filter("dense")
    assert "Dense" in palette.visible_layer_types()
    row_label = tip_label(units.title, units.help, palette)
    assert (row_label.text(), row_label.toolTip()) == ("神经元数", "这一层有多少个神经元。")

    graph = Graph()
    ids = {"input": graph.add_node("Input", {"size": 2}, name="input").id}
    ids["dense"] = graph.add_node("Dense", {"units": 3, "activation": "relu"}, name="d").id
    graph.add_edge(ids["input"], ids["dense"])
    with open_document(graph, ids) as doc:
        panel = shown(qtbot, InspectorPanel(doc), (340, 900))
        panel.show_nodes([ids["dense"]])
        page = panel.layer_page
        assert page.type_label.text() == "全连接层"
        assert page.help_label.text() == "每个神经元与上一层的所有输出相连。"
        form = page.form
        assert form._labels["units"].text() == "神经元数"
        assert form.editor("units").toolTip() == "这一层有多少个神经元。"
        assert form.editor("units").auto.text() == "自动"
        combo = form.editor("activation").combo
        assert combo.itemText(combo.findData("relu")) == "ReLU 激活函数"
        assert page.name_edit.toolTip() == "层的名称：在网络中唯一，会显示在模型摘要中。"
        assert page.trainable_check.text() == "可训练"
        assert page.params_note.text() == "6 个权重 (n·d) 和 3 个偏置 (n)。"
        assert page.plot is not None
        titles = [label.text() for label in page.findChildren(QLabel) if label.text() == "激活函数"]
        # The section title over the activation plot and the form row of the activation choice.
        assert titles == ["激活函数", "激活函数"]
        doc.push(SetParamCommand(doc, ids["dense"], "units", 4))
        assert doc.undo_stack.text(0) == "设置 d 的 神经元数"


def test_the_model_summary_and_matrix_dialog_speak_chinese(chinese, qtbot):
    with open_document(Graph(), {}) as doc:
        doc.push(AddNodeCommand(doc, "Input", {"size": 2}, name="input"))
        doc.revalidate()
        panel = shown(qtbot, InspectorPanel(doc), (340, 700))
        table = panel.summary.table
        headings = [table.horizontalHeaderItem(i).text() for i in range(table.columnCount())]
        assert headings == ["层", "类型", "输出", "参数", "可训练"]
        assert chinese_text(table.horizontalHeaderItem(2).toolTip())
        assert chinese_text(panel.summary.note.text())
        doc.undo_stack.clear()
    dialog = MatrixDialog([[1.0, 2.0]], expected=(2, 2))
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "编辑数值"
    assert dialog.fit_button.text() == "使用层的大小 2×2"
    assert dialog.table.horizontalHeaderItem(0).text() == "输入 1"
    assert dialog.table.verticalHeaderItem(0).text() == "神经元 1"
    assert dialog.status.text().startswith("这个层需要 2×2 个数值")


def test_the_problem_banner_translates_core_messages_and_its_links(chinese, qtbot):
    stand_in({"column {name!r} is empty": "列 {name!r} 是空的"})
    banner = shown(qtbot, ProblemBanner(), (360, 120))
    message = Text("column {name!r} is empty", name="price")
    banner.set_messages([BannerMessage("error", message, "price", None)])
    assert banner.text() == "列 'price' 是空的"
    label = banner.labels()[0]
    assert "是空的</span>" in label.text() and ">显示</a>" in label.text()
    assert label.toolTip() == "点击“显示”，在预览中找到列 'price'"


# --- the neuron view ------------------------------------------------------------------------


def test_the_neuron_view_speaks_chinese(chinese, qtbot):
    doc = ProjectDocument(spirals())
    doc.workspace.reload_data()
    doc.revalidate()
    view = shown(qtbot, NeuronView(doc), (1000, 640))
    qtbot.waitUntil(lambda: view.topology is not None, timeout=10_000)
    first = view.topology.columns[0]
    assert (first.title, first.caption) == ("输入层", "2 个特征")
    assert view.topology.columns[1].caption == "32 个神经元 · relu"
    assert view.info.text() == "把鼠标移到神经元或权重上，查看它的数值。"
    assert view.source_text.startswith("初始权重（随机种子 ")
    assert "正权重" in view.legend.text() and "圆环 = 偏置" in view.legend.text()
    text = view.hover_text(view.neuron_item(1, 0))
    assert text.startswith("dense_1 的第 1 个神经元\n")
    assert "偏置 b = " in text and "针对验证集第 1 行：x = [" in text
    doc.undo_stack.clear()


# --- fonts ----------------------------------------------------------------------------------


def glyph_runs(font: QFont, text: str) -> list[tuple[str, list[int]]]:
    """(font family, glyph indexes) of each run Qt lays ``text`` out in; glyph 0 is a box."""
    layout = QTextLayout(text, font)
    layout.beginLayout()
    layout.createLine()
    layout.endLayout()
    return [(run.rawFont().familyName(), list(run.glyphIndexes())) for run in layout.glyphRuns()]


def test_chinese_comes_from_a_simplified_font_and_latin_keeps_the_ui_font(chinese):
    """On the canvas cards, scene labels, plots and tooltips' <pre> (monospace) alike."""
    fallbacks = cjk_fallbacks()
    if not fallbacks:
        pytest.skip("no CJK font installed")
    cjk = {family.lower() for family in CJK_FONTS}
    plot = pg.PlotWidget()
    plot.setLabel("bottom", "轮次 (Epoch)")
    axis_font = plot.getPlotItem().getAxis("bottom").label.font()
    fonts = {
        "default": QFont(),
        "card": card_font(12, True),
        "plot axis": axis_font,
        "Sans Serif": QFont("Sans Serif"),
        "Monospace": QFont("Monospace"),
    }
    for name, font in fonts.items():
        han = glyph_runs(font, "训练网络，权重")
        latin = glyph_runs(font, "Dense 128 relu")
        # Simplified forms (not the Japanese ones fontconfig picks on a non-Chinese system).
        assert [family.lower() for family, _g in han] == [fallbacks[0].lower()], (name, han)
        # Latin letters keep the UI font: the CJK font's Latin is wider and looks different.
        assert all(family.lower() not in cjk for family, _g in latin), (name, latin)
        assert all(0 not in glyphs for _f, glyphs in han + latin), (name, han, latin)
