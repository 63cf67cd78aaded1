"""DataSource and DataSettings: JSON round trips and validation naming the bad field."""

from __future__ import annotations

import copy
import json

import pytest

from nnstudio.core.data import DataSettings, DataSource, load_table
from nnstudio.core.errors import DataError


def _round_trip(settings: DataSettings) -> DataSettings:
    return DataSettings.from_dict(json.loads(json.dumps(settings.to_dict())))


def test_defaults():
    settings = DataSettings()
    assert settings.source == DataSource()
    assert settings.source.kind == "none"
    assert settings.split == (0.8, 0.2, 0.0)
    assert (settings.missing, settings.scaling, settings.task) == ("refuse", "standard", "auto")
    assert settings.stratify is True and settings.seed == 0
    assert _round_trip(settings) == settings


def test_full_round_trip_through_json():
    settings = DataSettings(
        source=DataSource(
            kind="builtin", name="spirals", params={"n_classes": 3, "noise": 0.1, "seed": 4}
        ),
        targets=("档次",),
        ignored=("id",),
        kinds={"内存": "categorical"},
        missing="mean",
        scaling="minmax",
        split=(0.6, 0.2, 0.2),
        seed=88,
        stratify=False,
        task="classification",
        class_order=("低端", "中端", "高端"),
    )
    back = _round_trip(settings)
    assert back == settings
    assert back.class_order == ("低端", "中端", "高端")
    assert hash(back) == hash(settings)
    assert copy.deepcopy(settings) == settings
    assert settings.replace(seed=1) != settings
    assert json.loads(json.dumps(settings.to_dict()))["split"] == [0.6, 0.2, 0.2]


def test_csv_source_round_trip():
    source = DataSource(kind="csv", path="data/phones.csv", encoding="gbk", delimiter=";")
    assert DataSource.from_dict(json.loads(json.dumps(source.to_dict()))) == source
    assert source.label == "phones.csv"


def test_lists_become_tuples_and_two_part_split():
    settings = DataSettings(targets=["y"], split=[0.7, 0.3])
    assert settings.targets == ("y",)
    assert settings.split == (0.7, 0.3, 0.0)


def test_replace_validates():
    settings = DataSettings()
    assert settings.replace(seed=5).seed == 5
    with pytest.raises(DataError, match="scaling: must be one of"):
        settings.replace(scaling="log")
    with pytest.raises(DataError, match="colour: is not a data setting"):
        settings.replace(colour="red")


@pytest.mark.parametrize(
    ("changes", "field_text"),
    [
        ({"missing": "guess"}, "missing: must be one of"),
        ({"split": [0.5, 0.2, 0.2]}, "split: fractions must add up to 1"),
        ({"split": [0.0, 0.5, 0.5]}, "split: the training fraction must be more than 0"),
        ({"split": [1.2, -0.2, 0.0]}, "split: fractions must be ≥ 0"),
        ({"split": "0.8"}, "split: must be three fractions"),
        ({"seed": -1}, "seed: must be between 0 and"),
        ({"seed": 1.5}, "seed: must be a whole number"),
        ({"stratify": "yes"}, "stratify: must be true or false"),
        ({"task": "clustering"}, "task: must be one of"),
        ({"targets": "price"}, "targets: must be a list of column names"),
        ({"kinds": {"a": "date"}}, "kinds['a']: must be one of"),
        ({"class_order": ["a", "a"]}, "class_order: names 'a' twice"),
        ({"targets": ["y"], "ignored": ["y"]}, "ignored: column 'y' is a target"),
        ({"source": {"kind": "ftp"}}, "source.kind: must be one of"),
        ({"source": {"kind": "csv", "delimiter": "|"}}, "source.delimiter: must be one of"),
        ({"source": {"kind": "csv", "encoding": "klingon"}}, "source.encoding: unknown"),
        ({"source": {"kind": "builtin", "name": "unicorns"}}, "source.name: unknown built-in"),
        ({"source": {"kind": "csv", "url": "x"}}, "source.url: is not a data source field"),
        ({"colour": "red"}, "colour: is not a data setting"),
    ],
)
def test_from_dict_names_the_bad_field(changes, field_text):
    raw = DataSettings().to_dict()
    raw.update(changes)
    with pytest.raises(DataError) as info:
        DataSettings.from_dict(raw)
    assert info.value.message.startswith(field_text)
    assert "\n" not in info.value.message


def test_from_dict_fills_missing_keys():
    assert DataSettings.from_dict({"seed": 3}) == DataSettings(seed=3)
    with pytest.raises(DataError, match="must be a mapping"):
        DataSettings.from_dict([1, 2])


def test_load_table_without_data():
    with pytest.raises(DataError, match="no data is chosen"):
        load_table(DataSource())
    with pytest.raises(DataError, match="no CSV file is chosen"):
        load_table(DataSource(kind="csv"))
