"""The trained network and what a deployment needs to know about it (ONNX, TorchScript)."""

from __future__ import annotations

import json
from typing import Any

import torch

from nnstudio import __version__
from nnstudio.core.catalogue.losses import LOSSES
from nnstudio.core.errors import ExportError
from nnstudio.core.network.graph_module import GraphModule
from nnstudio.core.project import Project
from nnstudio.i18n import _

_OUTPUT_MEANING = {
    "logits": "raw scores (logits): apply softmax (one unit: sigmoid) for probabilities",
    "probabilities": "probabilities",
    "log_probabilities": "log-probabilities: apply exp for probabilities",
    "any": "predicted values",
}


def trained_network(project: Project, what: str) -> tuple[GraphModule, torch.Tensor]:
    """The project's trained module in evaluation mode and an example input batch."""
    if project.weights is None:
        raise ExportError(
            _(
                "train the project first: {format} export needs trained weights (nnstudio "
                "train FILE --save FILE)"
            ).format(format=what)
        )
    if project.preprocessor is None:
        raise ExportError(
            _(
                "the project holds weights but not the data preparation they learnt with; "
                "train it again before exporting to {format}"
            ).format(format=what)
        )
    from nnstudio.core.training.plan import trained_model

    model = trained_model(project).cpu().eval()
    example = torch.zeros(2, project.preprocessor.n_features)
    return model, example


def metadata(project: Project) -> dict[str, str]:
    """Text key → value pairs stored with the exported model (ONNX metadata_props)."""
    pre = project.preprocessor
    assert pre is not None
    loss = LOSSES.get(LOSSES.normalize(project.training.loss)["name"])
    info: dict[str, Any] = {
        "producer": f"NN Studio {__version__}",
        "name": project.name,
        "task": pre.task,
        "class_names": json.dumps(pre.class_names, ensure_ascii=False),
        "feature_names": json.dumps(pre.feature_names, ensure_ascii=False),
        "target_names": json.dumps(pre.target_columns, ensure_ascii=False),
        "input": "features: float32 [batch, n_features], prepared as 'preprocessor' says",
        "output": _OUTPUT_MEANING[loss.expects],
        "preprocessor": json.dumps(pre.to_dict(), ensure_ascii=False),
        "epochs_trained": str(project.epochs_trained),
    }
    return {k: str(v) for k, v in info.items()}


__all__ = ["metadata", "trained_network"]
