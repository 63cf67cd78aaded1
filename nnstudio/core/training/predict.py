"""Apply a trained project to new rows: the lesson's ``predict`` that returns class *names*.

New data goes through exactly the preprocessing fitted on the training rows (stored in the
project), so a CSV is encoded the way the weights learned to read it. The result keeps every
input column (extra ones too, such as the true target, so a student can compare) and adds
``predicted`` plus one ``p(<class>)`` probability column per class for classification, or
``predicted_<target>`` columns for regression.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import torch

from nnstudio.core import atomic
from nnstudio.core.catalogue.losses import LOSSES
from nnstudio.core.data import read_csv
from nnstudio.core.errors import DataError, NNStudioError, TrainingError
from nnstudio.core.safe_text import csv_cell
from nnstudio.core.training.metrics import class_predictions, predict_raw, probabilities
from nnstudio.core.training.plan import TrainableProject, trained_model
from nnstudio.i18n import N_, Text, _

#: Name of the predicted-class column; probability columns are ``p(<class name>)``.
PREDICTED = "predicted"


def probability_column(class_name: str) -> str:
    return f"p({class_name})"


def prediction_columns(project: TrainableProject) -> list[str]:
    """The columns :func:`predict_frame` adds, in order (for headers and GUI tables)."""
    pre = project.preprocessor
    if pre is None:
        return []
    if pre.task == "classification":
        return [PREDICTED, *(probability_column(c) for c in pre.class_names)]
    return [f"{PREDICTED}_{t}" for t in pre.target_columns]


def predict_frame(project: TrainableProject, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with prediction columns added; the input is not modified.

    Raises TrainingError when the project was never trained and DataError (naming the
    missing columns or the bad cell) when the rows cannot be encoded. Values never seen in
    training are encoded as all zeros; their warnings are in ``result.attrs["warnings"]``.
    """
    if project.weights is None:
        raise TrainingError(
            Text(N_("this project has no trained weights yet: train the project first"))
        )
    pre = project.preprocessor
    if pre is None:
        raise TrainingError(
            Text(
                N_(
                    "this project holds weights but not the preprocessing they were trained "
                    "with: train the project first"
                )
            )
        )
    if not isinstance(frame, pd.DataFrame):
        raise DataError(
            Text(N_("expected a table, not {kind}"), kind=type(frame).__name__), where="predict"
        )
    model = trained_model(project)
    x = pre.transform(frame, row_numbers=np.arange(1, len(frame) + 1))
    warnings = list(pre.warnings)
    with torch.no_grad():
        output = predict_raw(model, torch.from_numpy(np.ascontiguousarray(x)))
    output = output.detach().cpu().float()

    out = frame.copy()
    out.columns = [str(c) for c in out.columns]
    added: dict[str, object] = {}
    if pre.task == "classification":
        expects = LOSSES.get(project.training.loss["name"]).expects
        ids = class_predictions(output, expects)
        probs = probabilities(output, expects)
        if probs.shape[1] != len(pre.class_names):
            raise TrainingError(
                Text(
                    N_(
                        "the network gives {scores} class scores but the data has "
                        "{classes} classes: train the project again"
                    ),
                    scores=probs.shape[1],
                    classes=len(pre.class_names),
                )
            )
        added[PREDICTED] = pre.decode_classes(ids)
        for j, name in enumerate(pre.class_names):
            added[probability_column(name)] = probs[:, j].double().numpy()
    else:
        values = (output.unsqueeze(1) if output.dim() == 1 else output).double().numpy()
        if values.shape[1] != len(pre.target_columns):
            raise TrainingError(
                Text(
                    N_(
                        "the network gives {outputs} outputs but the project predicts "
                        "{targets} target columns: train the project again"
                    ),
                    outputs=values.shape[1],
                    targets=len(pre.target_columns),
                )
            )
        for j, name in enumerate(pre.target_columns):
            added[f"{PREDICTED}_{name}"] = values[:, j]
    # A column of the same name (a CSV that was predicted before) is replaced, not doubled.
    out = out.drop(columns=[c for c in added if c in out.columns])
    out = pd.concat([out, pd.DataFrame(added, index=out.index)], axis=1)
    out.attrs["warnings"] = warnings
    return out


def predict_csv(project: TrainableProject, path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV (encoding and delimiter detected) and predict every row of it."""
    table = read_csv(path)
    result = predict_frame(project, table.frame)
    result.attrs["warnings"] = [*table.warnings, *result.attrs.get("warnings", [])]
    return result


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell and column name that a spreadsheet would run as a
    formula neutralised (:func:`~nnstudio.core.safe_text.csv_cell`): predictions are opened
    in Excel, and their rows and class names come from someone else's CSV."""
    out = frame.rename(columns=lambda c: csv_cell(str(c)))
    for column in range(out.shape[1]):
        values = out.iloc[:, column]
        if not pd.api.types.is_numeric_dtype(values.dtype):
            out.isetitem(column, values.map(csv_cell))
    out.attrs = dict(frame.attrs)
    return out


def predictions_csv(frame: pd.DataFrame) -> str:
    """The predictions as CSV text, safe to open in a spreadsheet (see :func:`spreadsheet_safe`)."""
    return spreadsheet_safe(frame).to_csv(index=False)


def write_predictions(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write the predictions to ``path`` atomically, as a spreadsheet-safe CSV.

    With a BOM, so Excel (also on Chinese Windows) reads class names such as 高端. A target
    that cannot be written is a one-line :class:`NNStudioError`; a file of that name that
    was there before is then unchanged.
    """
    safe = spreadsheet_safe(frame)
    try:
        with atomic.open_replacing(path, encoding="utf-8-sig", newline="") as handle:
            safe.to_csv(handle, index=False)
    except atomic.NotARegularFile as exc:
        raise NNStudioError(
            _("cannot be written: {reason}; give the name of a file").format(reason=exc.strerror),
            where=str(path),
        ) from None
    except atomic.FolderNotWritable as exc:
        raise NNStudioError(
            _("cannot be written in this folder ({reason}); choose another folder").format(
                reason=exc.strerror or exc
            ),
            where=str(path),
        ) from None
    except OSError as exc:
        raise NNStudioError(
            _(
                "could not be written ({reason}); a file of that name that was there before is "
                "unchanged"
            ).format(reason=exc.strerror or exc),
            where=str(path),
        ) from None


__all__ = [
    "PREDICTED",
    "predict_csv",
    "predict_frame",
    "prediction_columns",
    "predictions_csv",
    "probability_column",
    "spreadsheet_safe",
    "write_predictions",
]
