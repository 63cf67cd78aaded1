"""The lesson's names (w1…w8, b_h1…) and chain-rule paths read out of a backprop step."""

from __future__ import annotations

import pytest

from nnstudio.core.lessons.backprop import inspect_step
from nnstudio.core.lessons.backprop_paths import (
    numeric_gradients,
    param_refs,
    plain_sgd,
    weight_chain,
)
from nnstudio.core.lessons.backprop_text import number
from nnstudio.core.project import load_project
from nnstudio.core.workspace import Workspace
from tests.conftest import REPO

LESSON = REPO / "samples" / "backprop_lesson.nnsproj"


@pytest.fixture(scope="module")
def lesson():
    return inspect_step(load_project(LESSON), sample=0)


def by_name(report, name):
    return next(r for r in param_refs(report) if r.name == name)


def test_weights_get_the_lessons_names_in_the_lessons_order(lesson):
    names = [r.name for r in param_refs(lesson)]
    assert names == [
        "w1", "w2", "w3", "w4", "b_h1", "b_h2", "w5", "w6", "w7", "w8", "b_o1", "b_o2",
    ]  # fmt: skip
    assert [number(by_name(lesson, n).before) for n in ("w1", "w5", "w8")] == [
        "0.150000",
        "0.400000",
        "0.550000",
    ]


def test_w5_is_one_path_of_three_factors_with_the_sigmoid_slope_as_out_times_one_minus_out(
    lesson,
):
    chain = weight_chain(lesson, by_name(lesson, "w5"), number)
    assert len(chain.paths) == 1
    factors = chain.paths[0].factors
    assert [f.symbol for f in factors] == ["∂E/∂out_o1", "∂out_o1/∂net_o1", "∂net_o1/∂w5"]
    assert [number(f.value) for f in factors] == ["0.741365", "0.186816", "0.593270"]
    assert factors[0].numbers == "0.751365 − 0.010000"
    assert factors[1].form == "out_o1·(1 − out_o1)"
    assert factors[1].numbers == "0.751365 × (1 − 0.751365)"
    assert factors[2].form == "out_h1"
    assert number(chain.rebuilt) == "0.082167" == number(chain.autograd)


def test_w1_sums_a_path_through_o1_and_a_path_through_o2(lesson):
    chain = weight_chain(lesson, by_name(lesson, "w1"), number)
    assert [p.via for p in chain.paths] == ["o1", "o2"]
    through_o1, through_o2 = chain.paths
    assert [f.form for f in through_o1.factors] == [
        "out_o1 − target_o1",
        "out_o1·(1 − out_o1)",
        "w5",
        "out_h1·(1 − out_h1)",
        "i1",
    ]
    assert [f.form for f in through_o2.factors][2] == "w7"
    assert [number(f.value) for f in through_o2.factors] == [
        "-0.217072",
        "0.175510",
        "0.500000",
        "0.241301",
        "0.050000",
    ]
    assert through_o1.value + through_o2.value == pytest.approx(chain.rebuilt)
    # The lesson's ∂E/∂w1 = 0.00043857.
    assert f"{chain.rebuilt:.8f}" == "0.00043857"
    assert chain.rebuilt == pytest.approx(chain.autograd, rel=1e-5)


def test_a_hidden_bias_ends_its_paths_in_one(lesson):
    chain = weight_chain(lesson, by_name(lesson, "b_h1"), number)
    assert [p.factors[-1].value for p in chain.paths] == [1.0, 1.0]
    assert f"{chain.rebuilt:.7f}" == "0.0087714"


def test_every_weight_of_a_deeper_network_is_rebuilt_from_its_paths():
    workspace = Workspace(load_project(REPO / "samples" / "iris.nnsproj"))
    report = inspect_step(workspace.project, sample=3, loaded=(workspace.table, workspace.prepared))
    for ref in param_refs(report):
        chain = weight_chain(report, ref)
        if chain is None:
            continue
        assert chain.rebuilt == pytest.approx(ref.grad, rel=1e-4, abs=1e-7), ref.name


def test_the_numeric_gradient_of_every_lesson_weight_is_known(lesson):
    numeric = numeric_gradients(lesson)
    for ref in param_refs(lesson):
        assert numeric[(ref.label, ref.index)] == pytest.approx(ref.grad, rel=1e-4)


def test_the_lesson_update_is_plain_sgd(lesson):
    assert plain_sgd(lesson)
    assert number(by_name(lesson, "w5").after) == "0.358916"


def test_a_batch_has_no_per_sample_paths():
    report = inspect_step(load_project(REPO / "samples" / "iris.nnsproj"))
    assert len(report.rows) > 1
    assert weight_chain(report, param_refs(report)[0]) is None


def test_inspecting_with_the_workspaces_data_gives_the_same_step():
    workspace = Workspace(load_project(LESSON))
    shared = inspect_step(workspace.project, sample=0, loaded=(workspace.table, workspace.prepared))
    assert shared.to_dict() == inspect_step(load_project(LESSON), sample=0).to_dict()
