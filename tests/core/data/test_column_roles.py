"""column_roles: the one rule for which column is a target, an input or ignored."""

from __future__ import annotations

import pandas as pd
import pytest

from nnstudio.core.data import DataSettings, column_roles
from nnstudio.core.errors import DataError

FRAME = pd.DataFrame({"id": [1, 2], "size": [3.0, 4.0], "brand": ["a", "b"], "price": [5, 6]})


def test_without_targets_the_last_column_is_the_target() -> None:
    assert column_roles(FRAME, DataSettings(ignored=("id",))) == {
        "id": "ignored",
        "size": "input",
        "brand": "input",
        "price": "target",
    }


def test_the_chosen_targets_are_targets_and_every_other_column_an_input() -> None:
    settings = DataSettings(targets=("size", "price"))
    assert column_roles(FRAME, settings) == {
        "id": "input",
        "size": "target",
        "brand": "input",
        "price": "target",
    }


def test_a_stored_target_the_table_lacks_is_refused() -> None:
    with pytest.raises(DataError, match="target column 'gone' is not in the data"):
        column_roles(FRAME, DataSettings(targets=("gone",), ignored=("id",)))


def test_leniently_a_missing_target_leaves_every_other_column_its_role() -> None:
    settings = DataSettings(targets=("gone", "price"), ignored=("id",))
    assert column_roles(FRAME, settings, strict=False) == {
        "id": "ignored",
        "size": "input",
        "brand": "input",
        "price": "target",
    }
    assert column_roles(pd.DataFrame(), settings, strict=False) == {}
