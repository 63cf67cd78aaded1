"""The C-parser fast path gives exactly what the careful csv-module reader gives."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.data import csv_io, read_csv
from tests.fuzzing import examples


def both(path, monkeypatch):
    fast = read_csv(path)
    with monkeypatch.context() as m:
        m.setattr(csv_io, "_fast_frame", lambda *a, **k: None)
        slow = read_csv(path)
    return fast, slow


def assert_same(fast, slow):
    assert list(fast.frame.columns) == list(slow.frame.columns)
    assert list(fast.frame.dtypes) == list(slow.frame.dtypes)
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    assert (fast.has_header, fast.delimiter, fast.encoding) == (
        slow.has_header,
        slow.delimiter,
        slow.encoding,
    )


@pytest.mark.parametrize(
    "text",
    [
        "a,b,y\n1,2.5,x\n3,,y\n4,5e3,x\n" + "".join(f"{i},{i / 7},z\n" for i in range(80)),
        "a;b;y\n1,5;2;A\n3,25;4;B\n" + "".join(f"{i},5;{i};C\n" for i in range(80)),
        "x\ty\tlabel\n"
        + "".join(f"{i}\t{-i * 0.1}\t{'NA' if i % 9 == 0 else 'k'}\n" for i in range(90)),
        'name,value\n"Smith, John",1\n"Doe, Jane",2\n'
        + "".join(f'"p{i}",{i}\n' for i in range(70)),
        "a,b\n" + "".join(f"{i},{'NULL' if i % 5 == 0 else i}\n" for i in range(90)),
        "a,b\n" + "".join(f"{i},{2.0 * i}\n" for i in range(90)),
        "a,b\n" + "".join(f"{i}, {i + 1} \n" for i in range(90)),
        "a,b\n\n" + "".join(f"{i},{i}\n\n" for i in range(90)),
        "品牌,价格\n" + "".join(f"{'苹果' if i % 2 else '小米'},{i}\n" for i in range(90)),
    ],
)
def test_fast_path_matches_careful_reader(tmp_path, monkeypatch, text):
    path = tmp_path / "t.csv"
    path.write_text(text, "utf-8")
    assert_same(*both(path, monkeypatch))


def test_fast_path_defers_problems_to_careful_reader(tmp_path):
    path = tmp_path / "short.csv"
    rows = "".join(f"{i},{i}\n" for i in range(80))
    path.write_text("a,b\n" + rows + "7\n" + rows, "utf-8")
    with pytest.raises(Exception, match="line 82 has 1 fields"):
        read_csv(path)


cell = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.sampled_from(["", "NA", "nan", "x", "abc", "1e3", "-0", "  4 "]),
)


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.lists(cell, min_size=3, max_size=3), min_size=60, max_size=80))
def test_random_tables_agree(tmp_path, monkeypatch, rows):
    path = tmp_path / "r.csv"
    path.write_text("a,b,c\n" + "".join(",".join(r) + "\n" for r in rows), "utf-8")
    try:
        fast, slow = both(path, monkeypatch)
    except Exception as exc:  # both must fail alike
        with monkeypatch.context() as m:
            m.setattr(csv_io, "_fast_frame", lambda *a, **k: None)
            with pytest.raises(type(exc)):
                read_csv(path)
        return
    assert_same(fast, slow)
