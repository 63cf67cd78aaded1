"""Build the lesson projects of the Lessons menu (``samples/lessons/*.nnsproj``) and their CSVs.

One project per lesson of ``nnstudio/core/lessons/catalogue.py`` that has no older sample of
its own (backprop, perceptron, XOR and digits reuse ``samples/*.nnsproj``). Each carries the
lesson's numbers from the course (``seed-notes``) and a ``classroom`` section naming its
lesson and task, so it opens with its views wherever it is saved. Projects are written
untrained. Run ``python samples/lessons/make_lessons.py`` after changing a recipe; the tests
check that every lesson's file opens and holds the lesson's settings.
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from make_samples import chain, dense, explicit  # noqa: E402

from nnstudio.core.data import DataSettings, DataSource  # noqa: E402
from nnstudio.core.lessons.catalogue import lesson  # noqa: E402
from nnstudio.core.project import Project, save_project  # noqa: E402
from nnstudio.core.project.classroom import Classroom  # noqa: E402
from nnstudio.core.training import EarlyStopping, TrainingSettings  # noqa: E402

#: The phone-price lessons' data: the synthetic stand-in bundled with the samples. The real
#: 2000-row file is the user's to load (File → Load CSV).
PHONE_CSV = HERE.parent / "mobile_price_synthetic.csv"


def here_csv(name: str, **settings) -> DataSettings:
    return DataSettings(source=DataSource(kind="csv", path=str(HERE / name)), **settings)


def builtin(name: str, params: dict, **settings) -> DataSettings:
    from nnstudio.core.data import default_settings_for

    base = default_settings_for(name)
    return base.replace(source=DataSource(kind="builtin", name=name, params=params), **settings)


def for_lesson(key: str, project: Project) -> Project:
    """Attach the lesson's key and (English) task: the app shows the translated one."""
    item = lesson(key)
    project.classroom = Classroom(lesson=key, task=item.task)
    return project


def moons(n: int = 300) -> DataSettings:
    return builtin(
        "moons",
        {"n_samples": n, "noise": 0.2, "seed": 0},
        scaling="standard",
        split=(0.8, 0.2, 0.0),
    )


def write_csvs() -> None:
    """The small tables some lessons train on (deterministic: fixed seeds)."""
    rng = random.Random(0)
    rows = ["x1,x2,x3,y1,y2"]
    for _ in range(100):
        x = [rng.gauss(0.0, 1.0) for _ in range(3)]
        # Targets are probabilities (a softmax of two linear scores), like the network's output.
        s1 = 0.8 * x[0] - 0.5 * x[1] + 0.3 * x[2]
        s2 = -0.4 * x[0] + 0.6 * x[1] + 0.2 * x[2]
        e1, e2 = math.exp(s1), math.exp(s2)
        y1 = e1 / (e1 + e2)
        rows.append(",".join(f"{v:.4f}" for v in (*x, y1, 1.0 - y1)))
    (HERE / "network_26.csv").write_text("\n".join(rows) + "\n", "utf-8")
    # The L1/MSE worked example: the network passes "prediction" through unchanged.
    (HERE / "losses.csv").write_text("prediction,target\n1,2\n1,2\n1.9,2\n", "utf-8")


def lessons() -> dict[str, Project]:
    out: dict[str, Project] = {}

    out["network_26"] = for_lesson(
        "network",
        Project(
            name="Neuron and fully connected network (26 parameters)",
            description=(
                "The parameter count example: Linear(3,3) with Xavier normal → Sigmoid → "
                "Linear(3,2) with Kaiming normal → ReLU → Linear(2,2) → Softmax. 12 + 8 + 6 = "
                "26 parameters. Trained like the lesson's first example: 100 random samples "
                "(3 features, 2 targets), MSE, SGD lr 0.01, 1000 epochs."
            ),
            graph=chain(
                [
                    dense(3, "sigmoid", weight_init={"name": "xavier_normal"}),
                    dense(2, "relu", weight_init={"name": "kaiming_normal"}),
                    dense(2, "softmax"),
                ]
            ),
            data=here_csv(
                "network_26.csv",
                targets=("y1", "y2"),
                scaling="none",
                split=(1.0, 0.0, 0.0),
                task="regression",
            ),
            training=TrainingSettings(
                loss="mse", optimizer={"name": "sgd", "lr": 0.01}, epochs=1000, batch_size=0
            ),
        ),
    )

    out["activations"] = for_lesson(
        "activations",
        Project(
            name="Activation functions",
            description="Two half-moons with Sigmoid hidden layers: swap in Tanh or ReLU.",
            graph=chain([dense(16, "sigmoid"), dense(16, "sigmoid"), dense("auto", "identity")]),
            data=moons(),
            training=TrainingSettings(
                loss="cross_entropy", optimizer={"name": "adam", "lr": 1e-3}, epochs=200
            ),
        ),
    )

    out["initialization"] = for_lesson(
        "initialization",
        Project(
            name="Weight initialisation",
            description=(
                "The hidden layer starts from the constant 0.1 with zero biases: every neuron "
                "gets the same gradient and stays the same. Kaiming or Xavier breaks the symmetry."
            ),
            graph=chain(
                [
                    dense(
                        8,
                        "tanh",
                        weight_init={"name": "constant", "value": 0.1},
                        bias_init={"name": "zeros"},
                    ),
                    dense("auto", "identity"),
                ]
            ),
            data=moons(),
            training=TrainingSettings(
                loss="cross_entropy", optimizer={"name": "sgd", "lr": 0.1}, epochs=100
            ),
        ),
    )

    out["losses"] = for_lesson(
        "losses",
        Project(
            name="Loss functions",
            description=(
                "Predictions [1, 1, 1.9] against targets [2, 2, 2]: the one neuron starts as "
                "w = 1, b = 0, so its output is the prediction column. L1 = 0.70, MSE = 0.67."
            ),
            graph=chain(
                [
                    dense(
                        1,
                        "identity",
                        weight_init=explicit([[1.0]]),
                        bias_init=explicit([[0.0]]),
                    )
                ]
            ),
            data=here_csv(
                "losses.csv",
                targets=("target",),
                scaling="none",
                split=(1.0, 0.0, 0.0),
                task="regression",
            ),
            training=TrainingSettings(
                loss="l1",
                optimizer={"name": "sgd", "lr": 0.01},
                epochs=1,
                batch_size=0,
                shuffle=False,
            ),
        ),
    )

    out["optimizers"] = for_lesson(
        "optimizers",
        Project(
            name="Optimisers",
            description=(
                "The digits for 5 epochs with SGD (momentum 0.9, lr 0.01): race it against "
                "Adam and RMSprop from the same initial weights."
            ),
            graph=chain([dense(64, "relu"), dense("auto", "identity")]),
            data=builtin("digits", {}, scaling="standard", split=(0.8, 0.2, 0.0), seed=1),
            training=TrainingSettings(
                loss="cross_entropy",
                optimizer={"name": "sgd", "lr": 0.01, "momentum": 0.9},
                epochs=5,
                batch_size=32,
            ),
        ),
    )

    out["ewa"] = for_lesson(
        "ewa",
        Project(
            name="Exponentially weighted average",
            description="SGD with momentum 0.9: an exponentially weighted average of gradients.",
            graph=chain([dense(1, "identity")]),
            data=builtin(
                "line",
                {"n_samples": 100, "noise": 1.0, "seed": 0},
                scaling="none",
                split=(0.8, 0.2, 0.0),
            ),
            training=TrainingSettings(
                loss="mse",
                optimizer={"name": "sgd", "lr": 0.01, "momentum": 0.9},
                epochs=50,
                batch_size=16,
            ),
        ),
    )

    out["schedules"] = for_lesson(
        "schedules",
        Project(
            name="Learning-rate schedules",
            description="SGD lr 0.1, momentum 0.9, 200 epochs, StepLR(step_size 50, gamma 0.5).",
            graph=chain([dense(16, "relu"), dense("auto", "identity")]),
            data=moons(),
            training=TrainingSettings(
                loss="cross_entropy",
                optimizer={"name": "sgd", "lr": 0.1, "momentum": 0.9},
                schedule={"name": "step", "step_size": 50, "gamma": 0.5},
                epochs=200,
                batch_size=32,
            ),
        ),
    )

    out["dropout_bn"] = for_lesson(
        "dropout_bn",
        Project(
            name="Dropout and batch normalisation",
            description=(
                "Dropout p = 0.4 after each hidden layer, BatchNorm1d (eps 1e-5, momentum 0.1) "
                "after the first, L1 penalty λ = 0.001, early stopping (patience 5, best "
                "weights restored)."
            ),
            graph=chain(
                [
                    dense(64, "relu"),
                    ("BatchNorm1d", {"eps": 1e-5, "momentum": 0.1}),
                    ("Dropout", {"p": 0.4}),
                    dense(64, "relu"),
                    ("Dropout", {"p": 0.4}),
                    dense("auto", "identity"),
                ]
            ),
            data=moons(),
            training=TrainingSettings(
                loss="cross_entropy",
                optimizer={"name": "adam", "lr": 1e-3},
                l1=0.001,
                epochs=200,
                batch_size=32,
                early_stopping=EarlyStopping(True, "val_loss", patience=5, restore_best=True),
            ),
        ),
    )

    phone_data = {
        "targets": ("price_range",),
        "split": (0.8, 0.2, 0.0),
        "seed": 88,
        "stratify": True,
    }
    out["phone_untuned"] = for_lesson(
        "phone_untuned",
        Project(
            name="Phone price range (untuned recipe)",
            description=(
                "The case study's first attempt: raw inputs, 20 → 128 → 256 → 4 Sigmoid, "
                "CrossEntropyLoss, SGD lr 1e-3, batch 8, 50 epochs (the lesson: 0.5475)."
            ),
            graph=chain([dense(128, "sigmoid"), dense(256, "sigmoid"), dense("auto", "identity")]),
            data=DataSettings(
                source=DataSource(kind="csv", path=str(PHONE_CSV)), scaling="none", **phone_data
            ),
            training=TrainingSettings(
                loss="cross_entropy",
                optimizer={"name": "sgd", "lr": 1e-3},
                epochs=50,
                batch_size=8,
                seed=0,
            ),
        ),
    )
    out["phone_tuned"] = for_lesson(
        "phone_tuned",
        Project(
            name="Phone price range (tuned recipe)",
            description=(
                "Standardised inputs, Adam lr 1e-4, 20 → 128 → 256 → 512 → 128 → 4 Sigmoid, "
                "batch 8, 50 epochs (the lesson: 0.9625)."
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
            data=DataSettings(
                source=DataSource(kind="csv", path=str(PHONE_CSV)),
                scaling="standard",
                **phone_data,
            ),
            training=TrainingSettings(
                loss="cross_entropy",
                optimizer={"name": "adam", "lr": 1e-4},
                epochs=50,
                batch_size=8,
                seed=0,
            ),
        ),
    )

    out["linear_regression"] = for_lesson(
        "linear_regression",
        Project(
            name="Linear regression with one neuron",
            description="y = 2x + 1 plus noise; one neuron, w ~ randn, b = 0, MSE, SGD lr 0.01.",
            graph=chain(
                [
                    dense(
                        1,
                        "identity",
                        weight_init={"name": "normal", "mean": 0.0, "std": 1.0},
                        bias_init={"name": "zeros"},
                    )
                ]
            ),
            data=builtin(
                "line",
                {"n_samples": 100, "noise": 1.0, "seed": 0, "slope": 2.0, "intercept": 1.0},
                scaling="none",
                split=(0.8, 0.2, 0.0),
            ),
            training=TrainingSettings(
                loss="mse", optimizer={"name": "sgd", "lr": 0.01}, epochs=100, batch_size=0
            ),
        ),
    )
    return out


def main() -> None:
    write_csvs()
    for name, project in lessons().items():
        path = save_project(project, HERE / f"{name}.nnsproj")
        print(f"wrote {path.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
