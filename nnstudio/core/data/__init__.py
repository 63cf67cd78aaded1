"""The data pipeline: CSV or built-in dataset → checked columns → split → fitted tensors.

Modules, in the order data flows through them:

- :mod:`.data_settings` — :class:`DataSource` and :class:`DataSettings`, the JSON-safe choices;
- :mod:`.seeds` — the seed limit the settings and the dataset generators share;
- :mod:`.csv_io` — :func:`read_csv` (encoding, delimiter and header detection);
- :mod:`.datasets` — built-in teaching datasets (:data:`DATASETS`);
- :mod:`.sources` — :func:`load_table`, a source → :class:`Table`;
- :mod:`.columns` — column kinds, junk, missing values, :func:`detect_task`;
- :mod:`.split` — seeded, stratified splits with scikit-learn, and their percentages;
- :mod:`.preprocess` — the fitted :class:`Preprocessor` (fill, one-hot, scaling);
- :mod:`.prepare` — :func:`prepare`, settings + table → :class:`PreparedData`.

scikit-learn is imported only when a split is made or a bundled dataset is loaded.
"""

from __future__ import annotations

from nnstudio.core.data.columns import (
    NA_TOKENS,
    ColumnInfo,
    describe_columns,
    detect_task,
    resolve_targets,
)
from nnstudio.core.data.csv_io import read_csv, sniff_delimiter
from nnstudio.core.data.data_settings import (
    COLUMN_KINDS,
    DELIMITERS,
    MISSING_CHOICES,
    SCALING_CHOICES,
    SOURCE_KINDS,
    TASK_CHOICES,
    DataSettings,
    DataSource,
    default_settings_for,
)
from nnstudio.core.data.datasets import DATASETS, DatasetSpec, make_dataset
from nnstudio.core.data.prepare import PreparedData, column_roles, prepare
from nnstudio.core.data.preprocess import ColumnRecipe, Preprocessor
from nnstudio.core.data.sources import load_table, resolve_path
from nnstudio.core.data.split import Split, balance_split, split_positions
from nnstudio.core.data.table import Table

__all__ = [
    "COLUMN_KINDS",
    "DATASETS",
    "DELIMITERS",
    "MISSING_CHOICES",
    "NA_TOKENS",
    "SCALING_CHOICES",
    "SOURCE_KINDS",
    "TASK_CHOICES",
    "ColumnInfo",
    "ColumnRecipe",
    "DataSettings",
    "DataSource",
    "DatasetSpec",
    "PreparedData",
    "Preprocessor",
    "Split",
    "Table",
    "balance_split",
    "column_roles",
    "default_settings_for",
    "describe_columns",
    "detect_task",
    "load_table",
    "make_dataset",
    "prepare",
    "read_csv",
    "resolve_path",
    "resolve_targets",
    "sniff_delimiter",
    "split_positions",
]
