"""File → Export → Lesson report: the dialog takes the student's notes and writes the HTML
page (with the canvas's picture of the network) and the PDF beside it."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog

from nnstudio.core.project import load_project, save_project
from nnstudio.core.training import ReportPolicy, train
from nnstudio.core.training.plan import plan_run, store_result
from nnstudio.gui.report_dialog import ReportDialog

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture
def trained_file(tmp_path) -> Path:
    project = load_project(SAMPLES / "iris.nnsproj")
    project.training = project.training.replace(epochs=8)
    plan = plan_run(project)
    store_result(project, plan, train(plan.job, policy=ReportPolicy(batches=False)))
    return save_project(project, tmp_path / "iris.nnsproj")


@pytest.fixture
def window(open_window, qtbot, trained_file):
    win = open_window(size=(1280, 800))
    with qtbot.waitSignal(win.layout_settled, timeout=60_000):
        win.start(trained_file)
    return win


def _dialog(window) -> ReportDialog:
    window.actions_by_name["export_report"].trigger()
    dialog = window._report_dialog
    assert isinstance(dialog, ReportDialog)
    return dialog


def test_lesson_report_is_in_file_export(window):
    assert window.actions_by_name["export_report"] in window.export_menu.actions()


def test_the_dialog_writes_the_page_with_the_network_picture_notes_and_a_pdf(
    window, qtbot, tmp_path, monkeypatch
):
    dialog = _dialog(window)
    dialog.notes_edit.setPlainText("Learning rate 0.005 worked.\n学习率 0.005 效果很好。")
    dialog.pdf_check.setChecked(True)
    target = tmp_path / "out" / "iris-report.html"
    target.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), ""))
    )
    with qtbot.waitSignal(dialog.finished, timeout=60_000):
        dialog.export_button.click()

    page = target.read_text(encoding="utf-8")
    assert "学习率 0.005 效果很好。" in page
    assert page.count("<polyline") == 4  # loss and accuracy, training and validation
    assert 'id="metrics"' in page and 'id="confusion"' in page
    picture = re.search(r'<img id="network" src="data:image/png;base64,([^"]+)"', page)
    assert picture is not None
    image = QImage.fromData(base64.b64decode(picture.group(1)))
    assert not image.isNull() and image.width() > image.height() > 50
    pdf = target.with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert window.statusBar().currentMessage() == f"Exported {pdf}"


def test_a_report_that_cannot_be_written_is_an_error_message_not_a_crash(
    window, tmp_path, monkeypatch, dialogs
):
    dialog = _dialog(window)
    target = tmp_path / "missing" / "r.html"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), ""))
    )
    dialog.export_button.click()
    assert any("Cannot export" in asked for asked in dialogs.asked)
    assert dialog.isVisible()
    dialog.reject()


def test_without_pdf_only_the_page_is_written(window, tmp_path):
    dialog = _dialog(window)
    dialog.pdf_check.setChecked(False)
    written = dialog.export_to(tmp_path / "only")
    assert written == [tmp_path / "only.html"]
    assert not (tmp_path / "only.pdf").exists()
    dialog.reject()
