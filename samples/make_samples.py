"""Build every bundled sample project (``samples/*.nnsproj``) from the lessons' recipes.

Samples are written untrained, so they open ready to press Train. Run
``python samples/make_samples.py`` after changing a recipe or the project format; the tests
check that each sample opens, validates and trains from the command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nnstudio.core.data import DataSettings, DataSource
from nnstudio.core.network.graph import Graph
from nnstudio.core.project import Project, save_project
from nnstudio.core.training import EarlyStopping, TrainingSettings

HERE = Path(__file__).resolve().parent
#: The project `nnstudio` opens when started without a file.
DEFAULT_SAMPLE = "spirals"
X_STEP, Y = 230.0, 0.0


def chain(
    layers: Sequence[tuple[str, dict[str, Any]]], input_params: dict[str, Any] | None = None
) -> Graph:
    """Input followed by ``layers`` in a left-to-right line."""
    graph = Graph()
    previous = graph.add_node("Input", input_params or {}, position=(0.0, Y))
    for i, (layer_type, params) in enumerate(layers, start=1):
        node = graph.add_node(layer_type, params, position=(i * X_STEP, Y))
        graph.add_edge(previous.id, node.id)
        previous = node
    return graph


def dense(
    units: int | str, activation: str | dict[str, Any] = "relu", **extra: Any
) -> tuple[str, dict[str, Any]]:
    return "Dense", {"units": units, "activation": activation, **extra}


def explicit(values: list[list[float]]) -> dict[str, Any]:
    return {"name": "explicit", "values": values}


def hand_weighted(
    units: int, activation: str, weights: list[list[float]], bias: list[list[float]]
) -> tuple[str, dict[str, Any]]:
    """A Dense layer starting from the lesson's typed weights, so results match the page."""
    return dense(units, activation, weight_init=explicit(weights), bias_init=explicit(bias))


def sgd_row_by_row(lr: float, epochs: int) -> TrainingSettings:
    """SGD on ½·Σ squared error, one row at a time in file order: a worked example by hand."""
    return TrainingSettings(
        loss="half_sse",
        optimizer={"name": "sgd", "lr": lr},
        epochs=epochs,
        batch_size=1,
        shuffle=False,
        seed=0,
    )


def csv(path: str, **settings: Any) -> DataSettings:
    return DataSettings(source=DataSource(kind="csv", path=str(HERE / path)), **settings)


def builtin(name: str, params: dict[str, Any] | None = None, **settings: Any) -> DataSettings:
    from nnstudio.core.data import default_settings_for

    base = default_settings_for(name)
    return base.replace(
        source=DataSource(kind="builtin", name=name, params=params or {}), **settings
    )


def samples() -> dict[str, Project]:
    out: dict[str, Project] = {}

    out["mobile_price"] = Project(
        name="Phone price range (tuned recipe)",
        description=(
            "The case study (lesson 003): predict a phone's price band 0–3 from 20 features. "
            "The tuned recipe — standardised inputs, Adam with lr 1e-4, a deeper 20→128→256→"
            "512→128→4 sigmoid network, batch 8, 50 epochs — reaches about 0.96 validation "
            "accuracy on the real data (the lesson reports 0.9625). This sample ships a "
            "synthetic CSV with the same columns; train it on the real file with --data "
            "../shared/data/mobile_price_train.csv. Try the untuned recipe (raw inputs, SGD "
            "lr 1e-3, 20→128→256→4) to see the lesson's 0.55."
        ),
        graph=chain(
            [
                dense(128, "sigmoid"),
                dense(256, "sigmoid"),
                dense(512, "sigmoid"),
                dense(128, "sigmoid"),
                dense("auto", "identity"),
            ]
        ),
        data=csv(
            "mobile_price_synthetic.csv",
            targets=("price_range",),
            scaling="standard",
            split=(0.8, 0.2, 0.0),
            seed=88,
        ),
        training=TrainingSettings(
            loss="cross_entropy",
            optimizer={"name": "adam", "lr": 1e-4},
            epochs=50,
            batch_size=8,
            seed=0,
        ),
    )

    out["backprop_lesson"] = Project(
        name="Backpropagation, step by step",
        description=(
            "The worked example of the backpropagation lesson: inputs [0.05, 0.10], targets "
            "[0.01, 0.99], a 2-2-2 sigmoid network with typed weights (w1..w4 = 0.15, 0.20, "
            "0.25, 0.30, bias 0.35; w5..w8 = 0.40, 0.45, 0.50, 0.55, bias 0.60), loss "
            "½·Σ(out − target)², SGD lr 0.5. The first step gives loss 0.298371, "
            "∂E/∂w5 = 0.082167 and w5 = 0.358916 after the update (nnstudio step)."
        ),
        graph=chain(
            [
                hand_weighted(2, "sigmoid", [[0.15, 0.20], [0.25, 0.30]], [[0.35]]),
                hand_weighted(2, "sigmoid", [[0.40, 0.45], [0.50, 0.55]], [[0.60]]),
            ]
        ),
        data=csv(
            "backprop_lesson.csv",
            targets=("o1", "o2"),
            scaling="none",
            split=(1.0, 0.0, 0.0),
            task="regression",
        ),
        training=sgd_row_by_row(lr=0.5, epochs=1000),
    )

    out["xor_step"] = Project(
        name="XOR with step units (lesson 004)",
        description=(
            "A hand-weighted 2-2-1 threshold network computes XOR: W1 = ones, b1 = [−1.5, "
            "−0.5], W2 = [−1, 1], b2 = −0.5 give [0, 1, 1, 0] for (0,0), (1,0), (0,1), (1,1). "
            "The step's gradient is zero everywhere, so training changes nothing — which is "
            "why backpropagation needed sigmoid, tanh and ReLU."
        ),
        graph=chain(
            [
                hand_weighted(2, "step", [[1, 1], [1, 1]], [[-1.5, -0.5]]),
                hand_weighted(1, "step", [[-1, 1]], [[-0.5]]),
            ]
        ),
        data=csv(
            "xor.csv", targets=("y",), scaling="none", split=(1.0, 0.0, 0.0), task="classification"
        ),
        training=sgd_row_by_row(lr=0.1, epochs=5),
    )

    out["perceptron"] = Project(
        name="Perceptron (threshold logic unit)",
        description=(
            "One step unit z = w·x + b on linearly separable data. With the straight-through "
            "gradient, ½·Σ squared error and SGD on single samples, each update is "
            "Rosenblatt's rule w ← w + η(y − ŷ)x, which converges on separable data."
        ),
        graph=chain(
            [
                dense(
                    1,
                    {"name": "step", "gradient": "straight-through"},
                    weight_init={"name": "zeros"},
                    bias_init={"name": "zeros"},
                )
            ]
        ),
        data=builtin(
            "blobs",
            {"n_samples": 200, "n_classes": 2, "cluster_std": 0.6, "seed": 3},
            scaling="standard",
            split=(0.8, 0.2, 0.0),
        ),
        training=TrainingSettings(
            loss="half_sse", optimizer={"name": "sgd", "lr": 0.1}, epochs=20, batch_size=1, seed=0
        ),
    )

    out["spirals"] = Project(
        name="Two spirals",
        description=(
            "Two interleaved spirals: no straight line separates them, so hidden layers must "
            "bend the decision boundary. Press Train and watch the boundary form; try fewer "
            "units, sigmoid instead of ReLU, or a smaller learning rate to see what changes."
        ),
        graph=chain(
            [
                dense(32, "relu", weight_init={"name": "kaiming_normal"}),
                dense(32, "relu", weight_init={"name": "kaiming_normal"}),
                dense("auto", "identity"),
            ]
        ),
        data=builtin(
            "spirals",
            {"n_samples": 600, "n_classes": 2, "noise": 0.1, "seed": 0},
            scaling="standard",
            split=(0.8, 0.2, 0.0),
            seed=0,
        ),
        training=TrainingSettings(
            loss="cross_entropy",
            optimizer={"name": "adam", "lr": 0.005},
            epochs=200,
            batch_size=32,
            seed=0,
        ),
    )

    out["iris"] = Project(
        name="Iris flowers",
        description="Three iris species from four measurements: a first multi-class problem.",
        graph=chain([dense(16, "relu"), dense("auto", "identity")]),
        data=builtin("iris", scaling="standard", split=(0.7, 0.15, 0.15), seed=1),
        training=TrainingSettings(
            loss="cross_entropy",
            optimizer={"name": "adam", "lr": 0.005},
            epochs=100,
            batch_size=16,
            seed=0,
        ),
    )

    out["digits"] = Project(
        name="Handwritten digits (8×8)",
        description=(
            "scikit-learn's bundled 8×8 digits, the offline stand-in for the lessons' MNIST: 64 "
            "pixel features, 10 classes."
        ),
        graph=chain([dense(64, "relu"), dense("auto", "identity")]),
        data=builtin("digits", scaling="standard", split=(0.7, 0.15, 0.15), seed=1),
        training=TrainingSettings(
            loss="cross_entropy",
            optimizer={"name": "adam", "lr": 1e-3},
            epochs=30,
            batch_size=32,
            seed=0,
        ),
    )

    out["regression"] = Project(
        name="Fitting a noisy sine",
        description=(
            "Regression: one input, one output, identity on the output layer and MSE loss. The "
            "tanh hidden layers bend a line into a sine."
        ),
        graph=chain([dense(32, "tanh"), dense(32, "tanh"), dense("auto", "identity")]),
        data=builtin(
            "sine",
            {"n_samples": 400, "noise": 0.1, "seed": 0},
            scaling="standard",
            split=(0.8, 0.2, 0.0),
            seed=0,
        ),
        training=TrainingSettings(
            loss="mse", optimizer={"name": "adam", "lr": 0.005}, epochs=300, batch_size=32, seed=0
        ),
    )

    out["brand_price"] = Project(
        name="价格区间 — brand and price band",
        description=(
            "The lesson's mixed data: a Chinese categorical brand column (品牌) one-hot "
            "encoded, numeric columns standardised, labels 低端/中端/高端. A 64-32-3 ReLU "
            "network with class weights, L2 (weight decay 0.01) and early stopping (patience "
            "5, best weights restored). Predictions come back as 低端/中端/高端. The CSV is "
            "GBK-encoded."
        ),
        graph=chain([dense(64, "relu"), dense(32, "relu"), dense("auto", "identity")]),
        data=csv(
            "brand_price.csv",
            targets=("价格区间",),
            scaling="standard",
            split=(0.7, 0.15, 0.15),
            seed=42,
            class_order=("低端", "中端", "高端"),
        ),
        training=TrainingSettings(
            loss={"name": "cross_entropy", "weighting": "custom", "class_weights": [1.5, 1.0, 0.8]},
            optimizer={"name": "adam", "lr": 1e-3, "weight_decay": 0.01},
            epochs=100,
            batch_size=32,
            seed=0,
            early_stopping=EarlyStopping(True, "val_loss", patience=5, restore_best=True),
        ),
    )
    return out


def write_small_csvs() -> None:
    (HERE / "backprop_lesson.csv").write_text("i1,i2,o1,o2\n0.05,0.10,0.01,0.99\n", "utf-8")
    (HERE / "xor.csv").write_text("x1,x2,y\n0,0,0\n1,0,1\n0,1,1\n1,1,0\n", "utf-8")


def main() -> None:
    write_small_csvs()
    for name, project in samples().items():
        path = save_project(project, HERE / f"{name}.nnsproj")
        print(f"wrote {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
