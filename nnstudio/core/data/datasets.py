"""Built-in teaching datasets: small 2-D generators, the lessons' own tables, scikit-learn's.

Every dataset is a :class:`DatasetSpec` in :data:`DATASETS`; ``spec.make(params)`` returns a
DataFrame whose LAST column is the target, so the default data settings (target = last column)
just work. Generators use only numpy with ``numpy.random.default_rng(seed)``: the same
parameters always give the same table, on every machine. Fixed tables (the lessons' XOR truth
table) are written out here. The bundled tables ship inside scikit-learn (no download), which
is imported only when one of them is made.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from nnstudio.core.catalogue.params import (
    ComponentSpec,
    ParamError,
    ParamSpec,
    Registry,
    check_params,
)
from nnstudio.core.data.seeds import MAX_SEED
from nnstudio.core.errors import DataError
from nnstudio.i18n import N_, _


@dataclass(frozen=True)
class DatasetSpec(ComponentSpec):
    """A built-in dataset: its parameters and how to make its table."""

    generate: Callable[[Mapping[str, Any]], pd.DataFrame] = lambda p: pd.DataFrame()
    #: "classification" or "regression": what the dataset teaches.
    task: str = "classification"
    #: Name of the target column (always the last one).
    target: str = "label"
    #: "generator" (made from numbers and a seed), "fixed" (a small table written out here,
    #: such as a lesson's truth table) or "bundled" (a real table).
    origin: str = "generator"
    #: Class names in id order when they are not simply sorted.
    class_order: tuple[str, ...] = ()
    #: Train / validation / test fractions the dataset starts with: a four-row truth table
    #: has nothing to hold out.
    split: tuple[float, float, float] = (0.8, 0.2, 0.0)
    #: Input scaling it starts with: a lesson's hand-set weights expect its raw 0 and 1.
    scaling: str = "standard"

    def make(self, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """The table for ``params`` (missing ones take defaults; bad ones raise DataError)."""
        try:
            values = check_params(self, params or {})
        except ParamError as exc:
            raise DataError(
                _("dataset {name}: {problem}").format(name=_(self.label), problem=exc),
                where=self.name,
            ) from None
        frame = self.generate(values)
        return frame.reset_index(drop=True)


def _n_samples(default: int = 300) -> ParamSpec:
    return ParamSpec(
        "n_samples",
        "int",
        default,
        N_("How many points (rows) to make."),
        label=N_("Samples"),
        minimum=4,
        maximum=1_000_000,
    )


def _noise(default: float) -> ParamSpec:
    return ParamSpec(
        "noise",
        "float",
        default,
        N_(
            "Standard deviation of the random jitter added to every point: more "
            "noise makes the classes overlap (or the curve fuzzier)."
        ),
        label=N_("Noise"),
        minimum=0.0,
        maximum=10.0,
        decimals=3,
    )


_SEED = ParamSpec(
    "seed",
    "int",
    0,
    N_("Random seed: the same seed always makes the same table."),
    label=N_("Seed"),
    minimum=0,
    maximum=MAX_SEED,
)


def _shuffled(rng: np.random.Generator, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Rows in random order, so a preview or an unshuffled batch sees every class."""
    n = len(next(iter(columns.values())))
    order = rng.permutation(n)
    return pd.DataFrame({name: values[order] for name, values in columns.items()})


def _split_count(n: int, k: int) -> np.ndarray:
    """Class of each of ``n`` points, as even as possible over ``k`` classes."""
    return np.arange(n) % k


def _xor(p: Mapping[str, Any]) -> pd.DataFrame:
    rng = np.random.default_rng(p["seed"])
    x = rng.uniform(-1.0, 1.0, size=(p["n_samples"], 2))
    label = ((x[:, 0] > 0) != (x[:, 1] > 0)).astype("int64")
    x = x + rng.normal(0.0, p["noise"], size=x.shape)
    return pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "label": label})


#: The lessons' XOR truth table, in their order: inputs (x1, x2) and the target y = x1 XOR x2.
XOR_TRUTH_TABLE = ((0, 0, 0), (1, 0, 1), (0, 1, 1), (1, 1, 0))


def _xor4(_params: Mapping[str, Any]) -> pd.DataFrame:
    rows = np.array(XOR_TRUTH_TABLE, dtype="int64")
    return pd.DataFrame({"x1": rows[:, 0], "x2": rows[:, 1], "y": rows[:, 2]})


def _circles(p: Mapping[str, Any]) -> pd.DataFrame:
    rng = np.random.default_rng(p["seed"])
    label = _split_count(p["n_samples"], 2)
    angle = rng.uniform(0.0, 2 * math.pi, size=label.size)
    radius = np.where(label == 0, 1.0, p["factor"])
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    x = x + rng.normal(0.0, p["noise"], size=x.shape)
    return _shuffled(rng, {"x1": x[:, 0], "x2": x[:, 1], "label": label.astype("int64")})


def _moons(p: Mapping[str, Any]) -> pd.DataFrame:
    rng = np.random.default_rng(p["seed"])
    label = _split_count(p["n_samples"], 2)
    t = rng.uniform(0.0, math.pi, size=label.size)
    x1 = np.where(label == 0, np.cos(t), 1.0 - np.cos(t))
    x2 = np.where(label == 0, np.sin(t), 0.5 - np.sin(t))
    x = np.stack([x1, x2], axis=1) + rng.normal(0.0, p["noise"], size=(label.size, 2))
    return _shuffled(rng, {"x1": x[:, 0], "x2": x[:, 1], "label": label.astype("int64")})


def _spirals(p: Mapping[str, Any]) -> pd.DataFrame:
    rng = np.random.default_rng(p["seed"])
    k = p["n_classes"]
    label = _split_count(p["n_samples"], k)
    # sqrt spreads points evenly over the area instead of crowding the centre.
    t = np.sqrt(rng.uniform(0.0, 1.0, size=label.size))
    angle = 2 * math.pi * (p["turns"] * t + label / k)
    x = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1)
    x = x + rng.normal(0.0, p["noise"], size=x.shape)
    return _shuffled(rng, {"x1": x[:, 0], "x2": x[:, 1], "label": label.astype("int64")})


def _blobs(p: Mapping[str, Any]) -> pd.DataFrame:
    rng = np.random.default_rng(p["seed"])
    k, d = p["n_classes"], p["n_features"]
    centers = rng.uniform(-10.0, 10.0, size=(k, d))
    label = _split_count(p["n_samples"], k)
    x = centers[label] + rng.normal(0.0, p["cluster_std"], size=(label.size, d))
    columns = {f"x{j + 1}": x[:, j] for j in range(d)}
    columns["label"] = label.astype("int64")
    return _shuffled(rng, columns)


def _line(p: Mapping[str, Any]) -> pd.DataFrame:
    rng = np.random.default_rng(p["seed"])
    x = rng.uniform(-5.0, 5.0, size=p["n_samples"])
    y = p["slope"] * x + p["intercept"] + rng.normal(0.0, p["noise"], size=x.size)
    return pd.DataFrame({"x": x, "y": y})


def _sine(p: Mapping[str, Any]) -> pd.DataFrame:
    if p["x_max"] <= p["x_min"]:
        raise DataError(
            _("dataset Sine: x max ({x_max:g}) must be larger than x min ({x_min:g})").format(
                x_max=p["x_max"], x_min=p["x_min"]
            ),
            where="sine",
        )
    rng = np.random.default_rng(p["seed"])
    x = rng.uniform(p["x_min"], p["x_max"], size=p["n_samples"])
    y = np.sin(x) + rng.normal(0.0, p["noise"], size=x.size)
    return pd.DataFrame({"x": x, "y": y})


def _bundled(
    loader: str, target: str, *, names: bool = True, **kwargs: Any
) -> Callable[[Mapping[str, Any]], pd.DataFrame]:
    def make(_params: Mapping[str, Any]) -> pd.DataFrame:
        import sklearn.datasets

        bunch = getattr(sklearn.datasets, loader)(as_frame=True, **kwargs)
        frame = bunch.data.copy()
        codes = bunch.target.to_numpy()
        if names:
            frame[target] = np.asarray(bunch.target_names, dtype=object)[codes]
        else:
            frame[target] = codes
        return frame

    return make


DATASETS: Registry[DatasetSpec] = Registry("dataset")
_add = DATASETS.add

_add(
    DatasetSpec(
        "xor",
        N_("XOR"),
        N_(
            "Points in the square [-1, 1]²; label 1 where x1 and x2 have opposite signs. No "
            "straight line separates the classes: the problem that stopped the perceptron."
        ),
        params=(_n_samples(), _noise(0.0), _SEED),
        generate=_xor,
    )
)
_add(
    DatasetSpec(
        "xor4",
        N_("XOR (4 points, the lesson's)"),
        N_(
            "The truth table itself: (0,0) → 0, (1,0) → 1, (0,1) → 1, (1,1) → 0, as in the "
            "perceptron and step-network lessons. All four points train (no validation rows) "
            "and stay unscaled, so hand-set weights such as W1 = ones, b1 = [−1.5, −0.5] work "
            "as taught."
        ),
        generate=_xor4,
        target="y",
        origin="fixed",
        split=(1.0, 0.0, 0.0),
        scaling="none",
    )
)
_add(
    DatasetSpec(
        "circles",
        N_("Circles"),
        N_("A small circle (label 1) inside a large one (label 0): needs a curved boundary."),
        params=(
            _n_samples(),
            _noise(0.05),
            _SEED,
            ParamSpec(
                "factor",
                "float",
                0.5,
                N_("Radius of the inner circle (the outer one is 1)."),
                label=N_("Inner radius"),
                minimum=0.0,
                maximum=1.0,
                exclusive_min=True,
                exclusive_max=True,
            ),
        ),
        generate=_circles,
    )
)
_add(
    DatasetSpec(
        "moons",
        N_("Moons"),
        N_("Two interleaving half circles: a classic small non-linear problem."),
        params=(_n_samples(), _noise(0.1), _SEED),
        generate=_moons,
    )
)
_add(
    DatasetSpec(
        "spirals",
        N_("Spirals"),
        N_(
            "Arms of a spiral winding around the centre, one class per arm: hard for a small "
            "network, a good test of depth and of the activation."
        ),
        params=(
            _n_samples(),
            _noise(0.05),
            _SEED,
            ParamSpec(
                "n_classes",
                "int",
                2,
                N_("How many spiral arms (classes)."),
                label=N_("Classes"),
                minimum=2,
                maximum=5,
            ),
            ParamSpec(
                "turns",
                "float",
                1.0,
                N_("How many times each arm winds around the centre."),
                label=N_("Turns"),
                minimum=0.25,
                maximum=5.0,
            ),
        ),
        generate=_spirals,
    )
)
_add(
    DatasetSpec(
        "blobs",
        N_("Blobs"),
        N_(
            "Round clouds of points around random centres, one class per cloud. Its noise is the "
            "cluster spread."
        ),
        params=(
            _n_samples(),
            _SEED,
            ParamSpec(
                "n_classes",
                "int",
                3,
                N_("How many clouds (classes)."),
                label=N_("Classes"),
                minimum=2,
                maximum=10,
            ),
            ParamSpec(
                "n_features",
                "int",
                2,
                N_("How many input columns (dimensions)."),
                label=N_("Feature count"),
                minimum=1,
                maximum=50,
            ),
            ParamSpec(
                "cluster_std",
                "float",
                1.0,
                N_("Spread (standard deviation) of each cloud; centres lie in [-10, 10]."),
                label=N_("Cluster spread"),
                minimum=0.0,
                maximum=20.0,
            ),
        ),
        generate=_blobs,
    )
)
_add(
    DatasetSpec(
        "line",
        N_("Noisy line"),
        N_("y = slope·x + intercept plus noise, x in [-5, 5]: linear regression with one neuron."),
        params=(
            _n_samples(100),
            _noise(1.0),
            _SEED,
            ParamSpec(
                "slope",
                "float",
                2.0,
                N_("Slope of the true line."),
                label=N_("Slope"),
                minimum=-1000.0,
                maximum=1000.0,
            ),
            ParamSpec(
                "intercept",
                "float",
                1.0,
                N_("Value of the true line at x = 0."),
                label=N_("Intercept"),
                minimum=-1000.0,
                maximum=1000.0,
            ),
        ),
        generate=_line,
        task="regression",
        target="y",
    )
)
_add(
    DatasetSpec(
        "sine",
        N_("Noisy sine"),
        N_("y = sin(x) plus noise: a curve a straight line cannot fit, a small network can."),
        params=(
            _n_samples(200),
            _noise(0.1),
            _SEED,
            ParamSpec(
                "x_min",
                "float",
                -6.2832,
                N_("Smallest x."),
                label=N_("X min"),
                minimum=-1000.0,
                maximum=1000.0,
            ),
            ParamSpec(
                "x_max",
                "float",
                6.2832,
                N_("Largest x."),
                label=N_("X max"),
                minimum=-1000.0,
                maximum=1000.0,
            ),
        ),
        generate=_sine,
        task="regression",
        target="y",
    )
)
_add(
    DatasetSpec(
        "iris",
        N_("Iris flowers"),
        N_("150 flowers, 4 measurements (cm), 3 species: the classic first classification table."),
        generate=_bundled("load_iris", "species"),
        target="species",
        origin="bundled",
        class_order=("setosa", "versicolor", "virginica"),
    )
)
_add(
    DatasetSpec(
        "wine",
        N_("Wine"),
        N_("178 wines, 13 chemical measurements, 3 cultivars (class_0 … class_2)."),
        generate=_bundled("load_wine", "class"),
        target="class",
        origin="bundled",
        class_order=("class_0", "class_1", "class_2"),
    )
)
_add(
    DatasetSpec(
        "breast_cancer",
        N_("Breast cancer (Wisconsin)"),
        N_("569 tumours, 30 measurements, diagnosis malignant or benign."),
        generate=_bundled("load_breast_cancer", "diagnosis"),
        target="diagnosis",
        origin="bundled",
        class_order=("malignant", "benign"),
    )
)
_add(
    DatasetSpec(
        "digits",
        N_("Handwritten digits (8×8)"),
        N_(
            "1797 images of 8×8 pixels (64 inputs, 0–16), digits 0 … 9: the offline stand-in for "
            "MNIST."
        ),
        generate=_bundled("load_digits", "digit", names=False),
        target="digit",
        origin="bundled",
        class_order=tuple(str(d) for d in range(10)),
    )
)
_add(
    DatasetSpec(
        "diabetes",
        N_("Diabetes progression"),
        N_(
            "442 patients, 10 measurements (raw, not pre-scaled), disease progression after one "
            "year: a regression table."
        ),
        generate=_bundled("load_diabetes", "progression", names=False, scaled=False),
        task="regression",
        target="progression",
        origin="bundled",
    )
)


def make_dataset(name: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The table of built-in dataset ``name`` (unknown names raise DataError)."""
    try:
        spec = DATASETS.get(name)
    except ParamError as exc:
        raise DataError(str(exc), where="source.name") from None
    return spec.make(params)
