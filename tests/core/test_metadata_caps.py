"""Issue 13, class 4: every free-form field the loader accepts has a cap, and the refusal
names the field that is too large.

Texts in ``project.json`` (name, description, layer names and notes, the classroom's task)
are capped by the schema's limits, checked alone before the full validation so the message
names the field and both sizes; the free-form ``__metadata__`` inside a safetensors member
(a 50 MB string was accepted) is capped from its header, before the numbers are read.
"""

from __future__ import annotations

import json
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from nnstudio.core.errors import ProjectError
from nnstudio.core.project import archive, tensors
from nnstudio.core.project.project_file import load_project
from tests.conftest import REPO


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever language an earlier test left behind."""
    from nnstudio import i18n

    i18n.set_language("en")
    yield


IRIS = REPO / "samples" / "iris.nnsproj"


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def _rewrite(tmp_path: Path, change: Callable[[dict], None]) -> Path:
    members = _members(IRIS)
    doc = json.loads(members["project.json"])
    change(doc)
    members["project.json"] = json.dumps(doc).encode()
    path = tmp_path / "capped.nnsproj"
    path.write_bytes(archive.zip_bytes(members))
    return path


def _set(*keys: str | int, value: object) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        target = doc
        for key in keys[:-1]:
            target = target.setdefault(key, {}) if isinstance(key, str) else target[key]
        target[keys[-1]] = value

    return change


#: (the change, the field the message names, its size, its cap)
TOO_LARGE_FIELDS = [
    pytest.param(_set("name", value="n" * 1001), "at name", "1,001 characters", "1,000", id="name"),
    pytest.param(
        _set("description", value="d" * 1_000_001),
        "at description",
        "1,000,001 characters",
        "1,000,000",
        id="description",
    ),
    pytest.param(
        _set("graph", "nodes", 1, "name", value="L" * 201),
        "at graph.nodes[1].name",
        "201 characters",
        "200",
        id="layer name",
    ),
    pytest.param(
        _set("graph", "nodes", 0, "note", value="x" * 1_000_001),
        "at graph.nodes[0].note",
        "1,000,001 characters",
        "1,000,000",
        id="layer note",
    ),
    pytest.param(
        _set("ui", value={f"k{i}": i for i in range(1001)}),
        "at ui",
        "1,001 entries",
        "1,000",
        id="free-form ui state",
    ),
]


@pytest.mark.parametrize(("change", "field", "size", "limit"), TOO_LARGE_FIELDS)
def test_a_free_form_field_over_its_cap_is_refused_naming_it(
    tmp_path, monkeypatch, change, field, size, limit
):
    import nnstudio.core.project.project_file as project_file

    def never(*args, **kwargs):
        raise AssertionError("the full validation ran before the size check")

    monkeypatch.setattr(project_file, "_validate", never)
    with pytest.raises(ProjectError) as caught:
        load_project(_rewrite(tmp_path, change))
    message = str(caught.value)
    assert f"project.json does not follow the format {field}: it is too long: {size}" in message
    assert f"at most {limit} are allowed" in message


def test_the_classroom_task_keeps_its_own_cap_and_message(tmp_path):
    path = _rewrite(tmp_path, _set("classroom", value={"task": "t" * 20_001}))
    with pytest.raises(ProjectError, match=r"classroom\.task is too large: 20001 characters"):
        load_project(path)


# --- safetensors metadata --------------------------------------------------------------------


def _trained(tmp_path: Path) -> Path:
    """A small trained project (the samples hold no weights)."""
    from nnstudio.core.data.data_settings import default_settings_for
    from nnstudio.core.network.graph import Graph
    from nnstudio.core.project.project_file import Project, save_project

    graph = Graph()
    inp = graph.add_node("Input", {"size": 2})
    out = graph.add_node("Dense", {"units": 1, "activation": {"name": "identity"}}, name="out")
    graph.add_edge(inp.id, out.id)
    project = Project(graph=graph, data=default_settings_for("xor"))
    project.weights = {f"{out.id}.weight": torch.ones(1, 2), f"{out.id}.bias": torch.zeros(1)}
    return save_project(project, tmp_path / "trained.nnsproj")


def _with_metadata(tmp_path: Path, metadata: dict | None, pad_header: int = 0) -> Path:
    """A trained project with its weights' safetensors header given ``metadata``."""
    members = _members(_trained(tmp_path))
    data = members["weights.safetensors"]
    length = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + length])
    if metadata is not None:
        header["__metadata__"] = metadata
    raw = json.dumps(header).encode()
    raw += b" " * pad_header
    members["weights.safetensors"] = struct.pack("<Q", len(raw)) + raw + data[8 + length :]
    path = tmp_path / "meta.nnsproj"
    path.write_bytes(archive.zip_bytes(members))
    return path


#: (metadata, words the message holds)
BAD_METADATA = [
    pytest.param(
        {"notes": "x" * 50 * 1024 * 1024},
        "weights.safetensors: its header (tensor names, shapes and metadata) is too large: "
        "52,428,9",
        id="a 50 MB string",
    ),
    pytest.param(
        {"notes": "x" * 5000},
        "weights.safetensors: metadata entry 'notes' is too large: 5,000 characters, at most "
        "1,000 are allowed",
        id="one long entry",
    ),
    pytest.param(
        {"k" * 2000: "v"},
        "metadata entry 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk… is too large: 2,000 characters",
        id="one long key",
    ),
    pytest.param(
        {f"k{i}": "v" for i in range(65)},
        "weights.safetensors: its metadata is too large: 65 entries, at most 64 are allowed",
        id="too many entries",
    ),
]


@pytest.mark.parametrize(("metadata", "words"), BAD_METADATA)
def test_safetensors_metadata_over_its_cap_is_refused_naming_it(
    tmp_path, monkeypatch, metadata, words
):
    path = _with_metadata(tmp_path, metadata)
    decoded = []
    monkeypatch.setattr(tensors, "decode_tensors", lambda *a: decoded.append(a) or {})
    with pytest.raises(ProjectError) as caught:
        load_project(path)
    assert words in str(caught.value)
    assert not decoded, "the numbers were read before the header was judged"


def test_short_metadata_from_another_tool_is_accepted(tmp_path):
    project = load_project(_with_metadata(tmp_path, {"format": "pt", "made_by": "someone"}))
    assert project.weights is not None
