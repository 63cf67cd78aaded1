"""Prediction with a trained project: class names, probabilities, and refusals that help."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from nnstudio.core.data import DataSettings, DataSource, read_csv
from nnstudio.core.errors import DataError, TrainingError
from nnstudio.core.network.graph import Graph
from nnstudio.core.project import Project, load_project
from nnstudio.core.training import ReportPolicy, TrainingSettings, train
from nnstudio.core.training.metrics import class_predictions, predict_raw
from nnstudio.core.training.plan import load_data, plan_run, store_result, trained_model
from nnstudio.core.training.predict import predict_csv, predict_frame, prediction_columns

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
BRAND_CSV = SAMPLES / "brand_price.csv"
CLASSES = ["低端", "中端", "高端"]
PROBS = [f"p({c})" for c in CLASSES]


def trained(project: Project, epochs: int) -> Project:
    project.training = project.training.replace(epochs=epochs)
    plan = plan_run(project)
    store_result(project, plan, train(plan.job, policy=ReportPolicy(batches=False)))
    return project


@pytest.fixture(scope="module")
def brand() -> Project:
    return trained(load_project(SAMPLES / "brand_price.nnsproj"), epochs=3)


def test_predicts_class_names_and_probabilities(brand: Project) -> None:
    result = predict_csv(brand, BRAND_CSV)
    source = read_csv(BRAND_CSV).frame
    assert len(result) == len(source) == 600
    # Every input column is kept (the target too), then the prediction columns.
    assert list(result.columns) == [*source.columns, "predicted", *PROBS]
    assert prediction_columns(brand) == ["predicted", *PROBS]
    pd.testing.assert_frame_equal(result[list(source.columns)], source)
    assert set(result["predicted"]) <= set(CLASSES)
    probs = result[PROBS].to_numpy()
    assert np.all((probs >= 0) & (probs <= 1))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    # The predicted class is the most probable one.
    assert list(result["predicted"]) == [CLASSES[i] for i in probs.argmax(axis=1)]


def test_accuracy_on_the_csv_matches_the_model(brand: Project) -> None:
    result = predict_csv(brand, BRAND_CSV)
    _, prepared = load_data(brand)
    x = torch.cat([prepared.x_train, prepared.x_val, prepared.x_test])
    y = torch.cat([prepared.y_train, prepared.y_val, prepared.y_test])
    rows = np.concatenate([prepared.index_train, prepared.index_val, prepared.index_test])
    ids = class_predictions(predict_raw(trained_model(brand), x), "logits")
    model_accuracy = float((ids == y).double().mean())
    csv_accuracy = float((result["predicted"] == result["价格区间"]).mean())
    assert csv_accuracy == pytest.approx(model_accuracy, abs=1e-12)
    assert list(result["predicted"].iloc[rows]) == prepared.preprocessor.decode_classes(ids)
    assert csv_accuracy > 0.5  # three epochs already beat guessing (1/3)


def test_the_input_frame_is_not_changed(brand: Project) -> None:
    frame = read_csv(BRAND_CSV).frame.head(5)
    copy = frame.copy()
    result = predict_frame(brand, frame)
    pd.testing.assert_frame_equal(frame, copy)
    assert "predicted" in result.columns and "predicted" not in frame.columns
    # Predicting an already predicted table replaces the old columns instead of doubling them.
    again = predict_frame(brand, result)
    assert list(again.columns) == list(result.columns)
    pd.testing.assert_frame_equal(again, result)


def test_a_csv_without_a_trained_column_is_refused(brand: Project, tmp_path: Path) -> None:
    frame = read_csv(BRAND_CSV).frame.drop(columns=["内存"])
    path = tmp_path / "no_memory.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    with pytest.raises(DataError) as info:
        predict_csv(brand, path)
    assert "lacks 内存" in str(info.value)
    assert info.value.where == "内存"


def test_an_untrained_project_is_refused() -> None:
    project = load_project(SAMPLES / "brand_price.nnsproj")
    with pytest.raises(TrainingError, match="train the project first"):
        predict_csv(project, BRAND_CSV)


def test_regression_gives_predicted_target_columns(tmp_path: Path) -> None:
    project = trained(load_project(SAMPLES / "regression.nnsproj"), epochs=2)
    table, prepared = load_data(project)
    path = tmp_path / "sine.csv"
    table.frame.to_csv(path, index=False)
    result = predict_csv(project, path)
    assert list(result.columns) == ["x", "y", "predicted_y"]
    assert prediction_columns(project) == ["predicted_y"]
    # The values are the network's outputs for the same (standardised) rows.
    out = predict_raw(trained_model(project), prepared.x_train).reshape(-1).double().numpy()
    np.testing.assert_allclose(
        result["predicted_y"].to_numpy()[prepared.index_train], out, rtol=1e-6
    )


def test_single_unit_bce_with_logits_uses_the_sigmoid(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 2))
    label = np.where(x[:, 0] + x[:, 1] > 0, "yes", "no")
    path = tmp_path / "binary.csv"
    pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "label": label}).to_csv(path, index=False)
    graph = Graph()
    source = graph.add_node("Input", {})
    out = graph.add_node("Dense", {"units": 1, "activation": "identity"})
    graph.add_edge(source.id, out.id)
    project = Project(
        graph=graph,
        data=DataSettings(
            source=DataSource(kind="csv", path=str(path)), targets=("label",), split=(0.8, 0.2, 0.0)
        ),
        training=TrainingSettings(
            loss="bce_with_logits", optimizer={"name": "adam", "lr": 0.05}, batch_size=16
        ),
    )
    trained(project, epochs=20)
    result = predict_csv(project, path)
    assert list(result.columns)[-3:] == ["predicted", "p(no)", "p(yes)"]
    logits = predict_raw(
        trained_model(project), torch.from_numpy(project.preprocessor.transform(result))
    ).reshape(-1)
    np.testing.assert_allclose(result["p(yes)"], torch.sigmoid(logits).double().numpy(), rtol=1e-6)
    np.testing.assert_allclose(result["p(no)"] + result["p(yes)"], 1.0, atol=1e-6)
    assert list(result["predicted"]) == list(np.where(logits.numpy() > 0, "yes", "no"))
    assert (result["predicted"] == result["label"]).mean() > 0.8
