"""Code export: the standalone script reproduces NN Studio; ONNX/TorchScript predict the same.

The script tests run every exported script in its own Python process (started all at once,
they overlap) and compare its final ``RESULT {...}`` line with ``nnstudio train --json`` run
in-process on the same project. Both sides use one CPU thread, which makes the runs repeat
bit for bit; the assertions still allow the tolerances the feature promises.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from nnstudio.cli import main as cli_main
from nnstudio.core.data import DataSettings, DataSource, default_settings_for
from nnstudio.core.errors import ExportError
from nnstudio.core.export import export_project
from nnstudio.core.network.graph import Graph
from nnstudio.core.project import Project, load_project, save_project
from nnstudio.core.training import EarlyStopping, TrainingSettings, train
from nnstudio.core.training.plan import load_data, plan_run, store_result, trained_model
from tests.conftest import REPO

SAMPLES = REPO / "samples"
# The module's first test also runs every exported script to the end (``runs``, which gives
# them up to 600 s): longer than the suite's default limit on a loaded machine.
pytestmark = pytest.mark.timeout(900)
SCRIPT_ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# --- projects ------------------------------------------------------------------------------


def dag_graph() -> Graph:
    """Two inputs, a residual Add, BatchNorm, a Concat, Dropout, a frozen layer, chosen
    initialisers, an Activation layer: every branch of the generated ``forward``."""
    g = Graph()
    full = g.add_node("Input", {}, name="input_1")
    part = g.add_node("Input", {"select": "2:4"}, name="input_2")
    a = g.add_node(
        "Dense",
        {
            "units": 16,
            "activation": "relu",
            "weight_init": {"name": "kaiming_uniform"},
            "bias_init": {"name": "xavier_uniform", "gain": 0.5},
        },
        name="dense_a",
    )
    b = g.add_node(
        "Dense",
        {
            "units": 16,
            "activation": "tanh",
            "weight_init": {"name": "xavier_normal"},
            "bias_init": {
                "name": "kaiming_normal",
                "nonlinearity": "leaky_relu",
                "negative_slope": 0.1,
            },
        },
        name="dense_b",
    )
    add = g.add_node("Add", {}, name="skip")
    norm = g.add_node("BatchNorm1d", {"momentum": 0.2}, name="norm")
    act = g.add_node(
        "Activation", {"activation": {"name": "leaky_relu", "negative_slope": 0.05}}, name="leaky"
    )
    cat = g.add_node("Concat", {}, name="join")
    drop = g.add_node("Dropout", {"p": 0.3}, name="drop")
    frozen = g.add_node("Dense", {"units": 8, "activation": "elu"}, name="frozen", trainable=False)
    out = g.add_node(
        "Dense",
        {"units": "auto", "activation": "identity", "weight_init": {"name": "orthogonal"}},
        name="out",
    )
    for s, t in [
        (full, a),
        (a, b),
        (a, add),
        (b, add),
        (add, norm),
        (norm, act),
        (act, cat),
        (part, cat),
        (cat, drop),
        (drop, frozen),
        (frozen, out),
    ]:
        g.add_edge(s.id, t.id)
    return g


def dag_project() -> Project:
    data = default_settings_for("blobs").replace(
        source=DataSource(
            kind="builtin",
            name="blobs",
            params={
                "n_samples": 240,
                "n_classes": 3,
                "n_features": 4,
                "cluster_std": 3.0,
                "seed": 5,
            },
        ),
        split=(0.7, 0.15, 0.15),
        seed=3,
    )
    training = TrainingSettings(
        loss={"name": "cross_entropy", "label_smoothing": 0.05, "weighting": "balanced"},
        optimizer={"name": "sgd", "lr": 0.05, "momentum": 0.9, "weight_decay": 1e-4},
        schedule={"name": "step", "step_size": 5, "gamma": 0.5},
        l1=1e-4,
        epochs=12,
        batch_size=16,
        seed=7,
        early_stopping=EarlyStopping(True, "val_accuracy", patience=4, restore_best=True),
    )
    return Project(graph=dag_graph(), data=data, training=training, name="DAG test")


def _copy_sample(name: str, root: Path, **training) -> Path:
    project = load_project(SAMPLES / f"{name}.nnsproj")
    if training:
        project.training = project.training.replace(**training)
    return save_project(project, root / f"{name}.nnsproj")


CASES = {
    "iris": lambda root: SAMPLES / "iris.nnsproj",
    "regression": lambda root: SAMPLES / "regression.nnsproj",
    "brand_price": lambda root: SAMPLES / "brand_price.nnsproj",
    "mobile_price": lambda root: _copy_sample("mobile_price", root, epochs=2),
    "dag": lambda root: save_project(dag_project(), root / "dag.nnsproj"),
}


def nnstudio_train_json(path: Path, save: Path) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = cli_main(["train", str(path), "--json", "--quiet", "--save", str(save)])
    assert code == 0
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Export every case, start all scripts at once, train in NN Studio meanwhile."""
    root = tmp_path_factory.mktemp("export_runs")
    paths = {name: make(root) for name, make in CASES.items()}
    procs = {}
    for name, path in paths.items():
        script = export_project(load_project(path), "python", root / f"{name}.py")
        procs[name] = subprocess.Popen(
            [sys.executable, str(script)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=SCRIPT_ENV,
            cwd=root / "..",
        )
    ours = {
        name: nnstudio_train_json(path, root / f"{name}_trained.nnsproj")
        for name, path in paths.items()
    }
    theirs = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"{name}: {err[-2000:]}"
        last = out.strip().splitlines()[-1]
        assert last.startswith("RESULT ")
        theirs[name] = json.loads(last.removeprefix("RESULT "))
    return SimpleNamespace(root=root, paths=paths, ours=ours, theirs=theirs)


# --- the script reaches NN Studio's numbers -------------------------------------------------


@pytest.mark.parametrize("name", list(CASES))
def test_script_reaches_nnstudios_metrics(runs, name):
    nn_side, script = runs.ours[name], runs.theirs[name]
    last = script["last_epoch"]
    assert script["epochs_run"] == nn_side["epochs_run"]
    if nn_side["reason"] == "early_stopped":
        # NN Studio reports the restored best epoch; the script evaluates the same weights.
        assert math.isclose(script["val_loss"], nn_side["val_loss"], rel_tol=1e-4)
        return
    assert math.isclose(last["train_loss"], nn_side["train_loss"], rel_tol=1e-4)
    assert math.isclose(last["val_loss"], nn_side["val_loss"], rel_tol=1e-4)
    if nn_side["task"] == "classification":
        assert abs(last["val_accuracy"] - nn_side["val_accuracy"]) <= 0.03
    else:
        assert abs(last["val_rmse"] - nn_side["val_rmse"]) <= 0.1 * nn_side["val_rmse"]
        assert abs(last["val_r2"] - nn_side["val_r2"]) <= 0.01


@pytest.mark.parametrize("name", ["brand_price", "dag", "iris"])
def test_script_final_model_scores_like_the_saved_model(runs, name):
    """After early stopping restores the best weights, both evaluate the same network."""
    theirs = runs.theirs
    project = load_project(runs.root / f"{name}_trained.nnsproj")
    _, prepared = load_data(project)
    model = trained_model(project)
    for part in ("val", "test"):
        x = getattr(prepared, f"x_{part}")
        y = getattr(prepared, f"y_{part}")
        with torch.no_grad():
            accuracy = float((model(x).argmax(dim=1) == y).double().mean())
        assert abs(theirs[name][f"{part}_accuracy"] - accuracy) <= 0.03


def test_early_stopping_stops_at_the_same_epoch(runs):
    ours, theirs = runs.ours, runs.theirs
    assert ours["brand_price"]["reason"] == "early_stopped"
    assert theirs["brand_price"]["epochs_run"] == ours["brand_price"]["epochs_run"] < 100


# --- the script's parts, imported -----------------------------------------------------------


def load_script(path: Path):
    spec = importlib.util.spec_from_file_location(f"exported_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_same_data(module, project: Project) -> None:
    _, prepared = load_data(project)
    data = module.prepare_data()
    for key in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        ours, theirs = getattr(prepared, key), data[key]
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, key
        assert torch.equal(ours, theirs), key


def test_script_prepares_bit_identical_tensors(runs):
    for name, path in runs.paths.items():
        assert_same_data(load_script(runs.root / f"{name}.py"), load_project(path))


def write_tricky_csvs(folder: Path) -> None:
    rows = [
        "id;city;rooms;area;age;price",
        "1; Paris ;3;52,5;10;300,5",
        "2;Lyon;2;;20;150",
        "3; Paris ;4;80,25;;420",
        "4;Nice;3;61;5;260,75",
        "5;Lyon;2;45,5;30;",
        "6;Nice;5;120;2;610",
        "7;Paris;3;58;12;310",
        "8;Lyon;1;30,5;40;120,25",
        "9;Nice;4;90;8;455",
        "10;Paris;2;40;25;205",
        "11;Lyon;3;66;15;280",
        "12;Nice;2;44,75;18;190",
    ]
    (folder / "houses.csv").write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    lines = []
    for i in range(40):
        label = "2.0" if i % 3 == 0 else "1.0" if i % 3 == 1 else "3.0"
        color = ["red", "green", "blue"][i % 3] if i != 7 else ""
        lines.append(f"{i * 0.37:.3f},{color},{(i * 7) % 11},{label}")
    (folder / "plain.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def tricky_projects(folder: Path) -> dict[str, Project]:
    folder.mkdir()
    write_tricky_csvs(folder)
    training = TrainingSettings(loss="mse", epochs=1)
    houses = Project(
        graph=_chain(),
        data=DataSettings(
            source=DataSource(kind="csv", path=str(folder / "houses.csv")),
            targets=("price",),
            ignored=("id",),
            kinds={"rooms": "categorical"},
            missing="mean",
            scaling="minmax",
            split=(0.5, 0.25, 0.25),
            seed=4,
            task="regression",
        ),
        training=training,
    )
    plain = Project(
        graph=_chain(),
        data=DataSettings(
            source=DataSource(kind="csv", path=str(folder / "plain.csv")),
            missing="drop",
            scaling="standard",
            split=(0.75, 0.25, 0.0),
            seed=9,
            class_order=("3", "1", "2"),
        ),
        training=TrainingSettings(epochs=1),
    )
    spirals = load_project(SAMPLES / "spirals.nnsproj")
    digits = load_project(SAMPLES / "digits.nnsproj")
    frequent = Project(
        graph=_chain(),
        data=houses.data.replace(missing="most_frequent", scaling="standard", kinds={}),
        training=training,
    )
    return {
        "houses": houses,
        "frequent": frequent,
        "plain": plain,
        "spirals": spirals,
        "digits": digits,
    }


def _chain() -> Graph:
    g = Graph()
    x = g.add_node("Input", {})
    h = g.add_node("Dense", {"units": 4, "activation": "relu"})
    o = g.add_node("Dense", {"units": "auto", "activation": "identity"})
    g.add_edge(x.id, h.id)
    g.add_edge(h.id, o.id)
    return g


def test_script_reads_awkward_csvs_exactly_like_nnstudio(tmp_path):
    """Semicolons, decimal commas, a BOM, spaces around categories, missing cells filled
    with the training mean, min-max scaling, an ignored column, a numeric column forced
    categorical, no header, float class labels, dropped rows, a chosen class order."""
    projects = tricky_projects(tmp_path / "data")
    out = tmp_path / "scripts"
    out.mkdir()
    for name, project in projects.items():
        script = export_project(project, "python", out / f"{name}.py")
        assert_same_data(load_script(script), project)
    text = (out / "houses.py").read_text("utf-8")
    assert 'decimal=","' in text and 'encoding="utf-8-sig"' in text and 'sep=";"' in text
    assert ".str.strip()" in text and "np.nanmean" in text
    assert "header=None" in (out / "plain.py").read_text("utf-8")
    assert "as_label" in (out / "plain.py").read_text("utf-8")
    assert (out / "spirals_data.csv").exists()  # generated data is written beside it
    assert "load_digits(as_frame=True)" in (out / "digits.py").read_text("utf-8")
    assert_ruff_clean(*out.glob("*.py"))


def test_script_starts_from_nnstudios_initial_weights(runs):
    root = runs.root
    project = load_project(root / "dag.nnsproj")
    module = load_script(root / "dag.py")
    torch.manual_seed(module.SEED)
    net = module.Net()
    plan = plan_run(project)
    ours = list(plan.model.parameters())
    theirs = list(net.parameters())
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert torch.equal(a, b)
        assert a.requires_grad == b.requires_grad
    assert not net.frozen.weight.requires_grad
    net.eval()
    plan.model.eval()
    x = plan.prepared.x_val
    assert torch.equal(net(x), plan.model(x))


def test_script_text_is_standalone_and_readable(runs):
    root = runs.root
    for name in CASES:
        text = (root / f"{name}.py").read_text("utf-8")
        compile(text, name, "exec")
        assert "nnstudio" not in text.replace("NN Studio", "")
        assert "torch.manual_seed(SEED)" in text and "torch.randperm" in text
        assert "def predict(" in text and 'print("RESULT "' in text
    dag = (root / "dag.py").read_text("utf-8")
    assert "def init_weights(self)" in dag and "nn.init.kaiming_uniform_(" in dag
    assert "self.frozen.requires_grad_(False)" in dag
    assert "torch.cat([" in dag and "nn.BatchNorm1d(16, momentum=0.2)" in dag
    assert "StepLR(" in dag and "L1 = 0.0001" in dag and "PATIENCE = 4" in dag
    assert "label_smoothing=0.05" in dag and "torch.bincount" in dag
    iris = (root / "iris.py").read_text("utf-8")
    assert "self.dense_1 = nn.Linear(4, 16)" in iris and "load_iris" in iris
    brand = (root / "brand_price.py").read_text("utf-8")
    assert 'encoding="gb18030"' in brand and "CATEGORIES" in brand
    assert "Path(__file__).parent" in brand and "weight_decay=0.01" in brand


def ruff_command() -> list[str] | None:
    if shutil.which("ruff"):
        return [shutil.which("ruff")]
    if importlib.util.find_spec("ruff") is not None:
        return [sys.executable, "-m", "ruff"]
    return None


def assert_ruff_clean(*files: Path) -> None:
    """``ruff check`` (default rules) and ``ruff format --check`` find nothing to change."""
    ruff = ruff_command()
    if ruff is None:
        return
    names = [str(f) for f in files]
    check = subprocess.run([*ruff, "check", "--isolated", *names], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    fmt = subprocess.run(
        [*ruff, "format", "--isolated", "--diff", *names], capture_output=True, text=True
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.skipif(ruff_command() is None, reason="ruff is not installed")
def test_scripts_pass_ruff_check_and_format(runs):
    assert_ruff_clean(*(runs.root / f"{name}.py" for name in CASES))


@pytest.mark.skipif(ruff_command() is None, reason="ruff is not installed")
def test_long_data_paths_wrap_as_ruff_formats_them(tmp_path):
    """Where the CSV lies decides the line's length; every length must stay ruff-clean."""
    from nnstudio.core.export.codegen import fit_lines

    lines = []
    for depth in range(0, 40, 3):
        relative = "../" * depth + "samples/mobile_price_synthetic.csv"
        lines.append(f'DATA_FILE_{depth} = Path(__file__).parent / "{relative}"')
    script = tmp_path / "paths.py"
    text = "from pathlib import Path\n\n" + "\n".join(fit_lines(lines)) + "\n"
    script.write_text(text, "utf-8")
    assert_ruff_clean(script)
    assert text.count("    / ") >= 5  # the longest ones were split at the operator


def test_script_notes_trained_weights_and_writes_atomically(tmp_path):
    project = load_project(SAMPLES / "iris.nnsproj")
    project.training = project.training.replace(epochs=1)
    plan = plan_run(project)
    store_result(project, plan, train(plan.job))
    path = export_project(project, "python", tmp_path / "iris.py")
    text = path.read_text("utf-8")
    assert "does not load them" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["iris.py"]  # no temp files left


# --- ONNX and TorchScript -------------------------------------------------------------------


def trained(project: Project, epochs: int) -> Project:
    project.training = project.training.replace(epochs=epochs)
    plan = plan_run(project)
    store_result(project, plan, train(plan.job))
    return project


@pytest.fixture(scope="module")
def trained_projects():
    return {
        "iris": trained(load_project(SAMPLES / "iris.nnsproj"), 5),
        "dag": trained(dag_project(), 3),
        "brand_price": trained(load_project(SAMPLES / "brand_price.nnsproj"), 2),
    }


def reference(project: Project) -> tuple[torch.Tensor, np.ndarray]:
    _, prepared = load_data(project)
    x = prepared.x_val
    with torch.no_grad():
        return x, trained_model(project)(x).numpy()


@pytest.mark.parametrize("name", ["iris", "dag", "brand_price"])
def test_onnx_predicts_like_nnstudio(trained_projects, tmp_path, name):
    ort = pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    project = trained_projects[name]
    path = export_project(project, "onnx", tmp_path / "model.onnx")
    x, expected = reference(project)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["features"]
    assert [o.name for o in session.get_outputs()] == ["output"]
    (got,) = session.run(None, {"features": x.numpy()})
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-5)
    (one,) = session.run(None, {"features": x[:1].numpy()})  # dynamic batch axis
    np.testing.assert_allclose(one, expected[:1], atol=1e-5, rtol=1e-5)
    props = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert json.loads(props["class_names"]) == project.preprocessor.class_names
    assert json.loads(props["feature_names"]) == project.preprocessor.feature_names


@pytest.mark.parametrize("name", ["iris", "dag"])
def test_torchscript_predicts_like_nnstudio(trained_projects, tmp_path, name):
    project = trained_projects[name]
    path = export_project(project, "torchscript", tmp_path / "model.pt")
    x, expected = reference(project)
    extra = {"nnstudio.json": ""}
    loaded = torch.jit.load(str(path), _extra_files=extra)
    with torch.no_grad():
        np.testing.assert_allclose(loaded(x).numpy(), expected, atol=1e-5, rtol=1e-5)
        np.testing.assert_allclose(loaded(x[:1]).numpy(), expected[:1], atol=1e-5, rtol=1e-5)
    meta = json.loads(extra["nnstudio.json"])
    assert json.loads(meta["class_names"]) == project.preprocessor.class_names


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
def test_untrained_project_is_refused_for_model_formats(tmp_path, fmt):
    project = load_project(SAMPLES / "iris.nnsproj")
    with pytest.raises(ExportError, match="train the project first") as info:
        export_project(project, fmt, tmp_path / "model.bin")
    assert "\n" not in str(info.value)
    assert not (tmp_path / "model.bin").exists()


def test_user_mistakes_are_export_errors(tmp_path):
    project = load_project(SAMPLES / "iris.nnsproj")
    with pytest.raises(ExportError, match="unknown export format"):
        export_project(project, "keras", tmp_path / "m.h5")
    with pytest.raises(ExportError, match="is a folder"):
        export_project(project, "python", tmp_path)
    with pytest.raises(ExportError, match="does not exist"):
        export_project(project, "python", tmp_path / "missing" / "m.py")
    broken = Project(
        graph=_chain(),
        data=DataSettings(source=DataSource(kind="csv", path=str(tmp_path / "gone.csv"))),
    )
    with pytest.raises(ExportError, match="does not exist") as info:
        export_project(broken, "python", tmp_path / "m.py")
    assert "\n" not in str(info.value)
    assert not (tmp_path / "m.py").exists()


# --- every loss, optimiser, schedule, batch mode and initialiser, in-process ----------------


def _builtin(name: str, params: dict, **settings) -> DataSettings:
    return default_settings_for(name).replace(
        source=DataSource(kind="builtin", name=name, params=params), **settings
    )


def _dense(units, act, w=None, b=None) -> tuple[str, dict]:
    params = {"units": units, "activation": act}
    if w:
        params["weight_init"] = w
    if b:
        params["bias_init"] = b
    return ("Dense", params)


def _graph(*layers: tuple[str, dict]) -> Graph:
    g = Graph()
    previous = g.add_node("Input", {})
    for kind, params in layers:
        node = g.add_node(kind, params)
        g.add_edge(previous.id, node.id)
        previous = node
    return g


BLOBS = {"n_samples": 90, "n_classes": 3, "cluster_std": 2.5, "seed": 2}
MOONS = {"n_samples": 80, "noise": 0.2, "seed": 1}
LINE = {"n_samples": 60, "noise": 0.5, "seed": 3}

MATRIX = {
    "ce_sgd_multistep_full": (
        _builtin("blobs", BLOBS, scaling="minmax"),
        _graph(
            _dense(
                8,
                {"name": "prelu", "per_unit": True, "init": 0.1},
                {"name": "uniform", "a": -0.3, "b": 0.2},
                {"name": "constant", "value": 0.1},
            ),
            _dense(
                8,
                {"name": "gelu", "approximate": "tanh"},
                {"name": "normal", "std": 0.2},
                {"name": "zeros"},
            ),
            _dense(
                "auto",
                "identity",
                {"name": "xavier_uniform", "gain": 2.0},
                {"name": "orthogonal", "gain": 0.5},
            ),
        ),
        {
            "loss": {"name": "cross_entropy", "weighting": "balanced", "label_smoothing": 0.1},
            "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True},
            "schedule": {"name": "multistep", "milestones": [3, 2], "gamma": 0.5},
            "batch_size": 0,
        },
    ),
    "nll_adagrad_cosine_single": (
        _builtin("blobs", {**BLOBS, "n_samples": 45}),
        _graph(
            _dense(
                6,
                {"name": "softplus", "beta": 2.0},
                {
                    "name": "kaiming_uniform",
                    "mode": "fan_out",
                    "nonlinearity": "leaky_relu",
                    "negative_slope": 0.2,
                },
                {"name": "kaiming_uniform"},
            ),
            ("Activation", {"activation": {"name": "hardtanh", "min_val": -0.5}}),
            _dense("auto", "log_softmax", {"name": "uniform_fan_in"}, {"name": "ones"}),
        ),
        {
            "loss": "nll",
            "optimizer": {"name": "adagrad", "lr": 0.05},
            "schedule": {"name": "cosine"},
            "batch_size": 1,
        },
    ),
    "bce_rmsprop_plateau_ordered": (
        _builtin("moons", MOONS),
        _graph(
            _dense(8, "selu", {"name": "kaiming_normal", "nonlinearity": "selu"}),
            ("Dropout", {"p": 0.2}),
            _dense("auto", "sigmoid"),
        ),
        {
            "loss": "bce",
            "optimizer": {"name": "rmsprop", "lr": 0.01, "centered": True, "momentum": 0.5},
            "schedule": {"name": "plateau", "patience": 0, "factor": 0.5},
            "batch_size": 16,
            "shuffle": False,
        },
    ),
    "bcelogits_adamw_onecycle": (
        _builtin("moons", MOONS),
        _graph(_dense(8, "silu"), ("BatchNorm1d", {"affine": False}), _dense("auto", "identity")),
        {
            "loss": {"name": "bce_with_logits", "pos_weight": 2.0},
            "optimizer": {"name": "adamw", "lr": 0.01},
            "schedule": {"name": "onecycle"},
            "batch_size": 8,
        },
    ),
    "mse_classes_nadam_warmup_l1": (
        _builtin("blobs", BLOBS),
        _graph(_dense(8, "mish"), _dense("auto", "identity")),
        {
            "loss": "mse",
            "optimizer": {"name": "nadam", "lr": 0.01},
            "schedule": {"name": "warmup", "warmup_epochs": 1.5},
            "l1": 0.001,
            "batch_size": 20,
        },
    ),
    "l1_lion_exponential": (
        _builtin("line", LINE),
        _graph(_dense(8, "tanh", {"name": "orthogonal"}), _dense("auto", "identity")),
        {
            "loss": "l1",
            "optimizer": {"name": "lion", "lr": 0.001, "weight_decay": 0.1},
            "schedule": {"name": "exponential", "gamma": 0.9},
            "batch_size": 10,
        },
    ),
    "huber_adam_step_early_r2": (
        _builtin("line", LINE),
        _graph(
            _dense(8, "leaky_relu", {"name": "xavier_normal"}, {"name": "xavier_normal"}),
            _dense("auto", "identity"),
        ),
        {
            "loss": {"name": "huber", "delta": 2.0},
            "optimizer": {"name": "adam", "lr": 0.01, "amsgrad": True},
            "schedule": {"name": "step", "step_size": 2},
            "early_stopping": EarlyStopping(True, "val_r2", patience=1, min_delta=0.5),
        },
    ),
    "smoothl1_sgd_no_val_early": (
        _builtin("line", LINE, split=(1.0, 0.0, 0.0)),
        _graph(_dense(4, "sigmoid"), _dense("auto", "identity")),
        {
            "loss": {"name": "smooth_l1", "beta": 0.5},
            "optimizer": {"name": "sgd", "lr": 0.05},
            "early_stopping": EarlyStopping(
                True, "val_loss", patience=2, min_delta=0.05, restore_best=False
            ),
        },
    ),
    "halfsse_step_perceptron": (
        _builtin("blobs", {"n_samples": 40, "n_classes": 2, "cluster_std": 0.6, "seed": 3}),
        _graph(
            _dense(
                1,
                {"name": "step", "gradient": "straight-through"},
                {"name": "zeros"},
                {"name": "zeros"},
            )
        ),
        {"loss": "half_sse", "optimizer": {"name": "sgd", "lr": 0.1}, "batch_size": 1},
    ),
}


@pytest.mark.parametrize("name", list(MATRIX))
def test_script_training_matches_every_setting(tmp_path, name):
    data, graph, training = MATRIX[name]
    settings = TrainingSettings(**{"epochs": 4, "seed": 11, **training})
    project = Project(graph=graph, data=data, training=settings, name=name)
    script = export_project(project, "python", tmp_path / f"{name}.py")
    module = load_script(script)
    plan = plan_run(project)
    result = train(plan.job)
    prepared = module.prepare_data()
    torch.manual_seed(module.SEED)
    net = module.Net()
    history = module.train(net, prepared)
    ours = result.history
    assert len(history["train_loss"]) == ours.epochs_done
    np.testing.assert_allclose(history["train_loss"], ours.train_loss, rtol=1e-6)
    if "val_loss" in history:
        np.testing.assert_allclose(history["val_loss"], ours.val_loss, rtol=1e-6)
    for key, values in ours.metrics.items():
        if key in history:
            np.testing.assert_allclose(history[key], values, rtol=1e-6, err_msg=key)
    if "lr" in history:
        np.testing.assert_allclose(history["lr"], ours.lr, rtol=1e-9)
    assert ("lr" in history) == (settings.schedule["name"] != "constant")
    assert_ruff_clean(script)
