"""Text from files and arguments that reaches a spreadsheet, a terminal or generated code.

- Predictions CSVs neutralise formula cells (OWASP CSV injection) in values, class names
  and headers, and numbers — negative ones too — stay numbers.
- Everything printed that quotes a name (layer names in ``summary``/``validate``/``step``, a
  file name or ``--target`` in an error) has its control characters escaped by one helper,
  :func:`nnstudio.core.safe_text.printable`: no ESC/OSC sequence reaches the terminal and a
  newline never splits a line.
- A project whose names hold NUL, newlines, quotes or Python code exports a script that
  compiles, passes ruff, and runs one epoch without running anything injected.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnstudio import i18n
from nnstudio.cli import main
from nnstudio.core.data import DataSource, trust
from nnstudio.core.export import export_project
from nnstudio.core.project import load_project, save_project
from nnstudio.core.safe_text import FORMULA_STARTS, csv_cell, printable
from tests.conftest import REPO

#: Cells a spreadsheet would run, and what must come out.
FORMULAS = [
    ("=1+1", "'=1+1"),
    ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
]
#: Texts that start like a formula but are numbers: they stay as they are.
NUMBERS = ["-1", "-1.5", "+3", "-2e-5", "-0", "-inf"]
#: Names that would drive a terminal or split a line.
HOSTILE = "\x1b]0;pwned\x07ti\x1b[2Jtle\nsecond line\r\x00\u202eevil"
CONTROL = [chr(c) for c in range(0x20)] + ["\x7f", "\x9b", "\u2028", "\u202e", "\u2066"]


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    i18n.set_language("en")


# --- spreadsheets ------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "safe"), FORMULAS)
def test_a_formula_cell_gets_a_leading_apostrophe(cell: str, safe: str) -> None:
    assert csv_cell(cell) == safe


@pytest.mark.parametrize("cell", [*NUMBERS, -1.5, -3, 0, "plain", "", "a=b", "1-2"])
def test_numbers_and_harmless_texts_stay_as_they_are(cell: object) -> None:
    assert csv_cell(cell) == cell


@given(st.text())
def test_no_text_leaves_csv_cell_starting_like_a_formula_unless_it_is_a_number(text: str) -> None:
    safe = csv_cell(text)
    if safe.startswith(FORMULA_STARTS):
        float(safe)  # only a number may still start with "-" or "+"
    assert safe in (text, "'" + text)


@pytest.fixture(scope="module")
def formula_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A trained project whose CSV holds formula cells, negative numbers and formula class
    names (the target column)."""
    folder = tmp_path_factory.mktemp("formulas")
    rng = random.Random(7)
    classes = ['=HYPERLINK("http://evil")', "@SUM(1)", "-low"]
    with open(folder / "data.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["=x", "y", "note", "label"])
        for i in range(60):
            writer.writerow(
                [round(rng.uniform(-5, 5), 3), round(rng.uniform(-5, 5), 3),
                 "+cmd|' /C calc'!A0" if i % 2 else "ok", classes[i % 3]]
            )  # fmt: skip
    project = load_project(REPO / "samples" / "iris.nnsproj")
    project.data = project.data.replace(
        source=DataSource(kind="csv", path=str(folder / "data.csv")),
        targets=("label",),
        ignored=("note",),
        kinds={},
        class_order=(),
    )
    project.preprocessor = None
    project.clear_training()
    save_project(project, folder / "formulas.nnsproj")
    path = folder / "formulas.nnsproj"
    assert main(["train", str(path), "--epochs", "2", "--quiet", "--save", str(path)]) == 0
    return path


def _check_predictions(text: str) -> None:
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    for cell in [*header, *(c for row in body for c in row)]:
        if cell.startswith(FORMULA_STARTS):
            float(cell)  # a number, never a formula
    assert header[0] == "'=x" and 'p(\'=HYPERLINK("http://evil"))' not in header
    assert {row[header.index("predicted")] for row in body} <= {
        "'=HYPERLINK(\"http://evil\")", "'@SUM(1)", "'-low"
    }  # fmt: skip
    negatives = [row[0] for row in body if row[0].startswith("-")]
    assert negatives and all(float(v) < 0 for v in negatives)  # numbers stay numbers
    assert {row[header.index("note")] for row in body} == {"ok", "'+cmd|' /C calc'!A0"}


def test_predict_neutralises_formulas_in_the_written_csv(
    formula_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "p.csv"
    data = formula_project.parent / "data.csv"
    assert main(["predict", str(formula_project), "--data", str(data), "-o", str(out)]) == 0
    _check_predictions(out.read_text("utf-8-sig"))


def test_predict_neutralises_formulas_on_standard_output(
    formula_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = formula_project.parent / "data.csv"
    assert main(["predict", str(formula_project), "--data", str(data)]) == 0
    _check_predictions(capsys.readouterr().out)


def test_the_gui_plot_tables_neutralise_formulas_too(tmp_path: Path) -> None:
    pytest.importorskip("PySide6")
    from nnstudio.gui.plots.export import Table, write_csv

    path = write_csv(tmp_path / "t.csv", Table("t", ("=h", "v"), (("@SUM(1)", "-x"), (-1.5, 2))))
    assert list(csv.reader(io.StringIO(path.read_text("utf-8")))) == [
        ["'=h", "v"],
        ["'@SUM(1)", "-1.5"],
        ["'-x", "2"],
    ]


# --- terminals ---------------------------------------------------------------------------------


@given(st.text())
def test_printable_leaves_no_control_character_and_keeps_plain_text(text: str) -> None:
    shown = printable(text)
    assert not any(unicodedata.category(c) == "Cc" for c in shown)
    assert "\u2028" not in shown and "\u202e" not in shown
    if not any(c in text for c in CONTROL) and text == printable(text):
        assert shown == text


@pytest.mark.parametrize("char", CONTROL)
def test_every_control_character_is_written_as_an_escape(char: str) -> None:
    shown = printable(f"a{char}b")
    assert shown.startswith("a\\") and shown.endswith("b") and char not in shown


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """iris with layer names that hold escape sequences, newlines and a NUL."""
    folder = tmp_path_factory.mktemp("hostile")
    project = load_project(REPO / "samples" / "iris.nnsproj")
    for i, node in enumerate(list(project.graph.nodes.values())):
        project.graph.set_attribute(node.id, "name", f"{HOSTILE}{i}")
    project.training = project.training.replace(epochs=1)
    return save_project(project, folder / "hostile.nnsproj")


def _no_terminal_control(text: str) -> None:
    for char in ("\x1b", "\x07", "\x00", "\r", "\x9b", "\u202e"):
        assert char not in text, repr(text)


def test_summary_escapes_layer_names(hostile_project: Path, capsys) -> None:
    assert main(["summary", str(hostile_project)]) == 0
    out = capsys.readouterr().out
    _no_terminal_control(out)
    assert printable(HOSTILE + "0") in out
    # One line per layer: no name splits the table.
    assert len(out.strip().splitlines()) == 2 + 3 + 4


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_step_and_validate_escape_layer_names(hostile_project: Path, lang: str, capsys) -> None:
    plain = load_project(REPO / "samples" / "iris.nnsproj")
    plain_path = save_project(plain, hostile_project.parent / f"plain-{lang}.nnsproj")
    for command in ("step", "validate"):
        main(["--lang", lang, command, str(plain_path)])
        expected = capsys.readouterr().out
        main(["--lang", lang, command, str(hostile_project)])
        out = capsys.readouterr().out
        _no_terminal_control(out)
        assert len(out.splitlines()) == len(expected.splitlines()), out


@pytest.mark.parametrize(
    "argv",
    [
        ["summary", "{project}", "--target", HOSTILE],
        ["validate", "{project}", "--data", f"/nonexistent/{HOSTILE}.csv"],
        ["summary", f"/nonexistent/{HOSTILE.replace(chr(0), '')}.nnsproj"],
        ["train", "{project}", "--optimizer", HOSTILE.replace("\x00", "")],
        ["export", "{project}", "--to", "python", "-o", f"/nonexistent/{HOSTILE}.py"],
        ["--lang", "zh_CN", "summary", "{project}", "--target", HOSTILE.replace("\x00", "")],
    ],
)
def test_errors_escape_the_names_they_quote(hostile_project: Path, argv: list[str], capsys):
    argv = [a.replace("{project}", str(hostile_project)) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    _no_terminal_control(err)
    assert len(err.strip("\n").split("\n")) == 1, err


# --- generated code ----------------------------------------------------------------------------

#: Names that break naive code generation: quotes, triple quotes, backslashes, newlines,
#: a NUL, and Python that would run if pasted into the code unquoted.
INJECTED = "PWNED-by-the-export"
CODE = f'"); open("{INJECTED}", "w") #'


def test_a_project_with_hostile_names_exports_a_script_that_compiles_and_runs(
    tmp_path: Path,
) -> None:
    rng = random.Random(3)
    columns = ['a"b', "c'd\ne", 'x"""y\\', CODE, 'tar"get\n']
    classes = ["@SUM(1)", "-low\n", 'cls"x', CODE]
    with open(tmp_path / "hostile.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for i in range(80):
            writer.writerow([rng.random() for _ in range(4)] + [classes[i % 4]])
    trust.allow(tmp_path / "hostile.csv")  # the test's own file, beside no project
    project = load_project(REPO / "samples" / "iris.nnsproj")
    project.data = project.data.replace(
        source=DataSource(kind="csv", path=str(tmp_path / "hostile.csv")),
        targets=(),
        ignored=(),
        kinds={},
        class_order=(),
    )
    project.preprocessor = None
    project.clear_training()
    project.name = f'Na"me\x00\n"""\\ {CODE}'
    project.description = f'desc """ \x00 \x1b[2J \\ {CODE}'
    names = ['in"put\x00', f"hid\nden'{CODE}", '"""out\\']
    for node, name in zip(list(project.graph.nodes.values()), names, strict=True):
        project.graph.set_attribute(node.id, "name", name)
    project.training = project.training.replace(epochs=1)
    run = tmp_path / "run"
    run.mkdir()
    script = export_project(project, "python", run / "hostile.py")
    source = script.read_text("utf-8")
    compile(source, str(script), "exec")
    assert "\x00" not in source and "\x1b" not in source
    ruff = shutil.which("ruff")
    if ruff is not None:
        checked = subprocess.run(
            [ruff, "check", "--isolated", "--select", "E9,F,PLE", str(script)],
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stdout
    shutil.copy(tmp_path / "hostile.csv", run / "hostile.csv")
    ran = subprocess.run(
        [sys.executable, script.name], cwd=run, capture_output=True, text=True, timeout=300
    )
    assert ran.returncode == 0, ran.stderr
    assert "RESULT" in ran.stdout
    assert not (run / INJECTED).exists() and not (tmp_path / INJECTED).exists()
