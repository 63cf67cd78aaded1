"""The data, training and problems panels, the training plots and the race speak Chinese.

Each widget is built under ``set_language("zh_CN")`` with the shipped catalogue and the
texts a student reads are compared with the course's words. Messages the core writes in
English (``Text``) are shown translated while the places they name (column, row, layer) are
still found; the English key a view is known by (``panel.view("Loss & metric")``) keeps
working. English is restored after every test.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QApplication, QGroupBox

from nnstudio import i18n
from nnstudio.core.data import DataSettings, DataSource, Table, describe_columns
from nnstudio.core.network.analysis import ERROR, Problem
from nnstudio.core.network.graph import Graph
from nnstudio.core.project import Project, load_project
from nnstudio.core.training import BatchReport, ReportPolicy, train
from nnstudio.core.training.plan import plan_run
from nnstudio.core.training.probes import Grid, decision_boundary
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.language import cjk_fallbacks
from nnstudio.gui.models.dataframe_model import DataFrameModel
from nnstudio.gui.panels import data_presenter as presenter
from nnstudio.gui.panels.data_panel import DataPanel
from nnstudio.gui.panels.problems_panel import ProblemsPanel, collect_problems
from nnstudio.gui.panels.training_panel import TrainingPanel
from nnstudio.gui.plots import TrainingPlotsPanel
from nnstudio.gui.race.race_dialog import RaceDialog
from nnstudio.i18n import Text
from tests.gui.helpers import shown

REPO = Path(__file__).resolve().parents[2]
#: Plot panels stay alive until the module ends: freed by the garbage collector while Qt
#: still paints them (their signal connections make reference cycles), they crash the run.
#: tests/gui/test_plots.py keeps its panels the same way.
_LIVE: list[object] = []


@pytest.fixture(scope="module", autouse=True)
def _release_live_widgets(qapp):
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    _LIVE.clear()


def plots_panel(qtbot, document: ProjectDocument, size: tuple[int, int]) -> TrainingPlotsPanel:
    panel = shown(qtbot, TrainingPlotsPanel(document), size)
    _LIVE.append(panel)
    return panel


@pytest.fixture
def chinese() -> Iterator[None]:
    """The shipped Simplified Chinese catalogue, English again afterwards."""
    assert i18n.set_language("zh_CN") == "zh_CN"
    yield
    i18n.set_language("en")


@pytest.fixture
def core_in_chinese(chinese, monkeypatch) -> None:
    """The shipped catalogue plus Chinese for a few core messages (as the core will have).

    Their translations put a full-width colon after the place they name, as Chinese does.
    """
    catalog = Catalog(locale="zh_CN")
    catalog.add(
        "{path}: column {name!r}, row {row}: {value!r} is not a number",
        "{path}：第 {row} 行，列 {name!r}：{value!r} 不是数字",
    )
    catalog.add("{name}: units must be at least 1", "{name}：神经元个数至少为 1")
    catalog.add("Make the layer wider.", "把这一层加宽。")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    core = gettext.GNUTranslations(buffer)
    core.add_fallback(i18n._translation)
    monkeypatch.setattr(i18n, "_translation", core)


def sample_document(name: str, epochs: int | None = None) -> ProjectDocument:
    project = load_project(REPO / "samples" / f"{name}.nnsproj")
    if epochs is not None:
        project.training = project.training.replace(epochs=epochs)
    document = ProjectDocument(project)
    document.workspace.reload_data()
    document.revalidate()
    return document


def combo_texts(combo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


# --- the data panel -------------------------------------------------------------------------


def test_the_data_panel_speaks_chinese(qtbot, chinese):
    panel = shown(qtbot, DataPanel(sample_document("spirals")), (360, 900))
    assert panel.open_button.text() == "打开 CSV…"
    assert panel.builtin_toggle.text() == "内置教学数据集"
    assert panel.use_button.text() == "正在使用"
    headers = [panel.columns_table.horizontalHeaderItem(i).text() for i in range(4)]
    assert headers == ["列", "类型", "缺失", "角色"]
    assert "独热编码" in panel.columns_table.horizontalHeaderItem(1).toolTip()
    kind = panel._kind_combos["x1"]
    role = panel._role_combos["label"]
    assert combo_texts(kind) == ["数值型", "类别型"]
    assert combo_texts(role) == ["特征", "标签", "忽略"] and role.currentText() == "标签"
    assert role.toolTip() == "标签：网络要学会预测的值。"
    assert combo_texts(panel.missing_combo)[0] == "报告空单元格"
    assert combo_texts(panel.scaling_combo)[1] == "标准化（均值 0，标准差 1）"
    assert panel.task_combo.itemText(0) == "自动（分类）"
    assert panel.stratify_check.text() == "按类别分层"
    assert [panel.view_tabs.tabText(i) for i in range(2)] == ["表格", "散点图"]
    assert panel.summary_label.text().startswith("训练集 480 · 验证集 120 · 测试集 0 · 2 个特征")
    assert panel.scatter_caption.text() == "训练集 480 行，原始值；颜色表示类别"
    assert "（内置）" in panel.source_label.text()


def test_the_kind_and_role_columns_are_wide_enough_for_their_chinese_choices(qtbot, chinese):
    panel = shown(qtbot, DataPanel(sample_document("spirals")), (360, 900))
    header = panel.columns_table.horizontalHeader()
    metrics = panel.columns_table.fontMetrics()
    for column, texts in ((1, ["类型", "数值型", "类别型"]), (3, ["角色", "特征", "标签", "忽略"])):
        widest = max(metrics.horizontalAdvance(text) for text in texts)
        assert header.sectionSize(column) >= widest + 20


def test_the_data_texts_speak_chinese(chinese):
    frame = pd.DataFrame({"a": [1.0, None, 3.0], "b": ["x", "y", "z"], "label": [0, 1, 0]})
    table = Table(frame, DataSource(kind="csv", path="/d/p.csv"), "utf-8", ",", True, "/d/p.csv")
    infos = {info.name: info for info in describe_columns(frame)}
    assert presenter.preview_caption(table).startswith("3 行 · 蓝色：标签")
    assert presenter.missing_tooltip(2) == "2 个空单元格"
    assert presenter.kind_tooltip(infos["a"], "numeric", True).startswith(
        "检测结果：数值型。已由你更改。数值列按数字使用"
    )
    assert presenter.column_tooltip(infos["a"], "#ff0000").startswith("<b>a</b>（数值型，float64）")
    text, tip = presenter.source_description(DataSettings(source=table.source), table, None, "#777")
    assert "3 行 × 3 列 · utf-8，逗号" in text and tip.endswith("编码 utf-8，逗号分隔")
    assert presenter.role_edit(DataSettings(), {"a": "input"}, "a", "ignored").text == "忽略 'a'"
    assert presenter.unprepared_text(None, "none") == "还没有数据。"
    assert presenter.scatter_name("3") == "类别 3"
    messages = presenter.banner_messages(
        notice=None,
        data_error=None,
        table=table,
        columns=list(frame.columns),
        infos=list(infos.values()),
        roles={"a": "input", "b": "input", "label": "target"},
        missing="refuse",
        prepared=None,
    )
    assert messages[0].text.startswith("列 'a' 有 1 个空单元格")
    assert (messages[0].column, messages[0].row) == ("a", 2)


def test_a_translated_data_error_still_leads_to_its_column_and_row(core_in_chinese):
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": ["1", "x"]})
    table = Table(frame, DataSource(kind="csv", path="/d/p.csv"), "utf-8", ",", True, "/d/p.csv")
    error = Text(
        "{path}: column {name!r}, row {row}: {value!r} is not a number",
        path="/d/p.csv",
        name="b",
        row=2,
        value="x",
    )
    assert error == "/d/p.csv: column 'b', row 2: 'x' is not a number"  # English in files
    (message,) = presenter.banner_messages(
        notice=None,
        data_error=error,
        table=table,
        columns=["a", "b"],
        infos=[],
        roles={},
        missing="refuse",
        prepared=None,
    )
    # The place is read from the English message; the path is dropped from the Chinese one.
    assert message.text == "第 2 行，列 'b'：'x' 不是数字"
    assert (message.column, message.row) == ("b", 2)


def test_the_table_headers_and_cells_explain_themselves_in_chinese(qtbot, chinese):
    frame = pd.DataFrame({"x": [1.0, None], "y": ["a", "b"]})
    model = DataFrameModel(frame, kinds={"x": "numeric"}, roles={"x": "target", "y": "ignored"})
    header = model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
    assert header == "x\n数值型 · 标签"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "y\n文本 · 已忽略"
    tip = model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert tip == "<b>x</b><br>类型：数值型（存储为 float64）<br>角色：标签：网络要学会预测的值"
    missing = model.data(model.index(1, 0), Qt.ItemDataRole.ToolTipRole)
    assert missing == "第 2 行，列 'x'：缺失值（空单元格）"


# --- the problems panel ---------------------------------------------------------------------


def loose_layer_graph() -> Graph:
    graph = Graph()
    first = graph.add_node("Input", {"size": 3}, name="input").id
    last = graph.add_node("Dense", {"units": 2, "activation": "softmax"}, name="output").id
    graph.add_edge(first, last)
    graph.add_node("Dense", {"units": 4, "activation": "relu"}, name="loose")
    return graph


def test_the_problems_panel_speaks_chinese(qtbot, chinese):
    document = ProjectDocument(Project(graph=loose_layer_graph()))
    document.revalidate()
    panel = shown(qtbot, ProblemsPanel(document), (360, 400))
    errors, _warnings = panel.counts()
    assert errors >= 1 and panel.summary_text().startswith(f"{errors} 个错误")
    assert panel.detail_label.text() == "修正错误后才能训练。单击一行可找到对应的层。"
    assert "单击在画布上选中该层。" in panel.list.item(0).toolTip()
    empty = shown(qtbot, ProblemsPanel(sample_document("spirals")), (360, 300))
    assert empty.summary_text() == "没有问题 — 可以训练"
    assert empty.empty_label.text().startswith("没有需要修正的问题。")


def test_a_translated_problem_drops_its_layer_name_after_a_full_width_colon(core_in_chinese):
    document = ProjectDocument(Project(graph=loose_layer_graph()))
    document.revalidate()
    loose = next(n for n in document.workspace.graph.nodes.values() if n.name == "loose")
    message = Text("{name}: units must be at least 1", name="loose")
    hint = Text("Make the layer wider.")
    document.workspace.analysis.problems.append(
        Problem(ERROR, "units", message, loose.id, None, hint)
    )
    entry = next(e for e in collect_problems(document) if e.message.startswith("神经元"))
    assert (entry.title, entry.message, entry.hint) == (
        "loose",
        "神经元个数至少为 1",
        "把这一层加宽。",
    )


def test_the_empty_problems_text_keeps_clear_of_the_panel_edges(qtbot):
    panel = shown(qtbot, ProblemsPanel(sample_document("spirals")), (360, 300))
    QApplication.processEvents()
    label = panel.empty_label
    assert label.isVisible()
    inside = label.contentsRect()
    assert inside.left() >= 12 and label.width() - inside.right() >= 12 and inside.top() >= 16


# --- the training panel ---------------------------------------------------------------------


def test_the_training_panel_speaks_chinese(qtbot, chinese):
    panel = shown(qtbot, TrainingPanel(sample_document("spirals")), (360, 900))
    assert panel.lr_label.text() == "学习率"
    assert combo_texts(panel.batch_mode_combo) == ["全批量", "小批量", "单个样本"]
    assert panel.batch_hint.text() == "每个轮次迭代 15 次（480 行训练数据 ÷ 32）"
    assert panel.lr_hint.text().startswith("Adam 的常用值：1e-4 – 0.001")
    caption = panel.schedule_caption.text()
    assert caption.startswith("200 个轮次 · 每个轮次 15 步 · 每个轮次变化一次 · 从 0.005 开始")
    assert panel.device_combo.itemText(0).startswith("自动（")
    titles = {box.title() for box in panel.findChildren(QGroupBox)}
    assert {"损失函数", "优化器", "学习率衰减", "轮次与批次", "正则化", "早停", "设备"} <= titles
    axis = panel.schedule_plot.getPlotItem().getAxis("bottom")
    assert axis.labelText == "轮次"


def test_undo_texts_of_the_training_panel_are_chinese(qtbot, chinese):
    document = sample_document("spirals")
    panel = shown(qtbot, TrainingPanel(document), (360, 900))
    panel.batch_mode_combo.setCurrentIndex(panel.batch_mode_combo.findData("full"))
    assert document.undo_stack.undoText() == "使用全批量"


# --- the training plots ---------------------------------------------------------------------


def short_run(sample: str) -> tuple[ProjectDocument, object, list, object]:
    """Train ``sample`` for two epochs headlessly, with layer statistics and boundaries."""
    torch.set_num_threads(1)
    document = sample_document(sample, epochs=2)
    plan = plan_run(
        document.project, loaded=(document.workspace.table, document.workspace.prepared)
    )
    grid = Grid.around(document.workspace.prepared.x_train.numpy(), resolution=20)
    events: list = []

    def on_event(event: object) -> None:
        events.append(event)
        if isinstance(event, BatchReport) and event.step % 10 == 0:
            events.append(
                decision_boundary(plan.model, grid, "logits", epoch=event.epoch, step=event.step)
            )

    result = train(plan.job, on_event, policy=ReportPolicy(detail_every=5))
    return document, plan, events, result


@pytest.fixture(scope="module")
def spirals_run(qapp):
    return short_run("spirals")


def test_the_empty_plots_speak_chinese(qtbot, chinese):
    panel = plots_panel(qtbot, sample_document("spirals"), (900, 260))
    tabs = [panel.tabs.tabText(i) for i in range(panel.tabs.count())]
    assert tabs == ["损失与指标", "学习率", "激活函数", "梯度", "权重", "决策边界", "结果"]
    loss = panel.show_tab("Loss & metric")  # views keep their English key
    assert loss.hint.shown == "按“训练”（F5），观察损失下降。"
    assert loss.metrics.hints["accuracy"].shown == "第一个轮次之后\n显示准确率。"
    assert loss.plot.getAxis("bottom").labelText == "轮次"
    assert loss.plot.getAxis("left").labelText == "损失"
    assert loss.per_batch.text() == "每批次" and loss.beta_label.text() == "平滑 β = 0.90"
    assert loss.hover.x_name == "轮次"
    assert panel.show_tab("Gradients").hint.shown == "训练时显示每层的梯度范数。"
    assert panel.show_tab("Results").hint.shown == "训练结束后显示结果。"
    assert [a.text() for a in loss.menu_actions()] == ["保存为 PNG…", "数据保存为 CSV…", "重置缩放"]


def test_the_plots_of_a_run_speak_chinese(qtbot, chinese, spirals_run):
    document, plan, events, result = spirals_run
    panel = plots_panel(qtbot, document, (1100, 300))
    panel.run_started(plan)
    panel.consume(events)
    panel.run_finished(result)
    loss = panel.show_tab("Loss & metric")
    assert loss.legend.names() == [
        "批次",
        "批次，平滑后（β 0.90）",
        "训练集（每轮）",
        "验证集（每轮）",
    ]
    assert loss.readout.text().startswith("第 2 轮 · 训练集损失 ")
    assert loss.metrics.legends["accuracy"].names() == ["训练集", "验证集"]
    assert panel.show_tab("Weights").readout.text().startswith("第 2 轮，第 ")
    boundary = panel.show_tab("Decision boundary")
    assert boundary.readout.text().startswith("第 2 轮，第 ")
    assert boundary.show_val.text() == "验证集点"
    results = panel.show_tab("Results")
    assert combo_texts(results.split_box) == ["验证集", "训练集"]
    assert results.current_split() == "validation"
    headers = [results.table.horizontalHeaderItem(i).text() for i in range(5)]
    assert headers == ["类别", "精确率", "召回率", "F1", "样本数"]
    assert results.readout.text().startswith("验证集，120 行 · 准确率 ")
    results.split_box.setCurrentIndex(1)  # chosen by its Chinese name, evaluated by key
    assert results.results is not None and results.results.split == "training"


def test_a_regression_project_is_told_why_there_is_no_boundary_in_chinese(qtbot, chinese):
    panel = plots_panel(qtbot, sample_document("regression"), (900, 260))
    boundary = panel.show_tab("Decision boundary")
    assert boundary.hint.shown.startswith("决策边界用于分类；这个项目是回归。")


def distinct_glyphs(font: QFont, first: str, second: str) -> bool:
    """Whether ``first`` and ``second`` draw differently (missing glyphs draw alike boxes)."""
    images = []
    for text in (first, second):
        image = QImage(160, 40, QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setFont(font)
        painter.drawText(4, 30, text)
        painter.end()
        images.append(image)
    return images[0] != images[1]


def test_plot_texts_and_exported_pngs_draw_chinese_glyphs(qtbot, chinese, tmp_path):
    if not cjk_fallbacks():
        pytest.skip("no CJK font installed")
    panel = plots_panel(qtbot, sample_document("spirals"), (900, 260))
    loss = panel.show_tab("Loss & metric")
    for font in (loss.plot.getAxis("bottom").label.font(), loss.hint.item.font()):
        assert distinct_glyphs(font, "轮次", "次轮")
    exported = []
    for text in ("训练轮次", "轮次训练"):
        loss.hint.show_text(text)
        path = loss.export_png(tmp_path / f"{len(exported)}.png")
        exported.append(QImage(str(path)))
    assert exported[0] != exported[1]


# --- the race -------------------------------------------------------------------------------


def test_the_race_dialog_speaks_chinese(qtbot, chinese):
    document = sample_document("iris")
    dialog = shown(qtbot, RaceDialog(document), (1180, 820))
    try:
        assert dialog.windowTitle() == "优化器比赛"
        assert dialog.start_button.text() == "开始比赛" and dialog.stop_button.text() == "停止"
        assert dialog.add_button.text() == "+ 添加优化器"
        assert dialog.metric_plot.getPlotItem().titleLabel.text == "验证集准确率"
        assert dialog.table.horizontalHeaderItem(0).text() == "优化器"
        assert dialog.cards[1].lr_hint.text() == "Adam 的常用学习率：1e-4 – 0.001"
        assert dialog.cards[0].more.text() == "更多设置"
        assert "训练集" in dialog.legend.text() and "验证集" in dialog.legend.text()
        dialog.epochs.setValue(2)
        with qtbot.waitSignal(dialog.race_finished, timeout=120_000):
            assert dialog.start_race() is None
        assert dialog.status.text() == "比赛结束。"
        assert {card.status.text() for card in dialog.cards} == {"已完成"}
        assert dialog.table_note.text().startswith("最终损失最低：")
    finally:
        assert dialog.shutdown(60_000)


def test_english_stays_english_after_chinese(qtbot):
    i18n.set_language("zh_CN")
    i18n.set_language("en")
    panel = plots_panel(qtbot, sample_document("spirals"), (900, 260))
    assert panel.tabs.tabText(0) == "Loss && metric"
    assert np.isclose(panel.show_tab("Loss & metric").beta, 0.9)
    assert panel.show_tab("Loss & metric").hint.shown == "Press Train (F5) to watch the loss fall."
