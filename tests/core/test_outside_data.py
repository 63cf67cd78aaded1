"""A project reads data outside its own folder only with the user's say-so (issue 13, class 7).

Table-driven over the ways a path can leave the folder (``..``, an absolute path, a symlink
inside the folder pointing out) and the ways it can stay (a file beside the project, a
subfolder, the bundled samples' shared CSV).
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from nnstudio.core.data import DataSettings, DataSource, trust
from nnstudio.core.data.trust import SAMPLES_DIR, OutsideDataError
from nnstudio.core.project import Project, load_project, save_project
from nnstudio.core.training.plan import plan_run, store_result
from nnstudio.core.training.training_settings import TrainingSettings
from nnstudio.core.workspace import Workspace
from tests.core.helpers import dense_chain

SECRETS = ("hunter2", "pa55word", "tok-XYZ")


@pytest.fixture(autouse=True)
def _fresh_session():
    trust.forget()
    yield
    trust.forget()


def write_csv(path: Path, target_values: tuple[str, ...] = SECRETS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = ["a,b,label"] + [
        f"{i * 1.0001 + 7000.123:.4f},{i % 3},{target_values[i % len(target_values)]}"
        for i in range(30)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def make_project(folder: Path, data_path: str) -> Path:
    """A project in ``folder`` whose data path is stored as ``data_path`` (as a sender
    would write it), saved to ``folder/p.nnsproj``."""
    folder.mkdir(parents=True, exist_ok=True)
    project = Project(
        graph=dense_chain([4, "auto"], input_size="auto"),
        data=DataSettings(source=DataSource(kind="csv", path=data_path), targets=("label",)),
        training=TrainingSettings.from_dict({"epochs": 1}),
    )
    project.path = folder / "p.nnsproj"  # relative paths start here, as in a received file
    return save_project(project, folder / "p.nnsproj")


def outside_cases(tmp_path: Path) -> dict[str, Path]:
    secret = write_csv(tmp_path / "secret.csv")
    link_dir = tmp_path / "linked"
    link_dir.mkdir()
    (link_dir / "data.csv").symlink_to(secret)
    return {
        "parent": make_project(tmp_path / "dotdot", "../secret.csv"),
        "absolute": make_project(tmp_path / "absolute", str(secret)),
        "symlink": make_project(link_dir, "data.csv"),
    }


@pytest.mark.parametrize("case", ["parent", "absolute", "symlink"])
def test_a_data_file_outside_the_projects_folder_is_not_read_without_permission(tmp_path, case):
    project = load_project(outside_cases(tmp_path)[case])
    with pytest.raises(OutsideDataError) as caught:
        plan_run(project)
    assert caught.value.path == (tmp_path / "secret.csv").resolve()
    assert str((tmp_path / "secret.csv").resolve()) in str(caught.value)
    workspace = Workspace(project)
    assert isinstance(workspace.data_exception, OutsideDataError)
    assert workspace.table is None


@pytest.mark.parametrize("case", ["parent", "absolute", "symlink"])
def test_an_allowed_outside_file_is_read_for_the_rest_of_the_session(tmp_path, case):
    project = load_project(outside_cases(tmp_path)[case])
    trust.allow(tmp_path / "secret.csv")
    assert plan_run(project).prepared.n_classes == 3


@pytest.mark.parametrize(
    ("stored", "where"),
    [("data.csv", "data.csv"), ("sub/data.csv", "sub/data.csv"), ("./x/../data.csv", "data.csv")],
)
def test_data_inside_the_projects_folder_is_read_without_asking(tmp_path, stored, where):
    write_csv(tmp_path / "proj" / where)
    project = load_project(make_project(tmp_path / "proj", stored))
    assert plan_run(project).prepared.n_train > 0


def test_a_symlink_inside_the_folder_to_a_file_inside_it_is_inside(tmp_path):
    write_csv(tmp_path / "proj" / "real.csv")
    os.symlink(tmp_path / "proj" / "real.csv", tmp_path / "proj" / "alias.csv")
    assert not trust.is_outside(tmp_path / "proj" / "alias.csv", tmp_path / "proj")
    assert trust.is_outside(tmp_path / "proj" / "alias.csv", tmp_path / "other")


def csv_projects(folder: Path) -> list[Path]:
    """The bundled projects whose data is a CSV file."""
    found = []
    for path in sorted(folder.glob("*.nnsproj")):
        with zipfile.ZipFile(path) as archive:
            if b'"kind": "csv"' in archive.read("project.json"):
                found.append(path)
    return found


@pytest.mark.parametrize(
    "lesson", csv_projects(SAMPLES_DIR / "lessons") + csv_projects(SAMPLES_DIR), ids=str
)
def test_the_bundled_samples_read_their_csv_files_without_asking(lesson):
    project = load_project(lesson)
    workspace = Workspace(project)
    assert workspace.data_exception is None, workspace.data_error


def test_a_sample_saved_into_another_folder_still_reads_its_bundled_csv(tmp_path):
    project = load_project(SAMPLES_DIR / "xor_step.nnsproj")
    saved = save_project(project, tmp_path / "mine.nnsproj")
    assert Workspace(load_project(saved)).data_exception is None


def test_a_project_never_saved_reads_what_the_user_chose(tmp_path):
    write_csv(tmp_path / "anywhere.csv")
    project = Project(
        graph=dense_chain([4, "auto"], input_size="auto"),
        data=DataSettings(
            source=DataSource(kind="csv", path=str(tmp_path / "anywhere.csv")),
            targets=("label",),
        ),
    )
    assert plan_run(project).prepared.n_classes == 3


def test_a_trained_project_stores_class_names_and_column_names_but_no_data_rows(tmp_path):
    csv = write_csv(tmp_path / "proj" / "data.csv")
    project = load_project(make_project(tmp_path / "proj", "data.csv"))
    plan = plan_run(project)
    from nnstudio.core.training import ReportPolicy, train

    store_result(project, plan, train(plan.job, policy=ReportPolicy(batches=False)))
    saved = save_project(project, tmp_path / "proj" / "trained.nnsproj")
    with zipfile.ZipFile(saved) as archive:
        text = b"".join(archive.read(name) for name in archive.namelist()).decode("latin-1")
    for secret in SECRETS:  # the model needs its class names to name its predictions
        assert secret in text
    for line in csv.read_text().splitlines()[1:]:
        feature = line.split(",")[0]  # a feature value: the model never needs one
        assert feature not in text
        assert line not in text
