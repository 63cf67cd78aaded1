"""The loader against hostile input: it raises ProjectError and nothing else, and runs nothing.

Property tests feed it arbitrary bytes, damaged archives and mutated documents (taken from
real projects and changed: keys deleted, types changed, random values, huge numbers, deep
nesting, unusual text). A second group opens every sample and every hostile file with
pickle, ``torch.load``, ``eval``, ``exec``, ``os.system`` and new imports booby-trapped.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import copy
import json
import os
import pickle
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.errors import ProjectError
from nnstudio.core.project import load_project
from tests.core.test_project_support import (
    SAMPLE_FILES,
    members_of,
    trained_path,
    write_zip,
)
from tests.fuzzing import examples

FUZZ = settings(
    max_examples=examples(150),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_FOLDER = Path(tempfile.mkdtemp(prefix="nnstudio-fuzz-"))
atexit.register(shutil.rmtree, _FOLDER, True)
TRAINED = trained_path()
TRAINED_MEMBERS = members_of(TRAINED)
BASE_DOCS = [json.loads(members_of(path)["project.json"]) for path in SAMPLE_FILES[:4]]
TRAINED_DOC = json.loads(TRAINED_MEMBERS["project.json"])
HISTORY = json.loads(TRAINED_MEMBERS["history.json"])


def load_only_project_errors(path: Path) -> None:
    """The property: loading succeeds or raises ProjectError (a message for the user)."""
    try:
        load_project(path)
    except ProjectError as exc:
        assert str(exc).startswith(str(path)), exc
        assert exc.message, "an error must say what is wrong"


def _write(data: bytes, name: str = "fuzz.nnsproj") -> Path:
    fd, tmp = tempfile.mkstemp(suffix="-" + name, dir=_FOLDER)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return Path(tmp)


# --- arbitrary bytes --------------------------------------------------------------------------

PREFIXES = [b"", b"PK\x03\x04", b"PK\x05\x06", b"{", b'{"format": "nnstudio-project"', b"\x89PNG"]


@FUZZ
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=3000))
def test_arbitrary_bytes(prefix: bytes, body: bytes) -> None:
    load_only_project_errors(_write(prefix + body))


@FUZZ
@given(
    edits=st.lists(st.tuples(st.integers(0, len(TRAINED.read_bytes()) - 1), st.integers(0, 255))),
    cut=st.one_of(st.none(), st.integers(0, len(TRAINED.read_bytes()))),
)
def test_damaged_archives(edits: list[tuple[int, int]], cut: int | None) -> None:
    data = bytearray(TRAINED.read_bytes())
    for position, value in edits:
        data[position] = value
    load_only_project_errors(_write(bytes(data[:cut] if cut is not None else data)))


# --- mutated documents ------------------------------------------------------------------------

_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**39), max_value=10**39),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, 1e308, -1e308, 2**63, 10**30, 5e-324, "auto", "", "NaN", "Input"]),
    st.text(max_size=20),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=5).map(lambda s: s * 50),
)
json_values = st.recursive(
    _leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=10), children, max_size=4),
    ),
    max_leaves=12,
)


def _deep(depth: int) -> Any:
    value: Any = 0
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        doc = doc[key]
    return doc


@st.composite
def mutations(draw: st.DrawFn, base: Any) -> Any:
    """``base`` with one to three random changes at real places in its tree."""
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        op = draw(
            st.sampled_from(["delete", "replace", "insert", "wrap", "huge", "deep", "retype"])
        )
        if not path:
            if op in ("replace", "retype"):
                return draw(json_values)
            continue
        parent, key = _parent(doc, path), path[-1]
        if op == "delete":
            if isinstance(parent, dict):
                del parent[key]
            else:
                parent.pop(key)
        elif op == "replace":
            parent[key] = draw(json_values)
        elif op == "insert":
            target = parent[key]
            if isinstance(target, dict):
                target[draw(st.text(max_size=12))] = draw(json_values)
            elif isinstance(target, list):
                target.insert(draw(st.integers(0, len(target))), draw(json_values))
        elif op == "wrap":
            parent[key] = [parent[key]]
        elif op == "huge":
            parent[key] = draw(st.sampled_from([10**38, -(10**38), 1e300, 2**64, "x" * 100_000]))
        elif op == "deep":
            parent[key] = _deep(draw(st.sampled_from([10, 63, 70, 400])))
        elif op == "retype":
            value = parent[key]
            parent[key] = (
                str(value)
                if not isinstance(value, str)
                else draw(st.sampled_from([1, 1.5, True, None, [], {}]))
            )
    return doc


def _dumps(doc: Any, *, nan: bool = False, ascii_only: bool = False) -> bytes:
    """JSON text of ``doc``; ``nan`` slips in a NaN literal, which strict JSON forbids."""
    text = json.dumps(doc, ensure_ascii=ascii_only)
    if nan:
        text = text.replace("0.1", "NaN", 1).replace("true", "Infinity", 1)
    return text.encode("utf-8")


@FUZZ
@given(doc=st.sampled_from(BASE_DOCS).flatmap(mutations), nan=st.booleans(), ascii=st.booleans())
def test_mutated_bare_documents(doc: Any, nan: bool, ascii: bool) -> None:
    load_only_project_errors(_write(_dumps(doc, nan=nan, ascii_only=ascii), "fuzz.json"))


@FUZZ
@given(doc=mutations(TRAINED_DOC), nan=st.booleans())
def test_mutated_trained_documents(doc: Any, nan: bool) -> None:
    members = {**TRAINED_MEMBERS, "project.json": _dumps(doc, nan=nan)}
    load_only_project_errors(write_zip(_write(b""), members))


@FUZZ
@given(history=mutations(HISTORY), nan=st.booleans())
def test_mutated_histories(history: Any, nan: bool) -> None:
    members = {**TRAINED_MEMBERS, "history.json": _dumps(history, nan=nan)}
    load_only_project_errors(write_zip(_write(b""), members))


# --- nothing from the file is ever executed ---------------------------------------------------

MARKER = _FOLDER / "pwned"
#: A classic pickle payload: unpickling it would run ``os.system("touch <marker>")``.
EVIL_PICKLE = b"cos\nsystem\n(S'touch " + str(MARKER).encode() + b"'\ntR."


def _hostile_files(folder: Path) -> list[Path]:
    members = dict(TRAINED_MEMBERS)
    files = {
        "evil.pkl": EVIL_PICKLE,
        "png.nnsproj": b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
        "empty.nnsproj": b"",
        "noise.nnsproj": bytes(range(256)) * 4,
        "code.json": json.dumps(
            {
                "format": "nnstudio-project",
                "format_version": 2,
                "graph": {
                    "nodes": [{"id": "a", "type": "__import__('os').system('x')", "params": {}}],
                    "edges": [],
                },
                "data": {},
                "training": {"loss": {"name": "eval('1')"}},
            }
        ).encode(),
    }
    paths = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    for name in ("project.json", "weights.safetensors", "optimizer.safetensors", "history.json"):
        paths.append(write_zip(folder / f"pickled-{name}.nnsproj", {**members, name: EVIL_PICKLE}))
    paths.append(write_zip(folder / "extra.nnsproj", {**members, "data.pkl": EVIL_PICKLE}))
    paths.append(write_zip(folder / "slip.nnsproj", {**members, "../evil.pkl": EVIL_PICKLE}))
    paths.append(write_zip(folder / "nopj.nnsproj", {"archive/data.pkl": EVIL_PICKLE}))
    torch.save({"w": torch.zeros(1)}, folder / "torch.pt")
    paths.append(folder / "torch.pt")
    return paths


def _trap(name: str) -> Callable[..., Any]:
    def trapped(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"{name} was called while loading a project")

    return trapped


def test_nothing_is_executed_while_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = [*SAMPLE_FILES, TRAINED, *_hostile_files(tmp_path)]
    for path in files:  # once unguarded, so lazy imports of NN Studio's own code are done
        with contextlib.suppress(ProjectError):
            load_project(path)
    real_import = builtins.__import__

    def no_new_imports(name: str, *args: Any, **kwargs: Any) -> Any:
        level = args[3] if len(args) > 3 else kwargs.get("level", 0)
        if level == 0 and name not in sys.modules:
            raise AssertionError(f"loading a project imported {name}")
        return real_import(name, *args, **kwargs)

    for module, attr in [
        (pickle, "loads"),
        (pickle, "load"),
        (pickle, "Unpickler"),
        (torch, "load"),
        (builtins, "eval"),
        (builtins, "exec"),
        (builtins, "compile"),
        (os, "system"),
    ]:
        monkeypatch.setattr(module, attr, _trap(f"{module.__name__}.{attr}"))
    monkeypatch.setattr(builtins, "__import__", no_new_imports)
    loaded = refused = 0
    for path in files:
        try:
            load_project(path)
            loaded += 1
        except ProjectError:
            refused += 1
    monkeypatch.undo()
    assert loaded == len(SAMPLE_FILES) + 2  # the samples, the trained file, extra.nnsproj
    assert refused == len(files) - loaded
    assert not MARKER.exists()
