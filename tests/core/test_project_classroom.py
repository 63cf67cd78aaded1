"""The ``classroom`` section (format version 3): lesson, task, locks, hidden panels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nnstudio.core.errors import ProjectError
from nnstudio.core.project import CURRENT_VERSION, Project, load_project, save_project
from nnstudio.core.project.classroom import (
    LOCKABLE,
    MAX_TASK_CHARS,
    Classroom,
    refused,
    training_locks,
)
from nnstudio.core.project.migrations import migrate, migrate_v2_to_v3
from nnstudio.core.training import TrainingSettings
from tests.core.test_project_support import FIXTURES, SAMPLES, members_of, project_doc, with_doc

TEACHER = Classroom(
    lesson="backprop",
    task="Find ∂E/∂w5 = 0.082167 — 找到梯度",
    locked=("training.optimizer", "graph"),
    hidden=("neurons", "history"),
)


def test_the_current_format_version_is_four() -> None:
    assert CURRENT_VERSION == 4


def test_a_version_2_document_migrates_unchanged_but_for_its_version() -> None:
    doc = project_doc(FIXTURES / "project_v2.nnsproj")
    assert doc["format_version"] == 2
    migrated = migrate_v2_to_v3(doc)
    assert doc["format_version"] == 2  # the argument is left alone
    assert migrated == {**doc, "format_version": 3}
    assert "classroom" not in migrated
    assert migrate(doc) == {**migrated, "format_version": CURRENT_VERSION}


def test_old_files_open_with_an_empty_classroom_and_keep_their_settings() -> None:
    v2 = load_project(FIXTURES / "project_v2.nnsproj")
    v1 = load_project(FIXTURES / "project_v1.json")
    assert v2.classroom == Classroom() == v1.classroom
    assert v2.weights is not None and v2.training == v1.training
    assert any("format version 2" in notice for notice in v2.notices)


def test_an_ordinary_project_is_saved_without_a_classroom_section(tmp_path: Path) -> None:
    project = load_project(SAMPLES / "iris.nnsproj")
    path = save_project(project, tmp_path / "iris.nnsproj")
    doc = json.loads(members_of(path)["project.json"])
    assert doc["format_version"] == CURRENT_VERSION and "classroom" not in doc


def test_the_classroom_round_trips_through_a_saved_file(tmp_path: Path) -> None:
    project = load_project(SAMPLES / "iris.nnsproj")
    project.classroom = TEACHER
    path = save_project(project, tmp_path / "lesson.nnsproj")
    doc = json.loads(members_of(path)["project.json"])
    assert doc["classroom"] == {
        "lesson": "backprop",
        "task": TEACHER.task,
        "locked": ["training.optimizer", "graph"],
        "hidden": ["neurons", "history"],
    }
    again = load_project(path)
    assert again.classroom == TEACHER
    assert not again.notices


def test_a_version_2_file_saved_again_is_the_current_version_and_opens(tmp_path: Path) -> None:
    project = load_project(FIXTURES / "project_v2.nnsproj")
    project.classroom = Classroom(task="train it")
    path = save_project(project, tmp_path / "upgraded.nnsproj")
    assert json.loads(members_of(path)["project.json"])["format_version"] == CURRENT_VERSION
    again = load_project(path)
    assert again.classroom.task == "train it" and again.weights is not None


def test_a_newer_version_than_the_current_one_is_refused(tmp_path: Path) -> None:
    doc = project_doc(SAMPLES / "iris.nnsproj")
    doc["format_version"] = CURRENT_VERSION + 1
    path = with_doc(SAMPLES / "iris.nnsproj", tmp_path / "new.nnsproj", doc)
    with pytest.raises(ProjectError, match="newer NN Studio"):
        load_project(path)


def _with_classroom(tmp_path: Path, classroom: object) -> Path:
    doc = project_doc(SAMPLES / "iris.nnsproj")
    doc["format_version"] = 3
    doc["classroom"] = classroom
    return with_doc(SAMPLES / "iris.nnsproj", tmp_path / "c.nnsproj", doc)


def test_a_task_text_too_large_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = _with_classroom(tmp_path, {"task": "x" * (MAX_TASK_CHARS + 1)})
    with pytest.raises(ProjectError) as info:
        load_project(path)
    message = str(info.value)
    assert "classroom.task is too large" in message
    assert str(MAX_TASK_CHARS + 1) in message and "xxxxxxxxxx" not in message


def test_too_many_hidden_panels_are_refused_naming_the_field(tmp_path: Path) -> None:
    path = _with_classroom(tmp_path, {"hidden": [f"p{i}" for i in range(65)]})
    with pytest.raises(ProjectError, match=r"classroom\.hidden is too large"):
        load_project(path)


def test_saving_a_task_too_large_is_refused_and_names_the_field(tmp_path: Path) -> None:
    project = load_project(SAMPLES / "iris.nnsproj")
    project.classroom = Classroom(task="y" * (MAX_TASK_CHARS + 5))
    with pytest.raises(ProjectError, match=r"classroom\.task is too large"):
        save_project(project, tmp_path / "big.nnsproj")
    assert not (tmp_path / "big.nnsproj").exists()


@pytest.mark.parametrize(
    ("classroom", "fragment"),
    [
        ({"locked": ["training.colour"]}, "classroom.locked"),
        ({"lessons": "x"}, "classroom"),
        ({"task": 3}, "classroom.task"),
    ],
)
def test_a_malformed_classroom_is_refused_with_its_location(
    tmp_path: Path, classroom: dict, fragment: str
) -> None:
    with pytest.raises(ProjectError, match=fragment.replace(".", r"\.")):
        load_project(_with_classroom(tmp_path, classroom))


def test_each_training_field_change_names_its_lock() -> None:
    old = TrainingSettings()
    assert training_locks(old, old.replace(optimizer={"name": "sgd", "lr": 0.1})) == {
        "training.optimizer"
    }
    assert training_locks(old, old.replace(epochs=7, seed=3)) == {"training.run"}
    assert training_locks(old, old.replace(l1=0.001)) == {"training.regularization"}
    assert training_locks(old, old.replace(device="cpu")) == set()


def test_refused_lists_only_the_locked_settings_touched() -> None:
    assert refused({"graph", "data"}, TEACHER) == ["graph"]
    assert refused({"training.loss"}, TEACHER) == []
    assert set(TEACHER.locked) <= set(LOCKABLE)


def test_a_project_in_memory_starts_without_a_classroom() -> None:
    assert Project().classroom.empty
