"""Large tables: memory that grows with the table once, the same results from every reader.

A 200,000-row table stands in for the million-row one (bench/bench_big_table.py measures
that): the peak is measured with tracemalloc in a fresh process and compared with the file's
size, so a whole-file text copy, a second copy of the table or a float64 copy of every input
would show, whatever the machine's speed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from nnstudio.core.data import DataSettings, DataSource, csv_io, prepare, read_csv

REPO = Path(__file__).resolve().parents[3]


def _write_numbers(path: Path, rows: int) -> Path:
    """19 numeric inputs (fractions and whole numbers) and a 4-class label, seeded."""
    rng = np.random.default_rng(5)
    floats = rng.normal(0, 50, size=(rows, 15))
    ints = rng.integers(0, 1000, size=(rows, 4))
    label = (floats[:, 0] > 0).astype(int) + 2 * (ints[:, 0] > 500)
    names = [f"f{j}" for j in range(15)] + [f"n{j}" for j in range(4)] + ["label"]
    line = ",".join(["%.5f"] * 15 + ["%d"] * 5)
    table = np.column_stack([floats, ints, label]).tolist()
    path.write_text(
        ",".join(names) + "\n" + "".join(line % tuple(row) + "\n" for row in table), "utf-8"
    )
    return path


_MEASURE = """
import json, sys, tracemalloc
import torch  # imported before measuring, as the command line has it
from nnstudio.core.data import DataSettings, DataSource, prepare, read_csv

path = sys.argv[1]
tracemalloc.start()
table = read_csv(path)
read_peak = tracemalloc.get_traced_memory()[1]
tracemalloc.reset_peak()
settings = DataSettings(source=DataSource(kind="csv", path=path), targets=("label",))
prepared = prepare(table, settings)
prepare_peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({
    "read_peak": read_peak,
    "prepare_peak": prepare_peak,
    "frame": int(table.frame.memory_usage(index=False).sum()),
    "rows": len(table.frame),
    "train": prepared.n_train,
}))
"""


@pytest.mark.timeout(600)
def test_a_big_table_loads_and_prepares_in_under_three_times_its_file_size(tmp_path):
    path = _write_numbers(tmp_path / "big.csv", 200_000)
    size = path.stat().st_size
    env = dict(os.environ, PYTHONPATH=str(REPO), NNSTUDIO_CSV_ENGINE="c")
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=500,
        check=True,
    )
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["rows"] == 200_000 and got["train"] == 160_000
    # The table itself is about the file's size; reading may add the file's bytes and one
    # small slice of the parser's, never a text copy of the file or a second table.
    assert got["read_peak"] < 2.5 * size, got
    # Preparing holds the table, its tensors (float32) and one column at a time.
    assert got["prepare_peak"] < 3 * size, got
    assert got["prepare_peak"] < got["frame"] + 1.5 * size, got


def _tables(path: Path, monkeypatch) -> dict[str, object]:
    """The table as each reader gives it: the C parser, pyarrow (when installed) and the
    careful csv-module reader."""
    tables = {}
    with monkeypatch.context() as m:
        m.setenv("NNSTUDIO_CSV_ENGINE", "c")
        tables["c"] = read_csv(path)
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        pass
    else:
        with monkeypatch.context() as m:
            m.setenv("NNSTUDIO_CSV_ENGINE", "pyarrow")
            tables["pyarrow"] = read_csv(path)
    with monkeypatch.context() as m:
        m.setattr(csv_io, "_fast_frame", lambda *a, **k: None)
        tables["careful"] = read_csv(path)
    return tables


_BODY = "".join(f"{i},{i / 7:.4f},{['低端', '中端', '高端'][i % 3]}\n" for i in range(120))


@pytest.mark.parametrize(
    ("text", "encoding", "delimiter"),
    [
        ("内存,电池,价格档次\n" + _BODY, "gbk", ","),
        ("内存,电池,价格档次\n" + _BODY, "utf-8-sig", ","),
        ("内存;电池;价格档次\n" + _BODY.replace(",", ";").replace(".", ","), "utf-8", ";"),
        ("a\tb\tlabel\n" + _BODY.replace(",", "\t"), "gb18030", "\t"),
        ("a,b,label\r\n" + _BODY.replace("\n", "\r\n"), "utf-8", ","),
        (
            "a,b,label\n"
            + "".join(f"{i},{'NA' if i % 5 == 0 else i},{i % 2}\n" for i in range(90)),
            "utf-8",
            ",",
        ),
        ("a,b,label\n" + "".join(f"{i},0x{i},{i % 2}\n" for i in range(90)), "utf-8", ","),
    ],
)
def test_every_reader_gives_the_same_table(tmp_path, monkeypatch, text, encoding, delimiter):
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode(encoding))
    tables = _tables(path, monkeypatch)
    careful = tables.pop("careful")
    assert careful.delimiter == delimiter
    for engine, table in tables.items():
        pd.testing.assert_frame_equal(table.frame, careful.frame, obj=engine)
        assert list(table.frame.dtypes) == list(careful.frame.dtypes), engine
        assert (table.encoding, table.delimiter, table.has_header, table.warnings) == (
            careful.encoding,
            careful.delimiter,
            careful.has_header,
            careful.warnings,
        ), engine


def test_without_pyarrow_the_c_parser_reads_the_file(tmp_path, monkeypatch):
    monkeypatch.delenv("NNSTUDIO_CSV_ENGINE", raising=False)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if it were not installed
    assert csv_io.csv_engine() == "c"
    path = _write_numbers(tmp_path / "t.csv", 300)
    table = read_csv(path)
    assert table.frame.shape == (300, 20)
    assert [str(t) for t in table.frame.dtypes] == ["float64"] * 15 + ["int64"] * 5


@pytest.mark.parametrize(
    ("task", "missing", "stratify"),
    [("classification", "refuse", True), ("regression", "mean", False)],
)
def test_preparing_from_the_analysed_columns_equals_encoding_copied_rows(
    tmp_path, task, missing, stratify
):
    rng = np.random.default_rng(2)
    n = 3000
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "k": rng.integers(0, 50, size=n),
            "brand": rng.choice(["苹果", "小米", "华为"], size=n),
            "gap": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
            "y": rng.integers(0, 3, size=n) if task == "classification" else rng.normal(size=n),
        }
    )
    if missing == "refuse":
        frame = frame.drop(columns="gap")
    settings = DataSettings(
        source=DataSource(kind="csv", path="t.csv"),
        targets=("y",),
        task=task,
        missing=missing,
        stratify=stratify,
        split=(0.7, 0.15, 0.15),
    )
    prepared = prepare(frame, settings)
    pre = prepared.preprocessor
    for rows, x, y in (
        (prepared.index_train, prepared.x_train, prepared.y_train),
        (prepared.index_val, prepared.x_val, prepared.y_val),
        (prepared.index_test, prepared.x_test, prepared.y_test),
    ):
        subset = frame.iloc[rows]
        assert torch.equal(x, torch.from_numpy(pre.transform(subset)))
        assert torch.equal(y, torch.from_numpy(pre.encode_targets(subset)))
    assert x.dtype == torch.float32


@pytest.mark.parametrize(
    ("setting", "cores", "engine"),
    [("auto", 2, "c"), ("auto", 8, "pyarrow"), ("c", 8, "c"), ("pyarrow", 2, "pyarrow")],
)
def test_pyarrow_reads_when_installed_and_the_cores_are_there(monkeypatch, setting, cores, engine):
    monkeypatch.setitem(sys.modules, "pyarrow", type(sys)("pyarrow"))  # installed, for the rule
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cores)), raising=False)
    monkeypatch.setenv("NNSTUDIO_CSV_ENGINE", setting)
    assert csv_io.csv_engine() == engine
