"""A loaded raw table and where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from nnstudio.core.data.data_settings import DataSource


@dataclass
class Table:
    """A table as read, every column kept; preparation never changes it."""

    frame: pd.DataFrame
    source: DataSource
    #: The codec that decoded the file ("utf-8", "utf-8-sig", "gb18030", ...) or "builtin".
    encoding: str
    delimiter: str
    has_header: bool
    #: Resolved absolute path for a CSV, None for a built-in dataset.
    path: str | None
    #: Things the reader fixed or guessed that the user may want to know.
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """Short name for messages: the file's base name or the dataset's name."""
        if self.path:
            return self.path.replace("\\", "/").rsplit("/", 1)[-1]
        return self.source.label

    @property
    def n_rows(self) -> int:
        return len(self.frame)
