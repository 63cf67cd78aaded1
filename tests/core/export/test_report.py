"""The lesson report: one self-contained HTML page holding the parameter table, settings,
curves (inline SVG), final metrics, confusion matrix and notes — read back by parsing it;
plus the command line's ``nnstudio report`` and the PDF it prints."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from nnstudio.core.export.report import build_report, chart_svg, nice_ticks, write_report
from nnstudio.core.project import load_project
from nnstudio.core.training import ReportPolicy, StopTarget, train
from nnstudio.core.training.plan import plan_run, store_result
from nnstudio.core.workspace import Workspace
from nnstudio.i18n import set_language
from tests.cli.helpers import run_cli
from tests.conftest import REPO

IRIS = REPO / "samples" / "iris.nnsproj"
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


class Page(HTMLParser):
    """Tables by id (rows of cell texts), SVG charts by id, images, and the notes text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.images: list[str] = []
        self.svg: dict[str, str] = {}
        self.notes = ""
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._chart: str | None = None
        self._in_notes = False
        self.raw = ""

    def feed_page(self, text: str) -> Page:
        self.raw = text
        self.feed(text)
        for key in list(self.svg):
            start = text.index(f'id="chart-{key}">') + len(f'id="chart-{key}">')
            self.svg[key] = text[start : text.index("</svg>", start) + len("</svg>")]
        return self

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []
        elif tag == "img":
            self.images.append(a.get("src", ""))
        elif tag == "div" and (a.get("id") or "").startswith("chart-"):
            self.svg[a["id"][len("chart-") :]] = ""
        elif a.get("id") == "notes":
            self._in_notes = True
        elif tag == "br" and self._in_notes:
            self.notes += "\n"

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None
        elif tag in ("div", "p") and self._in_notes:
            self._in_notes = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_notes:
            self.notes += data


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """Iris trained until 95 % validation accuracy (a target), saved."""
    project = load_project(IRIS)
    project.training = project.training.replace(epochs=40, stop_at=StopTarget("accuracy", 0.95))
    plan = plan_run(project)
    result = train(plan.job, policy=ReportPolicy(batches=False))
    store_result(project, plan, result)
    from nnstudio.core.project import save_project

    return save_project(project, tmp_path_factory.mktemp("report") / "iris.nnsproj")


def test_the_page_holds_the_tables_curves_metrics_confusion_and_notes(trained, tmp_path):
    workspace = Workspace(load_project(trained))
    history = workspace.project.history
    notes = "Adam reached 95 % quickly.\n第二行：准确率很高 <b>not bold</b>"
    report = build_report(workspace, notes=notes, network_png=PNG_1PX, fonts=("Noto Sans CJK SC",))
    path = write_report(report, tmp_path / "report.html")
    page = Page().feed_page(path.read_text(encoding="utf-8"))

    assert page.tables["summary"][0] == ["Layer", "Type", "Output shape", "Parameters"]
    assert [row[0] for row in page.tables["summary"][1:]] == ["input_1", "dense_1", "dense_2"]
    assert [row[3] for row in page.tables["summary"][1:]] == ["0", "80", "51"]
    assert "Total parameters: 131 (trainable: 131)" in page.raw

    settings = dict(page.tables["settings"][1:])
    assert settings["Optimiser"] == "Adam"
    assert settings["Learning rate"] == "0.005"
    assert settings["Batch size"] == "16"
    assert settings["Stop at a target"] == "validation accuracy ≥ 95 %"

    metrics = dict(page.tables["metrics"][1:])
    assert metrics["Epochs trained"] == str(len(history.epoch))
    assert metrics["validation loss"] == f"{history.val_loss[-1]:.4f}"
    assert metrics["validation accuracy"] == f"{history.metrics['val_accuracy'][-1] * 100:.1f} %"

    confusion = page.tables["confusion"]
    assert confusion[0][1:] == ["setosa", "versicolor", "virginica"]
    cells = [[int(v) for v in row[1:]] for row in confusion[1:]]
    n_val = sum(map(sum, cells))
    correct = sum(cells[i][i] for i in range(3))
    assert n_val == 23
    assert correct / n_val == pytest.approx(history.metrics["val_accuracy"][-1])

    # The curves: one polyline per series, one point per epoch, as standalone SVG.
    assert set(page.svg) == {"loss", "accuracy"}
    for key in ("loss", "accuracy"):
        svg = ET.fromstring(page.svg[key])
        lines = [e for e in svg.iter() if e.tag.endswith("polyline")]
        assert [e.get("data-label") for e in lines] == ["training", "validation"]
        for line in lines:
            assert len(line.get("points").split()) == len(history.epoch)

    assert page.images == ["data:image/png;base64," + base64.b64encode(PNG_1PX).decode()]
    # Notes are text, never markup; line breaks kept.
    assert page.notes.strip() == notes
    assert "<b>not bold</b>" not in page.raw
    assert '"Noto Sans CJK SC"' in page.raw


def test_an_untrained_project_says_so_instead_of_curves(tmp_path):
    workspace = Workspace(load_project(IRIS))
    page = Page().feed_page(build_report(workspace).to_html())
    assert page.svg == {}
    assert "Not trained yet: no curves to show." in page.raw
    assert "confusion" not in page.tables
    assert "(no notes)" in page.raw


def test_the_report_speaks_chinese_when_the_language_is_chinese(trained):
    try:
        set_language("zh_CN")
        html = build_report(Workspace(load_project(trained)), notes="笔记").to_html()
    finally:
        set_language("en")
    assert "<h2>训练设置</h2>" in html
    assert "<h2>混淆矩阵</h2>" in html
    assert "笔记" in html
    assert '<html lang="zh-CN">' in html


def test_chart_ticks_are_round_numbers_covering_the_values():
    assert nice_ticks(0.0, 1.0, 4) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert nice_ticks(1, 60, 6) == [0, 10, 20, 30, 40, 50, 60]
    ticks = nice_ticks(0.0657, 1.2, 4)
    assert ticks[0] <= 0.0657 and ticks[-1] >= 1.2


def test_a_chart_is_valid_svg_even_with_missing_values():
    from nnstudio.core.export.report import Chart, Series

    chart = Chart("loss", "Loss", "epoch", "loss", (Series("v", (1.0, 2.0), (None, 0.5), "#000"),))
    svg = ET.fromstring(chart_svg(chart))
    assert svg.tag.endswith("svg")


def test_nnstudio_report_writes_the_page_and_a_pdf(capsys, trained, tmp_path):
    out, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    code, _stdout, err = run_cli(
        capsys, "report", trained, "-o", out, "--pdf", pdf, "--notes", "我的笔记"
    )
    assert code == 0, err
    assert f"wrote {out}" in err and f"wrote {pdf}" in err
    page = Page().feed_page(out.read_text(encoding="utf-8"))
    assert set(page.svg) == {"loss", "accuracy"}
    assert page.notes.strip() == "我的笔记"
    assert pdf.read_bytes().startswith(b"%PDF")


def test_nnstudio_report_reads_notes_from_a_file_and_refuses_a_bad_one(capsys, trained, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("line one\nline two", encoding="utf-8")
    code, _out, err = run_cli(
        capsys, "report", trained, "-o", tmp_path / "r.html", "--notes-file", notes
    )
    assert code == 0, err
    assert "line one" in (tmp_path / "r.html").read_text(encoding="utf-8")
    code, out, err = run_cli(
        capsys, "report", trained, "-o", tmp_path / "x.html", "--notes-file", tmp_path / "none"
    )
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "cannot read the notes file" in err


def test_nnstudio_report_into_a_missing_folder_is_one_line_and_exit_2(capsys, trained, tmp_path):
    code, out, err = run_cli(capsys, "report", trained, "-o", tmp_path / "missing" / "r.html")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "cannot write" in err


def _nonwhite_fraction(png: Path) -> float:
    """Share of pixels that are not white in a PNG (read with Qt, no image library needed)."""
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    assert not image.isNull()
    step = 4
    dark = total = 0
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            total += 1
            if image.pixelColor(x, y).lightness() < 200:
                dark += 1
    return dark / total


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed"
)
def test_the_pdf_renders_with_pdftoppm_and_page_one_is_not_blank(capsys, trained, tmp_path):
    pdf = tmp_path / "r.pdf"
    code, _out, err = run_cli(capsys, "report", trained, "-o", tmp_path / "r.html", "--pdf", pdf)
    assert code == 0, err
    subprocess.run(
        ["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    page = next(tmp_path.glob("page*.png"))
    assert _nonwhite_fraction(page) > 0.01


BROWSERS = ("chromium", "chromium-browser", "google-chrome", "firefox")


@pytest.mark.skipif(
    not any(shutil.which(b) for b in BROWSERS),
    reason="no headless browser here (looked for chromium, chromium-browser, google-chrome, "
    "firefox)",
)
def test_the_page_opens_in_a_real_headless_browser(capsys, trained, tmp_path):
    out = tmp_path / "r.html"
    code, _o, err = run_cli(capsys, "report", trained, "-o", out)
    assert code == 0, err
    browser = next(shutil.which(b) for b in BROWSERS if shutil.which(b))
    if "firefox" in browser:
        shot = tmp_path / "shot.png"
        subprocess.run(
            [browser, "--headless", "--screenshot", str(shot), out.as_uri()],
            check=True,
            timeout=180,
            capture_output=True,
        )
        assert _nonwhite_fraction(shot) > 0.01
        return
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", out.as_uri()],
        check=True,
        timeout=180,
        capture_output=True,
        text=True,
    ).stdout
    assert "<polyline" in dom and 'id="metrics"' in dom
    json.dumps(dom)  # the DOM came back as text
