"""Built-in teaching datasets: shapes, targets, determinism, and their default settings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data import (
    DATASETS,
    DataSettings,
    DataSource,
    default_settings_for,
    load_table,
    make_dataset,
    prepare,
)
from nnstudio.core.errors import DataError

GENERATORS = ["xor", "circles", "moons", "spirals", "blobs", "line", "sine"]
BUNDLED = {
    # name: (rows, columns incl. target, target, task, first classes)
    "iris": (150, 5, "species", "classification", ["setosa", "versicolor", "virginica"]),
    "wine": (178, 14, "class", "classification", ["class_0", "class_1", "class_2"]),
    "breast_cancer": (569, 31, "diagnosis", "classification", ["malignant", "benign"]),
    "digits": (1797, 65, "digit", "classification", [str(d) for d in range(10)]),
    "diabetes": (442, 11, "progression", "regression", []),
}


def test_registry_holds_every_dataset():
    assert DATASETS.names() == [*GENERATORS[:1], "xor4", *GENERATORS[1:], *BUNDLED]
    for spec in DATASETS:
        assert spec.label and spec.help
        assert spec.task in ("classification", "regression")


@pytest.mark.parametrize("name", list(BUNDLED))
def test_bundled_dataset_shapes_and_classes(name):
    rows, columns, target, task, classes = BUNDLED[name]
    table = load_table(DataSource(kind="builtin", name=name))
    assert table.encoding == "builtin" and table.path is None and table.has_header
    assert table.frame.shape == (rows, columns)
    assert table.frame.columns[-1] == target
    settings = default_settings_for(name)
    assert settings.targets == (target,) and settings.task == task
    data = prepare(table, settings)
    assert data.task == task
    assert data.class_names == classes
    assert data.n_features == columns - 1
    assert data.n_train + data.n_val == rows


def test_iris_and_digits_details():
    iris = make_dataset("iris")
    assert iris["species"].value_counts().to_dict() == {
        "setosa": 50,
        "versicolor": 50,
        "virginica": 50,
    }
    digits = make_dataset("digits")
    assert digits.shape == (1797, 65)
    assert digits.iloc[:, :-1].to_numpy().max() == 16
    assert sorted(digits["digit"].unique().tolist()) == list(range(10))
    assert make_dataset("breast_cancer")["diagnosis"].value_counts().to_dict() == {
        "benign": 357,
        "malignant": 212,
    }


@pytest.mark.parametrize("name", GENERATORS)
def test_generators_are_deterministic_per_seed(name):
    spec = DATASETS.get(name)
    first = spec.make({"seed": 3})
    pd.testing.assert_frame_equal(first, spec.make({"seed": 3}))
    other = spec.make({"seed": 4})
    assert not np.allclose(first.iloc[:, 0].to_numpy(), other.iloc[:, 0].to_numpy())
    assert len(first) == spec.defaults()["n_samples"]
    assert first.columns[-1] == spec.target
    data = prepare(first, default_settings_for(name))
    assert data.task == spec.task


@pytest.mark.parametrize("name", GENERATORS)
def test_generators_through_load_table(name):
    params = {"n_samples": 40, "seed": 9}
    table = load_table(DataSource(kind="builtin", name=name, params=params))
    assert len(table.frame) == 40
    pd.testing.assert_frame_equal(table.frame, make_dataset(name, params))


def test_generator_shapes_and_labels():
    xor = make_dataset("xor", {"n_samples": 200})
    assert list(xor.columns) == ["x1", "x2", "label"]
    assert xor[["x1", "x2"]].abs().to_numpy().max() <= 1.0
    assert (xor["label"] == ((xor["x1"] > 0) != (xor["x2"] > 0))).all()
    spirals = make_dataset("spirals", {"n_classes": 5, "n_samples": 500})
    assert spirals["label"].value_counts().to_dict() == {k: 100 for k in range(5)}
    blobs = make_dataset("blobs", {"n_classes": 4, "n_features": 6, "n_samples": 80})
    assert list(blobs.columns) == [f"x{j}" for j in range(1, 7)] + ["label"]
    assert blobs["label"].nunique() == 4
    circles = make_dataset("circles", {"noise": 0.0, "factor": 0.3})
    radius = np.hypot(circles["x1"], circles["x2"])
    assert np.allclose(radius[circles["label"] == 0], 1.0)
    assert np.allclose(radius[circles["label"] == 1], 0.3)
    line = make_dataset("line", {"noise": 0.0, "slope": -2.0, "intercept": 0.5})
    assert np.allclose(line["y"], -2.0 * line["x"] + 0.5)
    sine = make_dataset("sine", {"noise": 0.0, "x_min": 0.0, "x_max": 3.0})
    assert sine["x"].between(0.0, 3.0).all()
    assert np.allclose(sine["y"], np.sin(sine["x"]))


def test_bad_dataset_parameters():
    with pytest.raises(DataError, match="Classes must be ≤ 5"):
        make_dataset("spirals", {"n_classes": 9})
    with pytest.raises(DataError, match="has no parameter 'colour'"):
        make_dataset("moons", {"colour": "red"})
    with pytest.raises(DataError, match=r"x max .* must be larger than x min"):
        make_dataset("sine", {"x_min": 2.0, "x_max": 1.0})
    with pytest.raises(DataError, match="unknown dataset 'unicorns'"):
        load_table(DataSource(kind="builtin", name="unicorns"))
    with pytest.raises(DataError, match="unknown dataset"):
        default_settings_for("unicorns")


def test_default_settings_round_trip():
    for name in DATASETS.names():
        settings = default_settings_for(name)
        assert DataSettings.from_dict(settings.to_dict()) == settings
