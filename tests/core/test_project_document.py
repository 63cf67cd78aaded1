"""project.json and the trained state: strict JSON, schema, versions, paths, weights, state."""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from nnstudio.core.data import trust
from nnstudio.core.errors import DataError, ProjectError
from nnstudio.core.project import (
    CURRENT_VERSION,
    Project,
    document_to_project,
    load_project,
    save_project,
    schema,
    schemagen,
)
from nnstudio.core.project.migrations import migrate, migrate_v1_to_v2
from nnstudio.core.training.plan import load_data
from tests.core.test_project_support import (
    DOC,
    FIXTURES,
    SAMPLES,
    members_of,
    project_doc,
    refused,
    rewrite,
    train_project,
    with_doc,
)


def bare(tmp_path: Path, text: str | bytes, name: str = "hand.json") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def sample_doc(name: str = "iris") -> dict[str, Any]:
    return project_doc(SAMPLES / f"{name}.nnsproj")


# --- strict JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"format": "nnstudio-project", "format_version": 2,', "is not valid JSON"),
        ('{"format": "nnstudio-project", "x": NaN}', "NaN is not a number JSON allows"),
        ('{"format": "nnstudio-project", "x": -Infinity}', "-Infinity is not a number"),
        ('{"format": "nnstudio-project", "x": 1e400}', "the number 1e400 is too large"),
        ('{"format": "nnstudio-project", "x": ' + "9" * 60 + "}", "is too large"),
        ('{"format": "nnstudio-project", "format": "x"}', "the key 'format' appears twice"),
        ('{"format": "nnstudio-project", "x": "\\ud800"}', "lone surrogate"),
        ('{"format": "nnstudio-project", "x": ' + "[" * 100 + "]" * 100 + "}", "nested more"),
        ('{"x": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
    ],
)
def test_strict_json(tmp_path: Path, text: str, fragment: str) -> None:
    refused(bare(tmp_path, text), fragment)


def test_not_utf8(tmp_path: Path) -> None:
    text = json.dumps(sample_doc("brand_price"), ensure_ascii=False).encode("gbk")
    refused(bare(tmp_path, text), "project.json is not UTF-8 text", "save it as UTF-8")


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    text = b"\xef\xbb\xbf" + json.dumps(sample_doc()).encode()
    assert load_project(bare(tmp_path, text)).name == "Iris flowers"


def test_invalid_json_inside_archive(tmp_path: Path, trained_file: Path) -> None:
    path = rewrite(trained_file, tmp_path / "x.nnsproj", project_json=b'{"format": ')
    refused(path, "project.json is not valid JSON")
    path = rewrite(trained_file, tmp_path / "y.nnsproj", history_json=b"[NaN]")
    refused(path, "history.json is not valid JSON", "NaN")


# --- versions -----------------------------------------------------------------------------------


def test_newer_format_version_is_refused(tmp_path: Path) -> None:
    doc = sample_doc()
    doc["format_version"] = CURRENT_VERSION + 1
    refused(
        bare(tmp_path, json.dumps(doc)),
        f"newer NN Studio (format version {CURRENT_VERSION + 1})",
        "Update NN Studio",
    )


@pytest.mark.parametrize("version", [0, -1, "2", 2.5, None, True])
def test_bad_format_version(tmp_path: Path, version: Any) -> None:
    doc = sample_doc()
    doc["format_version"] = version
    refused(bare(tmp_path, json.dumps(doc)), '"format_version" must be a whole number')


def test_newer_layer_version_is_refused(tmp_path: Path) -> None:
    doc = sample_doc()
    doc["graph"]["nodes"][1]["type_version"] = 2
    refused(
        bare(tmp_path, json.dumps(doc)),
        "dense_1",
        "version 2 of the Dense layer type",
        "update NN Studio",
    )


def test_migrations_are_pure() -> None:
    doc = json.loads((FIXTURES / "project_v1.json").read_text("utf-8"))
    before = copy.deepcopy(doc)
    migrated = migrate(doc)
    assert doc == before
    assert migrated["format_version"] == CURRENT_VERSION
    assert "layers" not in migrated


def test_v1_lr_without_optimizer_means_adam() -> None:
    doc = {"format_version": 1, "layers": [], "training": {"lr": 0.1}}
    assert migrate_v1_to_v2(doc)["training"]["optimizer"] == {"name": "adam", "lr": 0.1}


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ({"format_version": 1}, 'needs a "layers" list'),
        ({"format_version": 1, "layers": [{"units": 3}]}, 'layer 2 of the version 1 "layers"'),
        (
            {"format_version": 1, "layers": [], "training": {"optimiser": "sgd", "optimizer": {}}},
            'both "optimiser" and "optimizer"',
        ),
    ],
)
def test_v1_errors(doc: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ProjectError, match=re.escape(fragment)):
        migrate_v1_to_v2(doc)


# --- fixtures: one file per format version --------------------------------------------------

EXPECTED_GRAPH = {
    "nodes": [
        ("n001", "Input", "input_1", {"size": "auto", "select": ""}, [0.0, 0.0], ""),
        (
            "n002",
            "Dense",
            "hidden",
            {
                "units": 8,
                "activation": {"name": "tanh"},
                "bias": True,
                "weight_init": {"name": "xavier_uniform", "gain": 1.0},
                "bias_init": {"name": "default"},
            },
            [220.0, 0.0],
            "eight tanh units",
        ),
        (
            "n003",
            "BatchNorm1d",
            "batchnorm1d_1",
            {"eps": 1e-05, "momentum": 0.1, "affine": True},
            [440.0, 0.0],
            "",
        ),
        (
            "n004",
            "Dense",
            "output",
            {
                "units": "auto",
                "activation": {"name": "identity"},
                "bias": True,
                "weight_init": {"name": "default"},
                "bias_init": {"name": "default"},
            },
            [660.0, 0.0],
            "",
        ),
    ],
    "edges": [["n001", "n002"], ["n002", "n003"], ["n003", "n004"]],
}


def _structure(project: Project) -> dict[str, Any]:
    graph = project.graph.to_dict()
    return {
        "nodes": [
            (n["id"], n["type"], n["name"], n["params"], n["position"], n["note"])
            for n in graph["nodes"]
        ],
        "edges": graph["edges"],
    }


def test_fixture_v1_migrates_to_the_expected_graph() -> None:
    project = load_project(FIXTURES / "project_v1.json")
    assert _structure(project) == EXPECTED_GRAPH
    assert project.training.optimizer["name"] == "adam"
    assert project.training.optimizer["lr"] == 0.02
    assert project.training.optimizer["beta1"] == 0.8
    assert project.training.loss["name"] == "cross_entropy"
    assert project.training.schedule == {"name": "step", "step_size": 1, "gamma": 0.5}
    assert project.data.source.name == "moons"
    assert project.weights is None
    assert project.path == FIXTURES / "project_v2.nnsproj".replace("_v2", "_v1")
    assert any("format version 1" in n for n in project.notices)


def test_fixture_v2_loads_with_trained_state() -> None:
    v1 = load_project(FIXTURES / "project_v1.json")
    project = load_project(FIXTURES / "project_v2.nnsproj")
    assert _structure(project) == EXPECTED_GRAPH == _structure(v1)
    assert project.training == v1.training
    assert project.data == v1.data
    assert project.epochs_trained == 2
    assert project.history.epoch == [1, 2]
    assert project.preprocessor is not None and project.preprocessor.task == "classification"
    assert project.weights is not None
    assert project.weights["n002.weight"].shape == (8, 2)
    assert project.weights["n003.num_batches_tracked"].dtype == torch.int64
    state = project.optimizer_state
    assert state is not None
    steps = {float(entry["step"]) for entry in state["state"].values()}
    assert steps == {2 * 6}  # 2 epochs × ceil(90 / 16) batches
    assert state["param_groups"][0]["betas"] == (0.8, 0.999)
    assert project.schedule_state is not None
    assert project.schedule_state["scheduler"]["last_epoch"] == 2
    # Version 2 is older than the current format: the only notice says saving upgrades it.
    assert [n for n in project.notices if "format version 2" not in n] == []


def test_fixture_v2_resumes(tmp_path: Path) -> None:
    project = load_project(FIXTURES / "project_v2.nnsproj")
    project.training = project.training.replace(epochs=3)
    train_project(project, resume=True)
    assert project.history.epoch == [1, 2, 3]
    assert project.epochs_trained == 3


# --- the schema and the documentation ---------------------------------------------------------


def test_schema_file_is_generated_from_the_catalogues() -> None:
    assert schema() == schemagen.build_schema(), (
        "schema.json is out of date: run python -m nnstudio.core.project.schemagen"
    )


def test_schema_is_a_valid_json_schema() -> None:
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema())


def test_doc_catalogue_is_current() -> None:
    doc = DOC.read_text("utf-8")
    assert schemagen.doc_with_catalogue(doc) == doc, (
        "docs/project-format.md is out of date: run python -m nnstudio.core.project.schemagen"
    )


def _doc_example(tag: str) -> str:
    match = re.search(rf"<!-- example: {tag} -->\s*```json\n(.*?)```", DOC.read_text("utf-8"), re.S)
    assert match, f"docs/project-format.md has no {tag} example"
    return match.group(1)


def test_doc_minimal_example_loads_and_trains(tmp_path: Path) -> None:
    project = load_project(bare(tmp_path, _doc_example("minimal"), "xor.json"))
    assert project.name == "XOR by hand"
    assert [n.type for n in project.graph.nodes.values()] == ["Input", "Dense", "Dense"]
    project.training = project.training.replace(epochs=1)
    result = train_project(project)
    assert result.epochs_run == 1
    assert project.path == tmp_path / "xor.nnsproj"


def test_doc_v1_example_migrates_as_documented(tmp_path: Path) -> None:
    project = load_project(bare(tmp_path, _doc_example("v1")))
    assert [n.id for n in project.graph.nodes.values()] == ["n001", "n002", "n003"]
    assert [n.type for n in project.graph.nodes.values()] == ["Input", "Dense", "Dense"]
    assert project.training.optimizer["name"] == "sgd"
    assert project.training.optimizer["lr"] == 0.05


def test_doc_names_every_field() -> None:
    text = DOC.read_text("utf-8")
    full = schema()
    sections = [
        full["properties"],
        full["properties"]["graph"]["properties"],
        full["$defs"]["node"]["properties"],
        full["properties"]["data"]["properties"],
        full["$defs"]["source"]["properties"],
        full["properties"]["training"]["properties"],
        full["properties"]["training"]["properties"]["early_stopping"]["properties"],
        full["$defs"]["preprocessor"]["properties"],
        full["$defs"]["state"]["properties"],
        full["$defs"]["history"]["properties"],
    ]
    for properties in sections:
        for name in properties:
            assert f"`{name}`" in text or f'"{name}"' in text, f"{name} is not documented"


# --- schema violations --------------------------------------------------------------------------


def _mutated(tmp_path: Path, change: Any, name: str = "iris") -> Path:
    doc = sample_doc(name)
    change(doc)
    return bare(tmp_path, json.dumps(doc, ensure_ascii=False))


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (
            lambda d: d["graph"]["nodes"][1].update(type="Convolution"),
            ["graph.nodes[1].type (layer 'dense_1')", "'Convolution' is not one of"],
        ),
        (
            lambda d: d["graph"]["nodes"][1]["params"].update(unitz=3),
            ["graph.nodes[1].params (layer 'dense_1')", "'unitz' was unexpected"],
        ),
        (
            lambda d: d["graph"]["nodes"][1]["params"].update(units=0),
            ["graph.nodes[1].params.units", "0 is less than the minimum of 1"],
        ),
        (
            lambda d: d["graph"]["nodes"][1]["params"].update(activation={"name": "relu6"}),
            ["graph.nodes[1].params.activation.name", "'relu6' is not one of"],
        ),
        (
            lambda d: d["graph"]["nodes"][1]["params"]["activation"].update(alpha=2),
            ["params.activation", "'alpha' was unexpected"],
        ),
        (lambda d: d.update(colour="red"), ["the top level", "'colour' was unexpected"]),
        (lambda d: d["training"].update(epochs="many"), ["training.epochs", "'many' is not"]),
        (lambda d: d["training"]["optimizer"].update(lr=-1), ["training.optimizer.lr"]),
        (lambda d: d["data"].update(scaling="log"), ["data.scaling", "'log' is not one of"]),
        (lambda d: d["data"]["source"].update(kind="url"), ["data.source.kind"]),
        (lambda d: d["data"]["source"].update(name="cifar"), ["data.source.name"]),
        (lambda d: d["data"]["source"].update(encoding="../x"), ["data.source.encoding"]),
        (lambda d: d.pop("graph"), ["the top level", "'graph' is a required property"]),
        (lambda d: d["graph"]["edges"].append(["a"]), ["graph.edges[2]", "too short"]),
        (lambda d: d.update(name="x" * 2000), ["at name", "is too long"]),
        (lambda d: d["state"].update(epochs_trained=-3), ["state.epochs_trained"]),
        (lambda d: d.update(preprocessor={"format": "sklearn-pickle"}), ["preprocessor"]),
    ],
)
def test_schema_violations_are_named(tmp_path: Path, change: Any, fragments: list[str]) -> None:
    message = refused(_mutated(tmp_path, change), "does not follow the format", *fragments)
    assert "docs/project-format.md" in message


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (
            lambda d: d["graph"]["edges"].append(["n001", "nmissing"]),
            ["the network in project.json is invalid", "names a layer that does not exist"],
        ),
        (
            lambda d: d["graph"]["nodes"][2].update(name="dense_1"),
            ["two layers are named 'dense_1'", "give each layer its own name"],
        ),
        (
            lambda d: d["graph"]["nodes"][2].update(id=d["graph"]["nodes"][1]["id"]),
            ["already exists"],
        ),
        (lambda d: d["data"].update(split=[0.5, 0.2, 0.1]), ["data settings: split"]),
        (
            lambda d: d["data"].update(targets=["a"], ignored=["a"]),
            ["data settings: ignored", "cannot also be ignored"],
        ),
    ],
)
def test_build_errors_are_named(tmp_path: Path, change: Any, fragments: list[str]) -> None:
    refused(_mutated(tmp_path, change), *fragments)


def test_graph_size_is_capped(tmp_path: Path) -> None:
    doc = sample_doc()
    doc["graph"]["nodes"] = [
        {"id": f"n{i}", "type": "Add", "params": {}} for i in range(schemagen.MAX_NODES + 1)
    ]
    doc["graph"]["edges"] = []
    message = refused(bare(tmp_path, json.dumps(doc)), "at graph.nodes", "is too long")
    assert len(message) < 600


def test_preprocessor_errors_are_named_once(tmp_path: Path, trained_file: Path) -> None:
    doc = project_doc(trained_file)
    doc["preprocessor"]["class_names"] = ["a", "a", "b"]
    path = with_doc(trained_file, tmp_path / "p.nnsproj", doc)
    refused(path, "project.json does not follow the format at preprocessor.class_names")
    with pytest.raises(ProjectError) as info:
        load_project(path)
    assert info.value.message.count("preprocess") == 1


def test_document_to_project_accepts_any_version() -> None:
    doc = json.loads((FIXTURES / "project_v1.json").read_text("utf-8"))
    project = document_to_project(doc)
    assert len(project.graph.nodes) == 4


# --- CSV paths -------------------------------------------------------------------------------


def _copy_sample(folder: Path, name: str = "xor_step", csv: str | None = "xor.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLES / f"{name}.nnsproj", folder / f"{name}.nnsproj")
    if csv:
        shutil.copy(SAMPLES / csv, folder / csv)
    return folder / f"{name}.nnsproj"


def test_csv_path_is_stored_relative_and_resolved_on_load(tmp_path: Path) -> None:
    path = _copy_sample(tmp_path / "a")
    project = load_project(path)
    assert project.data.source.path == str(tmp_path / "a" / "xor.csv")
    save_project(project)
    assert project_doc(path)["data"]["source"]["path"] == "xor.csv"


def test_save_as_into_another_folder_keeps_naming_the_same_csv(tmp_path: Path) -> None:
    project = load_project(_copy_sample(tmp_path / "a"))
    (tmp_path / "b" / "deeper").mkdir(parents=True)
    target = save_project(project, tmp_path / "b" / "deeper" / "copy.nnsproj")
    assert project_doc(target)["data"]["source"]["path"] == "../../a/xor.csv"
    again = load_project(target)
    assert again.data.source.path == str(tmp_path / "a" / "xor.csv")
    trust.allow(tmp_path / "a" / "xor.csv")  # now outside the project's folder: the user allows it
    table, _ = load_data(again)
    assert list(table.frame.columns) == ["x1", "x2", "y"]


def test_relative_path_in_memory_follows_save_as(tmp_path: Path) -> None:
    project = load_project(_copy_sample(tmp_path / "a"))
    project.data = project.data.replace(
        source=project.data.source.__class__(kind="csv", path="xor.csv")
    )
    (tmp_path / "b").mkdir()
    target = save_project(project, tmp_path / "b" / "x.nnsproj")
    assert project_doc(target)["data"]["source"]["path"] == "../a/xor.csv"


def test_moving_the_folder_keeps_the_project_working(tmp_path: Path) -> None:
    path = _copy_sample(tmp_path / "a")
    save_project(load_project(path))
    moved = tmp_path / "elsewhere" / "a"
    shutil.copytree(tmp_path / "a", moved)
    shutil.rmtree(tmp_path / "a")
    project = load_project(moved / "xor_step.nnsproj")
    table, _ = load_data(project)
    assert len(table.frame) == 4


def test_windows_separators_are_understood(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    shutil.copy(SAMPLES / "xor.csv", tmp_path / "data" / "xor.csv")
    doc = sample_doc("xor_step")
    doc["data"]["source"]["path"] = "data\\xor.csv"
    project = load_project(bare(tmp_path, json.dumps(doc)))
    assert project.data.source.path == str(tmp_path / "data" / "xor.csv")


def test_missing_csv_opens_and_load_data_names_it(tmp_path: Path) -> None:
    project = load_project(_copy_sample(tmp_path / "a", csv=None))
    assert project.graph.nodes
    with pytest.raises(DataError) as info:
        load_data(project)
    assert "xor.csv" in str(info.value)
    assert "does not exist" in str(info.value)


# --- trained state ---------------------------------------------------------------------------


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return dict(st_load(members_of(path)["weights.safetensors"]))


def _with_weights(src: Path, dst: Path, weights: dict[str, torch.Tensor]) -> Path:
    return rewrite(src, dst, weights_safetensors=st_save(weights))


def _first_key(weights: dict[str, torch.Tensor]) -> str:
    """The weight matrix of the first Dense layer (dense_1, 4 inputs → 16 units)."""
    (key,) = [k for k, v in weights.items() if k.endswith(".weight") and v.shape == (16, 4)]
    return key


def test_weights_with_an_unknown_name(tmp_path: Path, trained_file: Path) -> None:
    weights = _weights(trained_file)
    weights["nghost.weight"] = torch.zeros(2, 2)
    path = _with_weights(trained_file, tmp_path / "w.nnsproj", weights)
    refused(path, "the saved weights include nghost.weight", "train it again")


def test_weights_missing_one(tmp_path: Path, trained_file: Path) -> None:
    weights = _weights(trained_file)
    del weights[_first_key(weights)]
    path = _with_weights(trained_file, tmp_path / "w.nnsproj", weights)
    refused(path, "the saved weights lack dense_1.weight")


def test_weights_of_the_wrong_shape(tmp_path: Path, trained_file: Path) -> None:
    weights = _weights(trained_file)
    key = _first_key(weights)
    weights[key] = torch.zeros(3, 3)
    path = _with_weights(trained_file, tmp_path / "w.nnsproj", weights)
    refused(path, "dense_1.weight have shape [3, 3] but the network needs [16, 4]")


def test_weights_of_the_wrong_dtype(tmp_path: Path, trained_file: Path) -> None:
    weights = _weights(trained_file)
    key = _first_key(weights)
    weights[key] = weights[key].double()
    path = _with_weights(trained_file, tmp_path / "w.nnsproj", weights)
    refused(path, "are torch.float64, but the network needs torch.float32")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_weights(tmp_path: Path, trained_file: Path, value: float) -> None:
    weights = _weights(trained_file)
    weights[_first_key(weights)][0, 0] = value
    path = _with_weights(trained_file, tmp_path / "w.nnsproj", weights)
    refused(path, "dense_1.weight contain NaN or infinite values")


def test_weights_for_a_changed_network(tmp_path: Path, trained_file: Path) -> None:
    doc = project_doc(trained_file)
    doc["graph"]["nodes"][1]["params"]["units"] = 7
    path = with_doc(trained_file, tmp_path / "w.nnsproj", doc)
    refused(path, "dense_1.weight have shape [16, 4] but the network needs [7, 4]")


def test_state_says_trained_but_no_weights(tmp_path: Path, trained_file: Path) -> None:
    path = rewrite(trained_file, tmp_path / "w.nnsproj", weights_safetensors=None)
    refused(path, "says the project is trained but weights.safetensors is missing")


def test_weights_present_but_state_says_untrained(tmp_path: Path, trained_file: Path) -> None:
    doc = project_doc(trained_file)
    doc["state"]["weights"] = False
    refused(with_doc(trained_file, tmp_path / "w.nnsproj", doc), "project.json says the project")


def test_optimizer_member_without_its_description(tmp_path: Path, trained_file: Path) -> None:
    doc = project_doc(trained_file)
    del doc["state"]["optimizer"]
    refused(with_doc(trained_file, tmp_path / "o.nnsproj", doc), "optimiser state is incomplete")


def _optimizer(path: Path) -> dict[str, torch.Tensor]:
    return dict(st_load(members_of(path)["optimizer.safetensors"]))


def _with_optimizer(source: Path, folder: Path, state: dict[str, torch.Tensor]) -> Path:
    """A copy of ``source`` whose optimiser state is ``state`` (edited by the test)."""
    return rewrite(source, folder / "o.nnsproj", optimizer_safetensors=st_save(state))


def test_optimizer_tensor_of_the_wrong_shape(tmp_path: Path, trained_file: Path) -> None:
    state = _optimizer(trained_file)
    state["0.exp_avg"] = torch.zeros(2)
    path = _with_optimizer(trained_file, tmp_path, state)
    refused(path, "optimiser state of dense_1.weight (exp_avg) is torch.float32 [2]")


def test_optimizer_tensor_not_finite(tmp_path: Path, trained_file: Path) -> None:
    state = _optimizer(trained_file)
    state["1.exp_avg_sq"][0] = float("nan")
    path = _with_optimizer(trained_file, tmp_path, state)
    refused(path, "dense_1.bias (exp_avg_sq) contains NaN or infinite values")


def test_optimizer_state_for_a_parameter_that_does_not_exist(
    tmp_path: Path, trained_file: Path
) -> None:
    state = _optimizer(trained_file)
    state["99.exp_avg"] = torch.zeros(1)
    path = _with_optimizer(trained_file, tmp_path, state)
    refused(path, "holds parameter number 99")


def test_optimizer_state_with_a_missing_entry(tmp_path: Path, trained_file: Path) -> None:
    state = _optimizer(trained_file)
    del state["0.exp_avg_sq"]
    path = _with_optimizer(trained_file, tmp_path, state)
    refused(path, "lacks 'exp_avg_sq'")


def test_optimizer_entry_names(tmp_path: Path, trained_file: Path) -> None:
    state = _optimizer(trained_file)
    state["exp_avg"] = torch.zeros(1)
    path = _with_optimizer(trained_file, tmp_path, state)
    refused(path, "entries are named <parameter number>.<name>")


def test_optimizer_groups_cannot_smuggle_values(tmp_path: Path, trained_file: Path) -> None:
    doc = project_doc(trained_file)
    group = doc["state"]["optimizer"]["param_groups"][0]
    group["lr"] = "0.1; import os"
    refused(with_doc(trained_file, tmp_path / "a.nnsproj", doc), "group 0.lr is", "a number")
    group["lr"] = 0.1
    group["params"] = [0, 1]
    refused(with_doc(trained_file, tmp_path / "b.nnsproj", doc), "covers 2 parameters")
    group["params"] = [3, 2, 1, 0]
    refused(with_doc(trained_file, tmp_path / "b.nnsproj", doc), "numbers its parameters")
    group["params"] = list(range(4))
    group["step"] = "boom"  # a key torch does not keep: dropped, never handed to torch
    group["betas"] = [0.5, 0.6]
    project = load_project(with_doc(trained_file, tmp_path / "c.nnsproj", doc))
    restored = project.optimizer_state["param_groups"][0]
    assert "step" not in restored
    assert restored["betas"] == (0.5, 0.6)
    assert restored["lr"] == 0.1


def test_schedule_state_keeps_integer_milestones(trained_file: Path) -> None:
    project = load_project(trained_file)
    milestones = project.schedule_state["scheduler"]["milestones"]
    assert isinstance(milestones, Counter)
    assert milestones == Counter({1: 1, 5: 1})


def test_schedule_state_cannot_set_scheduler_attributes(tmp_path: Path, trained_file: Path) -> None:
    doc = project_doc(trained_file)
    scheduler = doc["state"]["schedule"]["scheduler"]
    scheduler["optimizer"] = {"param_groups": []}
    scheduler["get_lr"] = "x"
    project = load_project(with_doc(trained_file, tmp_path / "a.nnsproj", doc))
    assert "optimizer" not in project.schedule_state["scheduler"]
    assert "get_lr" not in project.schedule_state["scheduler"]
    scheduler["last_epoch"] = "soon"
    refused(with_doc(trained_file, tmp_path / "b.nnsproj", doc), "schedule.last_epoch")


def test_schedule_state_of_another_schedule_is_dropped(tmp_path: Path, trained_file: Path) -> None:
    doc = project_doc(trained_file)
    doc["training"]["schedule"] = {"name": "constant"}
    project = load_project(with_doc(trained_file, tmp_path / "s.nnsproj", doc))
    assert project.schedule_state is None
    assert project.optimizer_state is not None


def test_history_must_be_consistent(tmp_path: Path, trained_file: Path) -> None:
    history = json.loads(members_of(trained_file)["history.json"])
    history["train_loss"].append(1.0)
    path = rewrite(trained_file, tmp_path / "h.nnsproj", history_json=json.dumps(history).encode())
    refused(path, "history.json is inconsistent: 2 epochs but 3 train_loss values")
    history["train_loss"] = ["low", "lower"]
    path = rewrite(trained_file, tmp_path / "i.nnsproj", history_json=json.dumps(history).encode())
    refused(path, "history.json does not follow the format at train_loss[")


def test_loading_leaves_the_global_random_state_alone(trained_file: Path) -> None:
    before = torch.get_rng_state()
    load_project(trained_file)
    assert torch.equal(before, torch.get_rng_state())


# --- saving what can be opened ---------------------------------------------------------------


def test_stale_weights_are_left_out_with_a_notice(tmp_path: Path, trained_file: Path) -> None:
    project = load_project(trained_file)
    dense = next(n for n in project.graph.nodes.values() if n.type == "Dense")
    project.graph.set_param(dense.id, "units", 5)  # edited after training
    path = save_project(project, tmp_path / "edited.nnsproj")
    assert any("trained weights were left out of the file" in n for n in project.notices)
    again = load_project(path)
    assert again.weights is None and again.optimizer_state is None
    assert again.epochs_trained == 0
    assert project.weights is not None  # memory is not changed, only the file


def test_save_refuses_a_project_it_could_not_open(tmp_path: Path) -> None:
    project = load_project(SAMPLES / "iris.nnsproj")
    target = save_project(project, tmp_path / "x.nnsproj")
    before = target.read_bytes()
    project.name = "n" * 5000
    with pytest.raises(ProjectError) as info:
        save_project(project)
    message = str(info.value)
    assert message.startswith(f"{target}: was not saved: project.json does not follow the format")
    assert "at name" in message and "the previous file is unchanged" in message
    assert target.read_bytes() == before


def test_save_needs_a_place() -> None:
    with pytest.raises(ProjectError, match="choose where to save"):
        save_project(Project())


def test_an_empty_project_round_trips(tmp_path: Path) -> None:
    path = save_project(Project(), tmp_path / "empty.nnsproj")
    project = load_project(path)
    assert project.graph.nodes == {} and project.name == "Untitled"
