"""A project opens (the default sample, spirals), its data is prepared and checked, and the
catalogues are read without importing torch; torch arrives when something first builds or
trains a network.

Issue 12: the app must be ready to train within 1.3x a bare import of PySide6 and torch. What
"ready" needs (the catalogues, the project file, the prepared data, the analysis) names torch
lazily (``nnstudio.core.lazy``); these tests check that in fresh processes, and that the lazy
forms give exactly what the eager ones gave.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from nnstudio.core.data.prepare import PreparedData
from nnstudio.core.lazy import LazyModule, imported, is_tensor, lazy_module
from nnstudio.core.project.tensors import json_safe
from tests.conftest import REPO

#: Opens the default sample as the app does at start and reports whether torch came in.
OPEN_SAMPLE = """
import json, sys
from nnstudio.core.catalogue import activations, initializers, layers, losses, optimizers
from nnstudio.core.catalogue import schedules
from nnstudio.core.network.builder import summarize
from nnstudio.core.project import load_project
from nnstudio.core.training.runtime.batching import WatchOptions
from nnstudio.core.training import probes, runs, safety, stats, metrics
from nnstudio.core.workspace import Workspace
workspace = Workspace(load_project(%(sample)r))
analysis = workspace.revalidate()
summary = summarize(workspace.project.graph, workspace.shape_context)
before = "torch" in sys.modules
x = workspace.prepared.x_train
after = "torch" in sys.modules
print(json.dumps({
    "before": before,
    "after": after,
    "rows": workspace.prepared.n_train,
    "errors": len(analysis.errors),
    "params": summary.total_params,
    "tensor": type(x).__name__,
}))
"""


def _run(script: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=240,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_opening_the_default_project_and_preparing_its_data_needs_no_torch_until_a_tensor_is_read():
    result = _run(OPEN_SAMPLE % {"sample": str(REPO / "samples" / "spirals.nnsproj")})

    assert result["before"] is False
    assert result["rows"] > 0
    assert result["errors"] == 0
    assert result["params"] > 0
    # Reading a part is what brings torch in, and it is a tensor then.
    assert result["after"] is True
    assert result["tensor"] == "Tensor"


def test_a_lazy_module_imports_on_first_use_and_then_stands_aside():
    namespace: dict = {}
    namespace["colorsys"] = lazy_module("colorsys", namespace)
    sys.modules.pop("colorsys", None)

    assert isinstance(namespace["colorsys"], LazyModule)
    assert "colorsys" not in sys.modules
    assert namespace["colorsys"].rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    # The real module now stands under the name: later lookups cost nothing.
    assert namespace["colorsys"] is sys.modules["colorsys"]


def test_imported_is_none_for_a_module_still_being_imported(monkeypatch):
    module = type(sys)("half_done")
    module.__spec__ = type("Spec", (), {"_initializing": True})()
    monkeypatch.setitem(sys.modules, "half_done", module)

    assert imported("half_done") is None
    module.__spec__._initializing = False
    assert imported("half_done") is module
    assert imported("never_imported_anywhere") is None


def _prepared(**parts) -> PreparedData:
    return PreparedData(
        **parts,
        feature_names=["a", "b"],
        target_names=["y"],
        class_names=[],
        task="regression",
        n_features=2,
        n_classes=0,
        n_targets=1,
        preprocessor=None,
        index_train=np.arange(3),
        index_val=np.arange(1),
        index_test=np.arange(0),
        raw_ranges={},
    )


def test_prepared_parts_given_as_arrays_are_read_as_tensors_sharing_their_memory():
    x = np.arange(6, dtype="float32").reshape(3, 2)
    parts = {
        "x_train": x,
        "y_train": np.ones((3, 1), dtype="float32"),
        "x_val": np.zeros((1, 2), dtype="float32"),
        "y_val": np.zeros((1, 1), dtype="float32"),
        "x_test": np.zeros((0, 2), dtype="float32"),
        "y_test": np.zeros((0, 1), dtype="float32"),
    }
    prepared = _prepared(**parts)

    assert (prepared.n_train, prepared.n_val, prepared.n_test) == (3, 1, 0)
    assert prepared.array("x_train") is x  # no tensor made to answer
    tensor = prepared.x_train
    assert isinstance(tensor, torch.Tensor)
    assert np.shares_memory(tensor.numpy(), x)
    assert prepared.x_train is tensor  # made once
    assert np.array_equal(prepared.array("x_train"), x)


def test_prepared_parts_given_as_tensors_stay_those_tensors():
    parts = {name: torch.zeros(2, 1) for name in ("x_train", "y_train", "x_val", "y_val")}
    prepared = _prepared(**parts, x_test=torch.zeros(0, 1), y_test=torch.zeros(0, 1))

    assert prepared.y_val is parts["y_val"]
    assert prepared.n_val == 2
    assert isinstance(prepared.array("x_train"), np.ndarray)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(torch.tensor([1.0, 2.0]), [1.0, 2.0]), (np.float32(0.5), 0.5), ([1, (2, 3)], [1, [2, 3]])],
)
def test_json_safe_still_turns_tensors_into_numbers(value, expected):
    assert json_safe(value) == expected
    assert is_tensor(value) is isinstance(value, torch.Tensor)
