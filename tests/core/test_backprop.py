"""One inspected backprop step: the lesson's numbers, the chain rule, and the gradient check."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from nnstudio.core.data import DataSettings, DataSource
from nnstudio.core.errors import TrainingError
from nnstudio.core.lessons.backprop import StepReport, inspect_step
from nnstudio.core.lessons.backprop_text import step_text
from nnstudio.core.network.graph import Graph
from nnstudio.core.project import Project, load_project
from nnstudio.core.training import ReportPolicy, TrainingSettings, train
from nnstudio.core.training.plan import load_data, plan_run, store_result

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"


def close(actual: object, expected: object, decimals: int) -> None:
    """Equal when both are rounded to ``decimals`` (half a unit of the last digit)."""
    got = np.asarray(actual, dtype=np.float64)
    want = np.asarray(expected, dtype=np.float64)
    assert got.shape == want.shape
    assert np.all(np.abs(got - want) <= 0.5 * 10.0**-decimals + 1e-12), (got, want)


@pytest.fixture(scope="module")
def lesson() -> StepReport:
    return inspect_step(load_project(SAMPLES / "backprop_lesson.nnsproj"))


def _param(report: StepReport, layer: str, param: str):
    return next(p for p in report.layer(layer).params if p.param == param)


# --------------------------------------------------------------------------- the lesson


def test_lesson_forward_pass_and_loss(lesson: StepReport) -> None:
    assert lesson.weights == "initial"
    close(lesson.x, [[0.05, 0.10]], 6)
    close(lesson.y, [[0.01, 0.99]], 6)
    close(lesson.layer("dense_1").z, [[0.3775, 0.3925]], 6)
    close(lesson.layer("dense_1").a, [[0.593270, 0.596884]], 6)
    close(lesson.layer("dense_2").a, [[0.751365, 0.772928]], 6)
    close(lesson.output, [[0.751365, 0.772928]], 6)
    close(lesson.loss, 0.298371, 6)
    assert lesson.l1_penalty == 0.0 and lesson.loss == lesson.data_loss


def test_lesson_gradients(lesson: StepReport) -> None:
    close(
        _param(lesson, "dense_2", "weight").grad, [[0.082167, 0.082668], [-0.022603, -0.022740]], 6
    )
    close(
        _param(lesson, "dense_1", "weight").grad,
        [[0.00043857, 0.00087714], [0.00049771, 0.00099543]],
        8,
    )
    close(_param(lesson, "dense_1", "bias").grad, [0.0087714, 0.0099543], 7)
    close(_param(lesson, "dense_2", "bias").grad, [0.1384986, -0.0380982], 7)


def test_lesson_chain_rule_factors(lesson: StepReport) -> None:
    out = lesson.layer("dense_2").chain
    assert out is not None
    # ∂E/∂out = out − target for ½·Σ(out − target)²; sigmoid′ = out·(1 − out); ∂z/∂w = a_prev.
    close(out.dE_da, [[0.741365, -0.217072]], 6)
    close(out.da_dz, [[0.186816, 0.175510]], 6)
    close(out.dz_dw, [[0.593270, 0.596884]], 6)
    close(out.dE_dz, [[0.138499, -0.038098]], 6)
    hidden = lesson.layer("dense_1").chain
    assert hidden is not None
    # Through several paths: ∂E/∂out_h1 = δ_o1·w5 + δ_o2·w7.
    close(hidden.dE_da, [[0.036350, 0.041370]], 6)
    close(hidden.da_dz, [[0.241301, 0.240613]], 6)
    close(hidden.dz_dw, [[0.05, 0.10]], 6)


def test_lesson_one_sgd_step(lesson: StepReport) -> None:
    assert lesson.optimizer_name == "sgd" and lesson.lr == 0.5
    assert lesson.optimizer_state == "fresh"
    close(
        _param(lesson, "dense_2", "weight").after, [[0.358916, 0.408666], [0.511301, 0.561370]], 6
    )
    close(
        _param(lesson, "dense_1", "weight").after, [[0.149781, 0.199561], [0.249751, 0.299502]], 6
    )
    close(_param(lesson, "dense_2", "weight").before, [[0.40, 0.45], [0.50, 0.55]], 6)
    for p in lesson.parameters:
        assert torch.allclose(p.after, p.before - 0.5 * p.grad, atol=1e-7)


def test_lesson_gradient_check_and_text(lesson: StepReport) -> None:
    check = lesson.grad_check
    assert check.meaningful
    assert check.checked == check.total == 12
    assert check.max_rel_diff < 1e-6
    for entry in check.entries:
        assert entry.numeric == pytest.approx(entry.autograd, rel=1e-6, abs=1e-12)
    text = step_text(lesson)
    assert "0.082167" in text
    assert (
        "∂E/∂w5 = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5 = "
        "0.741365 × 0.186816 × 0.593270 = 0.082167"
    ) in text
    assert "∂E/∂out_h1 = ∂E/∂net_o1 · w5 + ∂E/∂net_o2 · w7" in text
    assert "w5 = 0.400000 − 0.5 × 0.082167 = 0.358916" in text
    assert "0.298371" in text


def test_lesson_to_dict_is_strict_json(lesson: StepReport) -> None:
    data = json.loads(json.dumps(lesson.to_dict(), allow_nan=False))
    assert data["loss"]["value"] == pytest.approx(0.298371, abs=5e-7)
    assert [layer["type"] for layer in data["layers"]] == ["Input", "Dense", "Dense"]
    out = data["layers"][2]
    assert out["is_output"] is True
    assert out["chain_rule"]["matches_autograd"] is True
    assert out["parameters"]["weight"]["grad"][0][0] == pytest.approx(0.082167, abs=5e-7)
    assert out["parameters"]["weight"]["after"][0][0] == pytest.approx(0.358916, abs=5e-7)
    assert data["gradient_check"]["checked"] == 12
    assert data["gradient_check"]["max_rel_diff"] < 1e-6
    assert data["rows"] == [0] and data["table_rows"] == [1]


# --------------------------------------------------------------------------- other networks


def _csv(tmp_path: Path, kind: str) -> Path:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    if kind == "regression":
        y = np.c_[np.sin(x[:, 0]) + x[:, 1], x[:, 2] * x[:, 0]]
        frame = pd.DataFrame(np.c_[x, y], columns=["a", "b", "c", "y1", "y2"])
    else:
        k = (x[:, 0] + x[:, 1] > 0).astype(int) + (x[:, 2] > 0.5)
        frame = pd.DataFrame(x, columns=["a", "b", "c"]).assign(k=k)
    path = tmp_path / f"{kind}.csv"
    frame.to_csv(path, index=False)
    return path


def _project(
    tmp_path: Path,
    layers: list[tuple[str, dict]],
    *,
    kind: str = "regression",
    loss: str = "mse",
    edges: list[tuple[int, int]] | None = None,
    **training: object,
) -> Project:
    """Input + ``layers`` (a chain unless ``edges`` index into [input, *layers])."""
    graph = Graph()
    nodes = [graph.add_node("Input", {})]
    nodes += [graph.add_node(t, p) for t, p in layers]
    for a, b in edges or [(i, i + 1) for i in range(len(layers))]:
        graph.add_edge(nodes[a].id, nodes[b].id)
    targets = ("y1", "y2") if kind == "regression" else ("k",)
    data = DataSettings(
        source=DataSource(kind="csv", path=str(_csv(tmp_path, kind))),
        targets=targets,
        split=(1.0, 0.0, 0.0),
        task=kind,
    )
    settings = {"loss": loss, "optimizer": {"name": "sgd", "lr": 0.1}, "batch_size": 8}
    settings.update(training)
    return Project(graph=graph, data=data, training=TrainingSettings(**settings))


def _chain_agrees(report: StepReport) -> None:
    """δ = ∂E/∂a ⊙ ∂a/∂z and ∂E/∂W = δᵀ·a_prev, recomputed here, equal autograd's gradients."""
    dense = [layer for layer in report.layers if layer.chain is not None]
    assert dense
    for layer in dense:
        c = layer.chain
        assert c is not None and c.matches is True
        if c.elementwise:
            assert torch.allclose(c.dE_dz, c.dE_da * c.da_dz)
        weight = next(p for p in layer.params if p.param == "weight")
        by_hand = c.dE_dz.t() @ c.dz_dw
        if c.l1_term:
            by_hand = by_hand + report.l1 * torch.sign(weight.before)
        assert torch.allclose(by_hand, weight.grad, rtol=1e-5, atol=1e-7)
        bias = next(p for p in layer.params if p.param == "bias")
        assert torch.allclose(c.dE_dz.sum(0), bias.grad, rtol=1e-5, atol=1e-7)
        assert torch.equal(c.dz_dw, layer.input)


def test_random_tanh_relu_network(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        [
            ("Dense", {"units": 5, "activation": "tanh"}),
            ("Dense", {"units": 4, "activation": "relu"}),
            ("Dense", {"units": 2, "activation": "identity"}),
        ],
    )
    report = inspect_step(project)
    assert report.rows == list(range(8))  # the first batch, in order
    assert report.x.shape == (8, 3)
    _chain_agrees(report)
    check = report.grad_check
    assert check.checked == check.total == 5 * 4 + 4 * 6 + 2 * 5
    assert check.max_rel_diff < 1e-6
    # MSE = mean over 8 rows × 2 targets; the loss really is that of the shown output.
    expected = torch.mean((report.output - report.y) ** 2)
    assert report.loss == pytest.approx(float(expected), rel=1e-6)


def test_dag_with_add(tmp_path: Path) -> None:
    # input → d1 → d2; add(d1, d2) → out: d1's gradient arrives along two paths.
    project = _project(
        tmp_path,
        [
            ("Dense", {"units": 4, "activation": "tanh"}),
            ("Dense", {"units": 4, "activation": "tanh"}),
            ("Add", {}),
            ("Dense", {"units": 2, "activation": "identity"}),
        ],
        edges=[(0, 1), (1, 2), (1, 3), (2, 3), (3, 4)],
    )
    report = inspect_step(project)
    assert [layer.type for layer in report.layers] == ["Input", "Dense", "Dense", "Add", "Dense"]
    add = report.layers[3]
    d1, d2 = report.layers[1], report.layers[2]
    assert torch.allclose(add.a, d1.a + d2.a)
    # ∂E/∂a of d1 is the sum over its two consumers: Add directly, and d2 through its weights.
    w2 = next(p for p in d2.params if p.param == "weight").before
    via_d2 = d2.chain.dE_dz @ w2
    assert torch.allclose(d1.dE_da, add.dE_da + via_d2, atol=1e-7)
    _chain_agrees(report)
    assert report.grad_check.max_rel_diff < 1e-6
    assert "Add" in step_text(report)


def test_dropout_batchnorm_l1_and_cross_entropy(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        [
            ("Dense", {"units": 6, "activation": "relu"}),
            ("BatchNorm1d", {}),
            ("Dropout", {"p": 0.5}),
            ("Dense", {"units": "auto", "activation": "identity"}),
        ],
        kind="classification",
        loss="cross_entropy",
        l1=0.01,
    )
    report = inspect_step(project)
    weights = [p.before for p in report.parameters if p.param == "weight" and p.before.dim() > 1]
    penalty = 0.01 * sum(float(w.abs().sum()) for w in weights)
    assert report.l1_penalty == pytest.approx(penalty, rel=1e-5)
    assert report.loss == pytest.approx(report.data_loss + penalty, rel=1e-6)
    _chain_agrees(report)
    assert report.grad_check.max_rel_diff < 1e-6  # the same dropout mask in every evaluation
    assert inspect_step(project).loss == report.loss  # and the same one next time
    with pytest.raises(TrainingError, match="batch normalisation needs at least 2"):
        inspect_step(project, sample=0)


def test_softmax_like_output_uses_the_full_jacobian(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        [
            ("Dense", {"units": 5, "activation": "elu"}),
            ("Dense", {"units": "auto", "activation": "log_softmax"}),
        ],
        kind="classification",
        loss="nll",
    )
    report = inspect_step(project)
    out = report.layers[-1].chain
    assert out is not None and out.elementwise is False
    _chain_agrees(report)
    assert report.grad_check.max_rel_diff < 1e-6


def test_adam_first_step_moves_each_weight_by_about_lr(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        [
            ("Dense", {"units": 3, "activation": "tanh"}),
            ("Dense", {"units": 2, "activation": "identity"}),
        ],
        optimizer={"name": "adam", "lr": 0.01},
    )
    report = inspect_step(project)
    assert report.optimizer_name == "adam" and report.lr == 0.01
    for p in report.parameters:
        moved = (p.before - p.after).abs()
        assert torch.allclose(moved, torch.full_like(moved, 0.01), rtol=1e-3)
        assert torch.equal(torch.sign(p.before - p.after), torch.sign(p.grad))


def test_sample_selects_one_training_row_and_is_checked() -> None:
    project = load_project(SAMPLES / "xor_step.nnsproj")
    report = inspect_step(project, sample=2)
    _, prepared = load_data(project)
    assert report.rows == [2]
    assert torch.equal(report.x, prepared.x_train[2:3])
    assert report.table_rows == [int(prepared.index_train[2]) + 1]
    # Step units: the finite-difference check measures jumps, and says so.
    assert report.grad_check.meaningful is False
    assert "not meaningful" in step_text(report)
    with pytest.raises(TrainingError, match="sample 12 is outside the 4 training rows"):
        inspect_step(project, sample=12)
    with pytest.raises(TrainingError, match="sample -1 is outside the 4 training rows"):
        inspect_step(project, sample=-1)


def test_the_project_is_not_changed() -> None:
    project = load_project(SAMPLES / "backprop_lesson.nnsproj")
    project.training = project.training.replace(epochs=3)
    plan = plan_run(project)
    store_result(project, plan, train(plan.job, policy=ReportPolicy(batches=False)))
    weights = {k: v.clone() for k, v in project.weights.items()}
    optimizer_state = json.dumps(str(project.optimizer_state))
    rng = torch.get_rng_state()

    report = inspect_step(project)

    assert report.weights == "trained" and report.epochs_trained == 3
    assert report.optimizer_state == "saved"
    assert project.weights.keys() == weights.keys()
    for key, value in weights.items():
        assert torch.equal(project.weights[key], value)
    assert json.dumps(str(project.optimizer_state)) == optimizer_state
    assert project.epochs_trained == 3
    assert torch.equal(torch.get_rng_state(), rng)
    # The report starts from the trained weights and moves away from them.
    before = {p.key: p.before for p in report.parameters}
    assert all(torch.equal(before[k], v) for k, v in weights.items())
    assert any(not torch.equal(p.after, p.before) for p in report.parameters)
    # A trained lesson net has a smaller loss than the untrained one.
    assert report.loss < 0.298371


def test_untrained_project_stays_untrained() -> None:
    project = load_project(SAMPLES / "iris.nnsproj")
    report = inspect_step(project)
    assert project.weights is None and project.epochs_trained == 0
    assert report.weights == "initial"
    assert len(report.rows) == project.training.batch_size == 16
    # The initial weights are exactly those a training run starts from.
    plan = plan_run(project)
    start = {k.removeprefix("layers."): v for k, v in plan.model.state_dict().items()}
    for p in report.parameters:
        assert torch.equal(p.before, start[p.key])
    assert report.grad_check.max_rel_diff < 1e-6


def test_the_inspected_step_is_the_first_training_step(tmp_path: Path) -> None:
    """Training one batch for one epoch lands exactly on the report's "after" values."""
    project = _project(
        tmp_path,
        [
            ("Dense", {"units": 6, "activation": "relu"}),
            ("Dropout", {"p": 0.3}),
            ("Dense", {"units": 2, "activation": "identity"}),
        ],
        optimizer={"name": "adam", "lr": 0.01},
        batch_size=0,
        epochs=1,
        l1=0.001,
    )
    report = inspect_step(project)
    assert len(report.rows) == 40  # batch size 0: every training row
    plan = plan_run(project)
    store_result(project, plan, train(plan.job, policy=ReportPolicy(batches=False)))
    for p in report.parameters:
        assert torch.allclose(project.weights[p.key], p.after, atol=1e-6), p.label
    assert project.history.to_dict()["train_loss"][0] == pytest.approx(report.loss, rel=1e-5)
