"""Reading CSV files: delimiters, encodings, headers and every way a file can be bad."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.data import DataSource, load_table, read_csv, sniff_delimiter
from nnstudio.core.errors import DataError
from tests.core.data.helpers import BRAND_HEADER, BRAND_ROWS, PHONE_CSV, brand_text, write
from tests.fuzzing import examples


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_sniffed(tmp_path, delimiter):
    path = write(
        tmp_path,
        "d.csv",
        f"a{delimiter}b{delimiter}c\n1{delimiter}2.5{delimiter}x\n4{delimiter}5{delimiter}y\n",
    )
    table = read_csv(path)
    assert table.delimiter == delimiter
    assert table.has_header
    assert list(table.frame.columns) == ["a", "b", "c"]
    assert table.frame["a"].tolist() == [1, 4]
    assert str(table.frame["a"].dtype) == "int64"
    assert table.frame["b"].tolist() == [2.5, 5.0]
    assert table.frame["c"].tolist() == ["x", "y"]


def test_explicit_delimiter_wins(tmp_path):
    path = write(tmp_path, "d.csv", "a;b,c\n1;2,3\n")
    assert list(read_csv(path, delimiter=",").frame.columns) == ["a;b", "c"]
    assert list(read_csv(path, delimiter=";").frame.columns) == ["a", "b,c"]


def test_semicolon_file_with_decimal_commas(tmp_path):
    path = write(tmp_path, "eu.csv", "poids;taille\n1,5;170\n2,25;180\n")
    table = read_csv(path)
    assert table.delimiter == ";"
    assert table.frame["poids"].tolist() == [1.5, 2.25]
    assert table.frame["taille"].tolist() == [170, 180]


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
    ],
)
def test_chinese_headers_and_values_round_trip(tmp_path, encoding, detected):
    path = write(tmp_path, "phones.csv", brand_text(), encoding=encoding)
    table = read_csv(path)
    assert table.encoding == detected
    assert list(table.frame.columns) == list(BRAND_HEADER)
    assert table.frame["品牌"].tolist() == [row[0] for row in BRAND_ROWS]
    assert table.frame["档次"].tolist()[:3] == ["高端", "低端", "中端"]
    assert table.frame["内存"].tolist() == [row[1] for row in BRAND_ROWS]


def test_explicit_encoding(tmp_path):
    path = write(tmp_path, "phones.csv", brand_text(), encoding="gbk")
    table = read_csv(path, encoding="gbk")
    assert table.encoding == "gbk"
    assert table.frame["品牌"].tolist()[:3] == ["苹果", "小米", "华为"]
    with pytest.raises(DataError, match=r"phones\.csv, line 1: the bytes are not utf-8 text"):
        read_csv(path, encoding="utf-8")
    with pytest.raises(DataError, match="unknown text encoding 'klingon'"):
        read_csv(path, encoding="klingon")


def test_utf16_with_bom_is_read(tmp_path):
    path = write(tmp_path, "excel.txt", "a\tb\n1\t苹果\n2\t小米\n", encoding="utf-16")
    table = read_csv(path)
    assert table.encoding == "utf-16"
    assert table.frame["b"].tolist() == ["苹果", "小米"]


def test_headerless_file_gets_generated_names(tmp_path):
    path = write(tmp_path, "raw.csv", "1,2,0\n3,4,1\n5,6,0\n")
    table = read_csv(path)
    assert not table.has_header
    assert list(table.frame.columns) == ["column_1", "column_2", "column_3"]
    assert table.frame["column_1"].tolist() == [1, 3, 5]
    assert any("column_1" in w for w in table.warnings)


def test_text_only_file_header_detection(tmp_path):
    with_header = write(tmp_path, "h.csv", "brand,grade\n苹果,高端\n小米,低端\n苹果,低端\n")
    assert read_csv(with_header).has_header
    without = write(tmp_path, "n.csv", "苹果,高端\n小米,低端\n苹果,低端\n")
    table = read_csv(without)
    assert not table.has_header
    assert table.frame["column_1"].tolist() == ["苹果", "小米", "苹果"]


def test_missing_cells_and_quotes_and_blank_lines(tmp_path):
    path = write(
        tmp_path,
        "m.csv",
        'name,x,y\r\n"Smith, John",1,NA\r\n\r\nLi,,2\r\n"say ""hi""",3,4\r\nWu,NAN,null\r\n\r\n',
    )
    frame = read_csv(path).frame
    assert frame["name"].tolist() == ["Smith, John", "Li", 'say "hi"', "Wu"]
    assert frame["x"].isna().tolist() == [False, True, False, True]
    assert frame["y"].isna().tolist() == [True, False, False, True]
    assert str(frame["x"].dtype) == "float64"


def test_trailing_delimiter_on_every_line_is_dropped(tmp_path):
    path = write(tmp_path, "t.csv", "a,b,\n1,2,\n3,4,\n")
    table = read_csv(path)
    assert list(table.frame.columns) == ["a", "b"]


def test_extra_empty_fields_are_tolerated(tmp_path):
    path = write(tmp_path, "t.csv", "a,b\n1,2,\n3,4\n")
    table = read_csv(path)
    assert table.frame["b"].tolist() == [2, 4]
    assert table.warnings


def test_max_rows(tmp_path):
    path = write(tmp_path, "big.csv", "a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(100)))
    assert len(read_csv(path, max_rows=10).frame) == 10


def test_junk_stays_text_so_the_user_can_decide(tmp_path):
    path = write(tmp_path, "j.csv", "ram,y\n1,0\nabc,1\n3,0\n")
    frame = read_csv(path).frame
    assert frame["ram"].tolist() == ["1", "abc", "3"]


def test_real_phone_price_file():
    table = read_csv(PHONE_CSV)
    assert table.frame.shape == (2000, 21)
    assert table.encoding == "utf-8" and table.delimiter == "," and table.has_header
    assert table.frame.columns[-1] == "price_range"
    assert table.frame.iloc[0].tolist()[:3] == [842, 0, 2.2]
    assert table.frame["price_range"].value_counts().to_dict() == {0: 500, 1: 500, 2: 500, 3: 500}


def test_load_table_resolves_relative_paths(tmp_path):
    write(tmp_path, "rel.csv", "a,b\n1,2\n")
    table = load_table(DataSource(kind="csv", path="rel.csv"), base_dir=tmp_path)
    assert table.path == os.path.join(str(tmp_path), "rel.csv")
    assert table.source.path == "rel.csv"
    assert table.frame["b"].tolist() == [2]


# -- bad files: each gets its own one-line message ---------------------------------------------


def _error(path, **kwargs) -> DataError:
    with pytest.raises(DataError) as info:
        read_csv(path, **kwargs)
    assert "\n" not in info.value.message
    return info.value


def test_ragged_row_names_line_and_counts(tmp_path):
    lines = ["a,b,c,d"] + [f"{i},{i},{i},{i}" for i in range(10)] + ["1,2,3,4,5", "1,2,3,4"]
    error = _error(write(tmp_path, "ragged.csv", "\n".join(lines) + "\n"))
    assert error.message == "ragged.csv, line 12 has 5 fields; the header has 4"


def test_short_row_is_ragged_too(tmp_path):
    error = _error(write(tmp_path, "short.csv", "a,b,c\n1,2,3\n\n4,5\n"))
    assert error.message == "short.csv, line 4 has 2 fields; the header has 3"


def test_ragged_headerless_row(tmp_path):
    error = _error(write(tmp_path, "r.csv", "1,2\n3,4\n5,6,7\n"))
    assert error.message == "r.csv, line 3 has 3 fields; line 1 has 2"


@pytest.mark.parametrize("content", [b"", b"   \n\n", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path, content):
    error = _error(write(tmp_path, "empty.csv", content))
    assert error.message == "empty.csv is empty: it holds no rows"


def test_header_without_rows(tmp_path):
    error = _error(write(tmp_path, "h.csv", "a,b,c\n"))
    assert error.message == "h.csv has a header but no data rows"


def test_missing_file(tmp_path):
    error = _error(tmp_path / "nowhere.csv")
    assert error.message.startswith("nowhere.csv does not exist (looked for ")
    assert str(tmp_path) in error.message


def test_directory(tmp_path):
    folder = tmp_path / "data.csv"
    folder.mkdir()
    assert _error(folder).message == "data.csv is a folder, not a CSV file"


def test_binary_file(tmp_path):
    error = _error(write(tmp_path, "model.pt", bytes(range(256)) * 4))
    assert error.message == "model.pt looks like a binary file, not CSV text"


def test_excel_workbook(tmp_path):
    error = _error(write(tmp_path, "book.xlsx", b"PK\x03\x04" + b"\x00" * 50))
    assert "book.xlsx is a zip file" in error.message and "save it as CSV" in error.message


def test_duplicate_header(tmp_path):
    error = _error(write(tmp_path, "dup.csv", "a,b,a\n1,2,3\n"))
    assert error.message == (
        "dup.csv: the header names column 'a' twice (columns 1 and 3); rename one"
    )


def test_bad_delimiter_argument(tmp_path):
    error = _error(write(tmp_path, "a.csv", "a|b\n1|2\n"), delimiter="|")
    assert "delimiter must be comma, semicolon, tab or auto" in error.message


def test_sniffer_prefers_tab_when_values_hold_commas():
    assert sniff_delimiter("name\tage\nSmith, John\t4\nLi, Wei\t5\n") == "\t"
    assert sniff_delimiter("single\n1\n2\n") == ","


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "fuzz.csv"


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content=st.one_of(
        st.binary(max_size=400),
        st.text(alphabet=st.sampled_from(list('ab1,;\t"\n\r .-eE∞苹NA')), max_size=200).map(
            lambda t: t.encode("utf-8")
        ),
    )
)
def test_arbitrary_bytes_raise_only_data_error(fuzz_file, content):
    fuzz_file.write_bytes(content)
    try:
        table = read_csv(fuzz_file)
    except DataError as exc:
        assert exc.message and "\n" not in exc.message
    else:
        assert len(table.frame.columns) >= 1
        assert len(table.frame) >= 1
