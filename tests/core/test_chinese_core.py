"""The core speaks Chinese when asked, and its JSON stays English whatever the language.

Catalogue labels and help, validation problems, teaching lint, loss/target checks, errors,
a run's closing message, the backprop step's text, the race table and the training process
all read in Simplified Chinese under ``set_language("zh_CN")``; what goes into JSON or files
(problem messages, run messages, step notes) is built as English ``Text`` and stays so.
"""

from __future__ import annotations

import dataclasses
import io
import json
import unicodedata
from contextlib import redirect_stdout
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from nnstudio import i18n
from nnstudio.core.catalogue.activations import ACTIVATIONS
from nnstudio.core.catalogue.initializers import INITIALIZERS
from nnstudio.core.catalogue.layers import LAYERS, ShapeContext, node_caption
from nnstudio.core.catalogue.losses import LOSSES, check_loss
from nnstudio.core.catalogue.optimizers import OPTIMIZERS
from nnstudio.core.catalogue.params import ParamError, registry_named
from nnstudio.core.catalogue.schedules import SCHEDULES
from nnstudio.core.errors import GraphError, TrainingError
from nnstudio.core.lessons.backprop import inspect_step
from nnstudio.core.lessons.backprop_text import step_text
from nnstudio.core.lessons.race import LESSON_TRIO, RACE_COLUMNS, entry_label
from nnstudio.core.network.analysis import analyze
from nnstudio.core.network.builder import build_model, summarize
from nnstudio.core.network.lint import lint
from nnstudio.core.network.quickbuild import parse_quick_build
from nnstudio.core.project import load_project
from nnstudio.core.training import TrainingJob, TrainingSettings, train
from nnstudio.core.training.plan import plan_run
from nnstudio.core.training.progress import RunProgress
from nnstudio.core.training.reports import BatchReport, RunStarted
from nnstudio.core.training.runtime import WatchOptions, slim_data
from nnstudio.core.training.runtime.protocol import Message, receive, send
from nnstudio.core.training.training_settings import _EARLY, _FIELDS
from nnstudio.core.workspace import Workspace
from nnstudio.i18n import _, tr
from tests.core.helpers import chain, dense_chain
from tests.core.test_training_runtime import next_reply, spirals_job, start_child

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

#: Catalogue texts the Chinese interface keeps as they are: names the lessons write in
#: Latin letters, and symbols.
KEPT = {
    "Sigmoid", "Tanh", "ReLU", "Leaky ReLU", "PReLU", "ELU", "SELU", "GELU", "SiLU (Swish)",
    "Softplus", "Mish", "Hardtanh", "Softmax", "LogSoftmax", "Alpha", "Beta", "Eps", "MSE",
    "Smooth L1", "Huber", "BCE", "BCE with logits", "SGD", "AdaGrad", "RMSprop", "Adam",
    "AdamW", "NAdam", "Lion", "Nesterov", "AMSGrad", "P", "A", "B", "ε", "α", "β", "γ", "δ",
    "β1", "β2",
}  # fmt: skip


@pytest.fixture
def chinese():
    """Chinese for one test; English again afterwards (the other tests read English)."""
    i18n.set_language("zh_CN")
    yield
    i18n.set_language("en")


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def catalogue_texts() -> list[str]:
    """Every label, category, help text and parameter title and help the catalogue declares."""
    texts: list[str] = []
    for family in ("activation", "initialiser", "layer", "loss", "optimiser", "schedule"):
        for spec in registry_named(family):
            texts += [spec.label, spec.help, getattr(spec, "category", "")]
            for p in spec.params:
                texts += [p.title, p.help]
    for p in (*_FIELDS.values(), *_EARLY.values()):
        texts += [p.title, p.help]
    return [t for t in texts if t]


# --- the catalogue ---------------------------------------------------------------------------


def test_every_catalogue_text_reads_in_chinese_except_the_names_the_lessons_keep(chinese):
    untranslated = [t for t in catalogue_texts() if t not in KEPT and _(t) == t]
    assert untranslated == []
    prose = [t for t in catalogue_texts() if " " in t and t not in KEPT]
    assert all(has_chinese(_(t)) for t in prose)


def test_catalogue_entries_use_the_courses_words(chinese):
    assert _(LAYERS.get("Dense").label) == "全连接层（Dense）"
    assert _(LAYERS.get("BatchNorm1d").label) == "批量归一化（BN）"
    assert _(LAYERS.get("Dropout").label) == "Dropout（随机失活）"
    assert _(LOSSES.get("cross_entropy").label) == "交叉熵损失"
    assert _(LOSSES.get("bce").label) == "二分类交叉熵（BCE）"
    assert _(OPTIMIZERS.get("sgd").param("lr").title) == "学习率"
    assert _(OPTIMIZERS.get("sgd").param("momentum").title) == "动量"
    assert _(INITIALIZERS.get("kaiming_normal").label) == "Kaiming 正态分布初始化"
    assert _(SCHEDULES.get("step").label) == "等间隔衰减（StepLR）"
    assert _(ACTIVATIONS.get("relu").label) == "ReLU"
    assert _(_FIELDS["epochs"].title) == "轮次（Epoch）"


def test_the_catalogue_itself_stays_english_for_code_export_and_files(chinese):
    assert LAYERS.get("Dense").label == "Dense (fully connected)"
    assert OPTIMIZERS.get("adam").param("lr").title == "Learning rate"
    assert LOSSES.get("mse").help.startswith("Mean of (output − target)²")


def test_canvas_captions_are_written_in_the_current_language(chinese):
    params = LAYERS.get("Dense").defaults() | {"units": "auto", "bias": False}
    params["weight_init"] = {"name": "kaiming_normal"}
    assert node_caption("Dense", params, resolved=3) == "全连接 3（自动） · ReLU · He 正态 · 无偏置"
    activation = {"activation": {"name": "leaky_relu", "negative_slope": 0.2}}
    assert node_caption("Activation", activation) == "Leaky ReLU（斜率 0.2）"
    i18n.set_language("en")
    assert (
        node_caption("Dense", params, resolved=3) == "Dense 3 (auto) · ReLU · He normal · no bias"
    )


# --- errors ----------------------------------------------------------------------------------


def test_a_bad_parameter_is_shown_in_chinese_and_kept_in_english(chinese):
    with pytest.raises(ParamError) as caught:
        OPTIMIZERS.get("sgd").param("lr").coerce(-1)
    assert str(caught.value) == "学习率 必须 > 0；收到的是 -1"
    assert caught.value.message == "Learning rate must be > 0; got -1"


def test_a_graph_error_keeps_the_layer_name_in_front_and_translates_the_rest(chinese):
    graph = dense_chain([2])
    dense = next(n for n in graph.nodes.values() if n.type == "Dense")
    with pytest.raises(GraphError) as caught:
        graph.set_param(dense.id, "units", 0)
    assert str(caught.value) == f"{dense.name}: 神经元数 必须 ≥ 1；收到的是 0"
    assert caught.value.english == f"{dense.name}: Units must be ≥ 1; got 0"


def test_quick_build_explains_a_typo_in_chinese(chinese):
    with pytest.raises(GraphError) as caught:
        parse_quick_build("4-8-2 relu dropout=2")
    assert str(caught.value) == (
        "快速搭建：dropout=2 必须大于等于 0 且小于 1（示例：20-128-256-4 relu）"
    )


def test_drawing_a_loop_is_refused_in_chinese(chinese):
    graph = chain(("Add", {}), ("Dense", {"units": 2}))
    source, merge, dense = list(graph.nodes)
    assert graph.connection_problem(dense, merge) == "这条连接会形成环路（网络必须单向流动）"
    assert graph.connection_problem(merge, source) == "input_1 是输入层：不能有任何层连进来"


# --- validation, lint and the loss check -----------------------------------------------------


def test_problems_read_in_chinese_but_their_messages_are_english_text(chinese):
    graph = chain(("Dense", {"units": 2}))
    graph.add_node("Dense", {"units": 3}, name="stray")
    problems = analyze(graph, ShapeContext(n_features=3)).problems
    stray = next(p for p in problems if p.code == "dangling")
    assert stray.message == "stray is not connected to anything."
    assert tr(stray.message) == "stray 没有连接到任何层。"
    assert str(stray) == "stray 没有连接到任何层。"
    assert tr(stray.hint) == "请把它连入网络，或者删除它。"


def test_a_bad_parameter_becomes_a_problem_named_by_its_layer_in_both_languages(chinese):
    graph = dense_chain([2])
    dense = next(n for n in graph.nodes.values() if n.type == "Dense")
    dense.params["units"] = 0  # as a hand-edited project file could hold it
    problem = next(p for p in analyze(graph).problems if p.code == "bad_param")
    assert problem.message == f"{dense.name}: Units must be ≥ 1; got 0"
    assert tr(problem.message) == f"{dense.name}: 神经元数 必须 ≥ 1；收到的是 0"


def test_an_auto_size_without_data_is_still_recognised_in_chinese(chinese):
    problems = analyze(dense_chain([2], input_size="auto")).problems
    assert [p.code for p in problems] == ["auto_no_data"]
    assert tr(problems[0].message).startswith("input_1: 输入大小为 'auto'，但还没有加载数据")


def test_teaching_warnings_keep_the_layer_name_prefix_views_strip(chinese):
    graph = dense_chain([4, 4, 4, 1], activation="sigmoid")
    warnings = lint(graph, analyze(graph, ShapeContext(n_features=3, n_outputs=1)))
    vanishing = next(w for w in warnings if w.code == "vanishing_gradients")
    assert tr(vanishing.message) == "dense_3: 连续叠加了 3 层 sigmoid——可能出现梯度消失。"
    assert vanishing.message == "dense_3: 3 stacked sigmoid layers — gradients may vanish."


def test_the_learning_rate_warning_names_the_optimiser_in_chinese_words(chinese):
    graph = dense_chain([1])
    analysis = analyze(graph, ShapeContext(n_features=3, n_outputs=1))
    (warning,) = lint(graph, analysis, optimizer={"name": "sgd", "lr": 5.0})
    assert tr(warning.message) == "学习率 5 远离 SGD 的常用范围（0.01–0.1）。"


def test_loss_checks_translate_their_nested_words(chinese):
    (message,) = check_loss(
        {"name": "mse"},
        task="regression",
        n_classes=0,
        n_targets=2,
        output_units=1,
        output_activation="identity",
        target_name="price",
    )
    assert message == (
        "The target 'price' has 2 columns but the output layer has 1 unit: give it 2 units"
    )
    assert tr(message) == "目标 'price'有 2 列，但输出层有 1 个神经元：请改为 2 个神经元"


def test_validate_json_is_identical_in_english_and_chinese(tmp_path):
    project = load_project(SAMPLES / "iris.nnsproj")
    project.graph.by_name("dense_2").params["activation"] = {"name": "softmax"}
    project.graph.by_name("dense_1").params["weight_init"] = {"name": "zeros"}
    project.graph.by_name("dense_1").params["bias_init"] = {"name": "zeros"}
    path = tmp_path / "softmax.nnsproj"
    from nnstudio.cli import main
    from nnstudio.core.project import save_project

    save_project(project, path)
    outputs = {}
    for language in ("en", "zh_CN"):
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            main(["--lang", language, "validate", str(path), "--json"])
        outputs[language] = buffer.getvalue()
    i18n.set_language("en")
    assert outputs["zh_CN"] == outputs["en"]
    codes = [p["code"] for p in json.loads(outputs["en"])["problems"]]
    assert "softmax_before_ce" in codes and "symmetric_init" in codes


# --- training --------------------------------------------------------------------------------


def test_a_runs_closing_message_is_english_in_json_and_chinese_when_shown(chinese):
    project = load_project(SAMPLES / "spirals.nnsproj")
    project.training = project.training.replace(epochs=1)
    result = train(plan_run(project).job)
    assert result.summary()["message"] == "Finished 1 epochs."
    assert tr(result.message) == "已完成 1 轮训练。"


def test_a_diverged_runs_message_translates_the_part_that_says_what_was_kept(chinese):
    graph = dense_chain([1])
    x = torch.full((4, 3), float("inf"))  # the first batch's loss is not finite
    data = SimpleNamespace(
        x_train=x,
        y_train=torch.zeros(4, 1),
        x_val=x[:0],
        y_val=torch.zeros(0, 1),
        task="regression",
        n_classes=0,
    )
    settings = TrainingSettings(loss={"name": "mse"}, optimizer={"name": "sgd"}, epochs=1)
    model = build_model(graph, ShapeContext(n_features=3, n_outputs=1), seed=0)
    result = train(TrainingJob(model=model, data=data, settings=settings))
    assert result.reason == "diverged"
    assert result.message.startswith(
        "The loss became NaN or infinite at epoch 1, batch 1; training stopped and the "
        "weights from before the bad batch were kept."
    )
    assert tr(result.message).startswith(
        "损失在第 1 轮第 1 个批次变成了 NaN 或无穷大；训练已停止，保留了出问题的批次之前的权重。"
    )


def test_the_status_line_of_a_run_reads_in_chinese(chinese):
    progress = RunProgress(clock=lambda: 0.0)
    progress.consume([RunStarted(10, 4, 128, 0, "cpu"), BatchReport(1, 2, 2, 0.5, 0.01, 32)])
    assert progress.text() == "轮次 1/10 · 批次 2/4 · 已用 0:00 · 剩余 0:00 · 0 样本/秒"


def test_the_parameter_table_lines_up_with_chinese_headings(chinese):
    table = summarize(dense_chain([4, 2]), ShapeContext(n_features=3)).table()
    lines = table.splitlines()
    assert lines[0].startswith("层（类型）")

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    assert {width(line) for line in lines[:5]} == {60}  # heading, rule, three layers
    assert lines[-3] == "参数总数：26"


def test_blocking_reasons_compare_with_english_problems_and_show_in_chinese(chinese):
    workspace = Workspace(load_project(SAMPLES / "iris.nnsproj"))
    workspace.project.graph.by_name("dense_2").params["units"] = 2
    workspace.revalidate()
    reason = workspace.blocking_reason()
    assert reason in workspace.compatibility  # the same message, not a translated copy
    assert tr(reason).startswith("交叉熵损失 需要每个类别一个输出神经元")


def test_the_training_process_speaks_the_apps_language(monkeypatch):
    """The child reads NNSTUDIO_LANG: its failure reads in Chinese, its results stay English."""
    monkeypatch.setenv("NNSTUDIO_LANG", "zh_CN")
    child, commands, events = start_child()
    try:
        assert receive(events) == (Message.READY, ())
        job = spirals_job(epochs=1)
        empty = slim_data(job.data)
        empty.x_train, empty.y_train = job.data.x_train[:0], job.data.y_train[:0]
        send(commands, Message.RUN, dataclasses.replace(job, data=empty), WatchOptions(), False)
        kind, (text,) = next_reply(events)
        assert kind is Message.FAILED
        assert text == "训练集为空：请加载数据，或给训练集分配更大的比例"
        send(commands, Message.RUN, job, WatchOptions(batches=False), False)
        kind, (result, _state) = next_reply(events)
        assert kind is Message.FINISHED
        assert result.message == "Finished 1 epochs."
        assert result.message.template == "Finished {n} epochs."  # translatable on arrival
        send(commands, Message.QUIT)
        assert child.wait(30) == 0
    finally:
        child.kill()


# --- the lessons -----------------------------------------------------------------------------


def test_the_backprop_step_is_written_out_in_chinese(chinese):
    report = inspect_step(load_project(SAMPLES / "backprop_lesson.nnsproj"))
    text = step_text(report)
    for heading in ("反向传播的一步", "前向传播", "反向传播（链式法则，从输出往回）", "梯度检查"):
        assert heading in text
    assert "  输入    " in text  # the label column keeps its width in terminal columns
    assert "FORWARD PASS" not in text


def test_step_json_is_the_same_in_english_and_chinese():
    project = SAMPLES / "xor_step.nnsproj"
    i18n.set_language("zh_CN")
    try:
        chinese_report = inspect_step(load_project(project))
        chinese_text = step_text(chinese_report)
    finally:
        i18n.set_language("en")
    english_report = inspect_step(load_project(project))
    dumped = json.dumps(chinese_report.to_dict(), ensure_ascii=False)
    assert dumped == json.dumps(english_report.to_dict(), ensure_ascii=False)
    assert "jumps instead of sloping" in english_report.grad_check.reason
    assert "是跳变而不是斜坡" in chinese_text


def test_the_race_table_and_contestants_read_in_chinese(chinese):
    assert [_(heading) for _key, heading, _tip in RACE_COLUMNS][:3] == [
        "优化器",
        "最终损失",
        "验证集损失",
    ]
    assert _(LESSON_TRIO[0].label) == "SGD（动量 0.9）"
    assert entry_label({"name": "sgd", "momentum": 0.9, "nesterov": True}) == (
        "SGD lr 0.01 · 动量 0.9 · nesterov 开"
    )


def test_a_training_error_in_chinese_still_compares_equal_to_its_english_text(chinese):
    job = plan_run(load_project(SAMPLES / "spirals.nnsproj")).job
    empty = slim_data(job.data)
    empty.x_train = torch.zeros(0, job.data.x_train.shape[1])
    empty.y_train = job.data.y_train[:0]
    with pytest.raises(TrainingError) as caught:
        train(dataclasses.replace(job, data=empty))
    assert caught.value.message == (
        "the training split is empty: load data or give training a larger fraction"
    )
    assert str(caught.value) == "训练集为空：请加载数据，或给训练集分配更大的比例"
