"""TorchScript export of the trained network (``torch.jit.trace`` + ``torch.jit.save``).

Tracing records the evaluation-mode computation for a batch of inputs; NN Studio's graphs
have no data-dependent control flow, so the traced module works for any batch size. The
metadata (class and feature names, preprocessing) rides along as ``nnstudio.json`` in the
archive's extra files: ``torch.jit.load(path, _extra_files={"nnstudio.json": ""})``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import torch

from nnstudio.core.export.files import write_with
from nnstudio.core.export.trained import metadata, trained_network
from nnstudio.core.project import Project

EXTRA_FILE = "nnstudio.json"


def export_torchscript(project: Project, target: Path) -> None:
    """Write the trained network of ``project`` to ``target`` as a TorchScript archive."""
    model, example = trained_network(project, "TorchScript")
    extra = {EXTRA_FILE: json.dumps(metadata(project), ensure_ascii=False)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.no_grad():
            traced = torch.jit.trace(model, (example,))

    def write(path: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.jit.save(traced, str(path), _extra_files=extra)

    write_with(target, write)


__all__ = ["EXTRA_FILE", "export_torchscript"]
