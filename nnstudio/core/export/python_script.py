"""Export a project as a standalone, commented PyTorch script a student can read and run.

The script depends on torch, numpy, pandas and scikit-learn only. It prepares the data, builds
the network, seeds, batches and trains exactly like NN Studio, so ``python model.py`` reaches the
numbers ``nnstudio train`` reaches (on the CPU, bit for bit in practice).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from nnstudio import __version__
from nnstudio.core.data import PreparedData
from nnstudio.core.errors import ExportError
from nnstudio.core.export.codegen import WIDTH, fit_lines, imports
from nnstudio.core.export.script_data import BUNDLED, data_section
from nnstudio.core.export.script_model import model_section
from nnstudio.core.export.script_training import (
    LION_CLASS,
    describe_settings,
    expects,
    loss_section,
    main_section,
    monitor_for,
    predict_section,
    predictions_section,
    settings_block,
    train_section,
    uses_lion,
)
from nnstudio.core.network.builder import require_valid
from nnstudio.core.project import Project
from nnstudio.core.safe_text import printable
from nnstudio.core.training.training_settings import TrainingSettings, steps_per_epoch
from nnstudio.i18n import _

#: (import statement, the name it binds): kept only when the script uses the name.
_IMPORTS = [
    ("import argparse", "argparse"),
    ("import json", "json"),
    ("import os", "os"),
    ("import sys", "sys"),
    ("import math", "math"),
    ("from pathlib import Path", "Path"),
    ("import numpy as np", "np"),
    ("import pandas as pd", "pd"),
    ("import torch", "torch"),
    ("import torch.distributed as dist", "dist"),
    ("from torch import nn", "nn"),
    ("from torch.nn.parallel import DistributedDataParallel", "DistributedDataParallel"),
    ("from sklearn.model_selection import train_test_split", "train_test_split"),
    *(
        (f"from sklearn.datasets import {loader}", loader)
        for loader, _target, _names in BUNDLED.values()
    ),
]


@dataclass
class Script:
    """The script's text and the files to write beside it (generated datasets)."""

    text: str
    files: dict[str, pd.DataFrame] = field(default_factory=dict)


def build_script(project: Project, script_path: Path, *, distributed: bool = False) -> Script:
    """Generate the script for ``project`` as it will live at ``script_path``.

    ``distributed`` adds a ``--distributed`` option to the script: run under torchrun, its
    processes train together with DistributedDataParallel (gloo on CPUs, nccl on GPUs), so
    the project can leave for a cluster as plain PyTorch. Without it the script is the
    one-process script a student reads first.

    Raises an :class:`~nnstudio.core.errors.NNStudioError` (data, graph, loss problems) when
    NN Studio itself could not train the project.
    """
    from nnstudio.core.training.plan import compatibility_problems, load_data, shape_context_for

    table, prepared = load_data(project)
    settings = project.training
    ctx = shape_context_for(prepared, settings)
    analysis = require_valid(project.graph, ctx)
    problems = compatibility_problems(project, prepared, analysis)
    if problems:
        raise ExportError(problems[0])
    if prepared.n_train == 0:
        raise ExportError(_("the training split is empty: give training a larger fraction"))
    assert analysis.output_id is not None
    output_units = analysis.sizes[analysis.output_id]
    task = prepared.task
    has_val, has_test = prepared.n_val > 0, prepared.n_test > 0
    steps = steps_per_epoch(prepared.n_train, settings.batch_size)
    monitor = monitor_for(settings, has_val)

    data = data_section(project.data, table, prepared, script_path)
    model = model_section(project.graph, analysis, ctx)

    blocks: list[list[str]] = []
    blocks.append(settings_block(settings, monitor=monitor))
    blocks.append(data.lines)
    for helper in model.helpers:
        blocks.append(helper.split("\n"))
    if uses_lion(settings):
        blocks.append(LION_CLASS.split("\n"))
    blocks.append(model.lines)
    blocks.append(
        loss_section(settings, task=task, n_classes=prepared.n_classes, output_units=output_units)
    )
    blocks.append(predictions_section(task, output_units, expects(settings)))
    blocks.append(
        train_section(
            settings,
            task=task,
            has_val=has_val,
            monitor=monitor,
            steps_per_epoch=steps,
            distributed=distributed,
        )
    )
    blocks.append(predict_section(task))
    blocks.append(main_section(task, has_val, has_test, distributed=distributed))
    blocks.append(['if __name__ == "__main__":', "    main()"])

    body_lines: list[str] = []
    for block in blocks:
        if body_lines:
            body_lines += ["", ""]
        body_lines += fit_lines(block)
    body = "\n".join(body_lines)
    header = _header(
        project, script_path, data.origin, prepared, settings, has_val, has_test, distributed
    )
    import_lines = imports(body, _IMPORTS)
    text = "\n".join([*header, "", *import_lines, "", body]) + "\n"
    return Script(text, data.files)


def _header(
    project: Project,
    script_path: Path,
    origin: str,
    prepared: PreparedData,
    settings: TrainingSettings,
    has_val: bool,
    has_test: bool,
    distributed: bool = False,
) -> list[str]:
    labels = describe_settings(settings)
    classification = prepared.task == "classification"
    parts = " and ".join(p for p, ok in (("validation", has_val), ("test", has_test)) if ok)
    metrics = "loss and accuracy" if classification else "loss, RMSE and R²"
    where = f"on the {parts} rows" if parts else "on the training rows (there are no others)"
    batch = {0: "the full batch", 1: "one sample at a time"}.get(
        settings.batch_size, f"batches of {settings.batch_size}"
    )
    prep = ["the same columns"]
    if any(c.kind == "categorical" for c in prepared.preprocessor.columns):
        prep.append("one-hot categories")
    if classification:
        prep.append("class names → ids")
    prep.append("the same split")
    if prepared.preprocessor.scaling != "none":
        prep.append(f"{prepared.preprocessor.scaling} scaling fitted on the training rows")
    steps = [
        f"reads the data ({origin}) and prepares it like NN Studio: {', '.join(prep)};",
        "builds the same network and starts from the same random weights (same seed);",
        f"trains it with {labels['loss']}, {labels['optimizer']} and {batch} for "
        f"{settings.epochs} epochs, visiting the rows in the same order;",
        f"prints {metrics} {where}, and predicts a few rows.",
    ]
    title = f"{project.name}: a PyTorch script exported from NN Studio {__version__}."
    text = [f'"""{_doc_text(title)}']
    if project.description.strip():
        text.append("")
        text += textwrap.wrap(_doc_text(project.description.strip()), WIDTH)
    text.append("")
    text += textwrap.wrap(
        f"Run it with `python {script_path.name}`. It needs torch, numpy, pandas and "
        "scikit-learn (not NN Studio), and does what NN Studio does for this project:",
        WIDTH,
    )
    torchrun = textwrap.wrap(
        f"On several processes or machines: `torchrun --nproc-per-node N {script_path.name} "
        "--distributed` (DistributedDataParallel: gloo on CPUs, nccl on GPUs; add "
        "torchrun's --nnodes and --rdzv-endpoint HOST:PORT to span machines). Each process "
        "takes its share of every batch and process 0 prints the results.",
        WIDTH,
    )
    text.append("")
    for i, step in enumerate(steps, 1):
        text += textwrap.wrap(
            step, WIDTH, initial_indent=f"{i}. ", subsequent_indent="   ", break_on_hyphens=False
        )
    text.append("")
    text += textwrap.wrap(
        "The seeds, the starting weights and the batch order are NN Studio's, so on the CPU "
        "(where this script trains) the numbers come out as in NN Studio, up to tiny "
        "floating-point differences. The last line it prints, RESULT {...}, holds them "
        "as JSON.",
        WIDTH,
    )
    if distributed:
        text += ["", *torchrun]
    if project.weights is not None:
        text.append("")
        text += textwrap.wrap(
            f"The project holds weights NN Studio trained ({project.epochs_trained} epochs). "
            "This script does not load them: it trains the network from scratch.",
            WIDTH,
        )
    text.append('"""')
    return text


def _doc_text(text: str) -> str:
    """Text safe inside a triple-quoted docstring: backslashes doubled, ``\"\"\"`` broken,
    and control characters written as escapes (:func:`printable`) — a NUL in a project's
    name would make the script uncompilable, an ESC would drive the reader's terminal."""
    return printable(text.replace("\\", "\\\\")).replace('"' * 3, "'" * 3)


__all__ = ["Script", "build_script"]
