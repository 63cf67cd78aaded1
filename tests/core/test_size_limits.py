"""Issue 13, class 2: sizes that would exhaust memory or time are refused, cheaply and clearly.

A network's memory is estimated by formula from the drawing; above this computer's limit the
analysis reports an error naming the layer, and every path that would allocate (validate,
train, step, export, building the module, the window's Train) refuses through it. A project
file is refused on its counts and declared sizes before anything big is parsed or read.
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.core.catalogue.layers import ShapeContext
from nnstudio.core.data.data_settings import default_settings_for
from nnstudio.core.errors import GraphError, ProjectError
from nnstudio.core.network import memory
from nnstudio.core.network.analysis import analyze
from nnstudio.core.network.builder import build_model
from nnstudio.core.network.graph import Graph
from nnstudio.core.project import archive
from nnstudio.core.project.migrations import CURRENT_VERSION
from nnstudio.core.project.project_file import Project, load_project, save_project
from nnstudio.core.training.training_settings import TrainingSettings
from nnstudio.core.workspace import Workspace
from tests.cli.helpers import run_cli
from tests.fuzzing import examples


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever language an earlier test left behind."""
    from nnstudio import i18n

    i18n.set_language("en")
    yield


GB = 1024**3


@pytest.fixture(autouse=True)
def _one_gigabyte_limit(monkeypatch):
    """The same limit on every machine, so the tests do not depend on this one's memory."""
    monkeypatch.setenv(memory.LIMIT_VARIABLE, "1G")


def _wide_pair(units: int = 100_000) -> Graph:
    """Input 3 → Dense ``units`` → Dense ``units`` → Dense auto: 10¹⁰ weights in the middle."""
    graph = Graph()
    previous = graph.add_node("Input", {"size": "auto"}).id
    for name, units_ in (("wide_a", units), ("wide_b", units), ("out", "auto")):
        node = graph.add_node("Dense", {"units": units_, "activation": {"name": "relu"}}, name=name)
        graph.add_edge(previous, node.id)
        previous = node.id
    graph.nodes[previous].params["activation"] = {"name": "identity"}
    return graph


def _concat_chain(steps: int) -> Graph:
    """Each step concatenates a layer with a copy of itself: the width doubles every step."""
    graph = Graph()
    current = graph.add_node("Input", {"size": "auto"}).id
    for k in range(steps):
        twin = graph.add_node("Activation", {"activation": {"name": "identity"}}, name=f"twin_{k}")
        graph.add_edge(current, twin.id)
        joined = graph.add_node("Concat", {}, name=f"concat_{k}")
        graph.add_edge(current, joined.id)
        graph.add_edge(twin.id, joined.id)
        current = joined.id
    out = graph.add_node("Dense", {"units": "auto", "activation": {"name": "identity"}}, name="out")
    graph.add_edge(current, out.id)
    return graph


def _wide_batch() -> Graph:
    """Few weights but 100,000 values per row: a big batch makes the activations too large."""
    graph = Graph()
    inp = graph.add_node("Input", {"size": "auto"})
    wide = graph.add_node("Dense", {"units": 100_000}, name="wide")
    out = graph.add_node("Dense", {"units": "auto", "activation": {"name": "identity"}})
    graph.add_edge(inp.id, wide.id)
    graph.add_edge(wide.id, out.id)
    return graph


CTX = ShapeContext(n_features=2, n_outputs=2, batch_rows=32)

#: (graph, context, the layer named, words the message holds)
TOO_LARGE = [
    pytest.param(_wide_pair(), CTX, "wide_b", "weights", id="two 100,000-unit layers"),
    pytest.param(_concat_chain(80), CTX, "concat_79", "values per row", id="Concat chain of 80"),
    pytest.param(
        _wide_batch(),
        ShapeContext(n_features=2, n_outputs=2, batch_rows=4096),
        "wide",
        "batch of 4,096 rows",
        id="a wide layer with a big batch",
    ),
]


@pytest.mark.parametrize(("graph", "ctx", "layer", "words"), TOO_LARGE)
def test_a_network_too_large_for_the_memory_is_an_error_naming_its_largest_layer(
    graph, ctx, layer, words
):
    result = analyze(graph, ctx)
    errors = [p for p in result.errors if p.code == "too_large"]
    assert len(errors) == 1
    problem = errors[0]
    assert graph.nodes[problem.node_id].name == layer
    text = problem.message  # English (a Text), whatever language another test left behind
    assert text.startswith(f"{layer}: the network needs about ")
    assert "more than the 1.0 GB this computer allows" in text
    assert words in text


@pytest.mark.parametrize(("graph", "ctx", "layer", "words"), TOO_LARGE)
def test_building_a_network_too_large_is_refused_before_any_allocation(graph, ctx, layer, words):
    with pytest.raises(GraphError) as caught:
        build_model(graph, ctx)
    assert "this computer allows" in caught.value.message


def test_the_same_network_fits_when_the_limit_is_raised(monkeypatch):
    monkeypatch.setenv(memory.LIMIT_VARIABLE, "1024G")
    result = analyze(_wide_pair(), CTX)
    assert not [p for p in result.problems if p.code == "too_large"]


def test_a_limit_setting_that_is_not_a_size_is_an_error_not_a_crash(monkeypatch):
    monkeypatch.setenv(memory.LIMIT_VARIABLE, "lots")
    result = analyze(_concat_chain(1), CTX)
    assert [p.code for p in result.errors] == ["memory_limit_setting"]
    assert "NNSTUDIO_MEMORY_LIMIT='lots' is not a size" in result.errors[0].message


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1G", GB),
        ("512M", 512 * 1024**2),
        ("1.5GB", int(1.5 * GB)),
        ("2048", 2048),
        ("3 gib", 3 * GB),
    ],
)
def test_limit_settings_are_read_with_their_unit(text, size):
    assert memory.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "0", "-1G", "1X", "G", "1e9"])
def test_limit_settings_without_a_positive_size_are_refused(text):
    with pytest.raises(memory.LimitSettingError):
        memory.parse_size(text)


def test_the_default_limit_is_half_the_physical_memory():
    physical = memory.physical_memory()
    assert physical is not None and physical > 0
    assert memory.memory_limit({}) == physical // 2


@st.composite
def _chains(draw):
    """Random Dense/BatchNorm/Concat networks with their data context."""
    graph = Graph()
    current = graph.add_node("Input", {"size": draw(st.integers(1, 50))}).id
    for _k in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["Dense", "BatchNorm1d", "Concat"]))
        if kind == "Dense":
            node = graph.add_node(
                "Dense",
                {"units": draw(st.integers(1, 300)), "bias": draw(st.booleans())},
                trainable=draw(st.booleans()),
            )
            graph.add_edge(current, node.id)
        elif kind == "BatchNorm1d":
            node = graph.add_node("BatchNorm1d", {})
            graph.add_edge(current, node.id)
        else:
            twin = graph.add_node("Activation", {"activation": {"name": "tanh"}})
            graph.add_edge(current, twin.id)
            node = graph.add_node("Concat", {})
            graph.add_edge(current, node.id)
            graph.add_edge(twin.id, node.id)
        current = node.id
    return graph, draw(st.integers(1, 512))


@settings(max_examples=examples(40), deadline=None)
@given(_chains())
def test_the_estimate_counts_exactly_the_parameters_torch_allocates(case):
    graph, rows = case
    result = analyze(graph, ShapeContext(batch_rows=rows))
    assert result.ok, result.errors
    with torch.device("meta"):
        model = build_model(graph, ShapeContext(batch_rows=rows))
    ins = {nid: graph.inputs_of(nid) for nid in result.order}
    estimate = memory.estimate_memory(graph, result.order, result.sizes, ins, rows)
    assert sum(layer.parameters for layer in estimate.layers) == sum(
        p.numel() for p in model.parameters()
    )
    widest = max(result.sizes.values())
    assert estimate.total >= rows * widest * memory.BYTES_PER_NUMBER


@settings(max_examples=examples(40), deadline=None)
@given(_chains(), st.integers(1, 64))
def test_the_analysis_refuses_exactly_the_networks_whose_estimate_is_above_the_limit(
    case, limit_kb
):
    graph, rows = case
    with mock.patch.dict(os.environ, {memory.LIMIT_VARIABLE: f"{limit_kb}K"}):
        result = analyze(graph, ShapeContext(batch_rows=rows))
    ins = {nid: graph.inputs_of(nid) for nid in graph.nodes}
    estimate = (
        memory.estimate_memory(graph, result.order, result.sizes, ins, rows)
        if result.order
        else None
    )
    refused = any(p.code == "too_large" for p in result.errors)
    assert refused == (estimate is not None and estimate.total > limit_kb * 1024)


# --- the command line and the window -------------------------------------------------------


def _project(tmp_path: Path, graph: Graph, batch_size: int = 32) -> Path:
    project = Project(
        graph=graph,
        data=default_settings_for("xor"),
        training=TrainingSettings(batch_size=batch_size),
        name="big",
    )
    return save_project(project, tmp_path / "big.nnsproj")


@pytest.fixture
def big_file(tmp_path, monkeypatch):
    # Saving a project never builds it, but keep the save itself off the limit's path.
    monkeypatch.setenv(memory.LIMIT_VARIABLE, "1024T")
    path = _project(tmp_path, _concat_chain(80))
    monkeypatch.setenv(memory.LIMIT_VARIABLE, "1G")
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["train", "--epochs", "1"],
        ["step"],
        ["summary"],
        ["export", "--to", "python", "-o", "{out}"],
    ],
    ids=lambda c: c[0],
)
def test_every_command_refuses_a_network_too_large_in_one_line(capsys, tmp_path, big_file, command):
    out_file = tmp_path / "exported.py"
    args = [a.replace("{out}", str(out_file)) for a in command]
    code, out, err = run_cli(capsys, args[0], big_file, *args[1:])
    assert code != 0
    assert "Traceback" not in err + out
    assert "concat_79: the network needs about " in err + out
    assert not out_file.exists()


def test_the_window_refuses_to_train_a_network_too_large_with_the_message():
    workspace = Workspace()
    project = Project(graph=_wide_pair(), data=default_settings_for("xor"))
    workspace.replace_project(project)
    reason = workspace.blocking_reason()
    assert reason is not None
    assert "wide_b: the network needs about " in reason


# --- project files: refused on counts and declared sizes, before the big work -------------


def _doc_with_nodes(n: int) -> dict:
    nodes = [
        {"id": f"n{i}", "type": "Dense", "name": f"L{i}", "params": {"units": 2}} for i in range(n)
    ]
    return {
        "format": "nnstudio-project",
        "format_version": CURRENT_VERSION,
        "name": "many",
        "graph": {"nodes": nodes, "edges": []},
    }


def test_a_project_of_too_many_layers_is_refused_on_the_count_before_the_schema(
    tmp_path, monkeypatch
):
    import nnstudio.core.project.project_file as project_file

    def never(*args, **kwargs):
        raise AssertionError("the schema validator ran on an oversized document")

    monkeypatch.setattr(project_file, "_validate", never)
    path = tmp_path / "many.json"
    path.write_text(json.dumps(_doc_with_nodes(20_000)), encoding="utf-8")
    with pytest.raises(ProjectError) as caught:
        load_project(path)
    assert (
        "project.json does not follow the format at graph.nodes: it is too long: 20,000 "
        "items, at most 1,000 are allowed"
    ) in str(caught.value)


def test_a_project_json_of_too_many_objects_stops_while_parsing(tmp_path, monkeypatch):
    import nnstudio.core.project.project_file as project_file

    seen = []
    monkeypatch.setattr(project_file, "_check_tree", lambda *a: seen.append(a))
    path = tmp_path / "objects.json"
    path.write_text(
        json.dumps({"format": "nnstudio-project", "ui": [{} for _ in range(300_000)]}),
        encoding="utf-8",
    )
    with pytest.raises(ProjectError, match="more than 200,000 objects"):
        load_project(path)
    assert not seen


def _safetensors(header: dict, data: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


def _trained_zip(tmp_path: Path, weights: bytes) -> Path:
    monkey = tmp_path / "small.nnsproj"
    graph = Graph()
    inp = graph.add_node("Input", {"size": 2})
    out = graph.add_node("Dense", {"units": 1, "activation": {"name": "identity"}}, name="out")
    graph.add_edge(inp.id, out.id)
    project = Project(graph=graph, data=default_settings_for("xor"))
    project.weights = {
        f"{out.id}.weight": torch.zeros(1, 2),
        f"{out.id}.bias": torch.zeros(1),
    }
    save_project(project, monkey)
    with zipfile.ZipFile(monkey) as z:
        members = {name: z.read(name) for name in z.namelist()}
    members["weights.safetensors"] = weights
    monkey.write_bytes(archive.zip_bytes(members))
    return monkey


def test_weights_far_larger_than_the_network_are_refused_before_they_are_read(
    tmp_path, monkeypatch
):
    from nnstudio.core.project import tensors

    body = bytes(64 * 1024 * 1024)
    header = {
        "a.weight": {"dtype": "F32", "shape": [len(body) // 4], "data_offsets": [0, len(body)]}
    }
    path = _trained_zip(tmp_path, _safetensors(header, body))
    read = []
    monkeypatch.setattr(tensors, "decode_tensors", lambda *a: read.append(a) or {})
    with pytest.raises(ProjectError) as caught:
        load_project(path)
    assert (
        "weights.safetensors holds 67,108,864 bytes of numbers, but the network has 3 "
        "parameters (12 bytes)"
    ) in str(caught.value)
    assert not read


def test_an_archive_within_the_member_caps_is_refused_by_its_network_before_expanding(
    tmp_path, monkeypatch
):
    """A deflated member expands only after the network says how big it may honestly be."""
    path = _trained_zip(tmp_path, b"")
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    # Random bits compress about 6:1, under the archive's bomb ratio: within every cap.
    big = np.random.default_rng(0).integers(0, 2, size=40 * 1024 * 1024, dtype=np.uint8).tobytes()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            if name == "weights.safetensors":
                data = _safetensors(
                    {
                        "x": {
                            "dtype": "F32",
                            "shape": [len(big) // 4],
                            "data_offsets": [0, len(big)],
                        }
                    },
                    big,
                )
            z.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    expanded = []
    real = archive._read_member
    monkeypatch.setattr(
        archive,
        "_read_member",
        lambda z, info: expanded.append(info.filename) or real(z, info),
    )
    with pytest.raises(ProjectError, match="the network has 3 parameters"):
        load_project(path)
    assert "weights.safetensors" not in expanded
