"""Qt item models over core data (tables, columns) shared by the panels."""

from __future__ import annotations

from nnstudio.gui.models.dataframe_model import DataFrameModel

__all__ = ["DataFrameModel"]
