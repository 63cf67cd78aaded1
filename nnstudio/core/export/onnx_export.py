"""ONNX export of the trained network: input "features", output "output", dynamic batch.

torch 2.13 defaults to the dynamo-based exporter, which needs the ``onnxscript`` package; NN
Studio's networks are plain feed-forward graphs that the TorchScript-based exporter
(``dynamo=False``) handles fully, so that one is used, and the dynamo one only when the other
is unavailable and ``onnxscript`` is installed. Class and feature names go into the model's
``metadata_props`` so a deployment can turn outputs back into names.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import torch

from nnstudio.core.errors import ExportError
from nnstudio.core.export.files import write_with
from nnstudio.core.export.trained import metadata, trained_network
from nnstudio.core.project import Project
from nnstudio.i18n import _

INPUT_NAME = "features"
OUTPUT_NAME = "output"
OPSET = 17


def export_onnx(project: Project, target: Path) -> None:
    """Write the trained network of ``project`` to ``target`` as an ONNX model."""
    if importlib.util.find_spec("onnx") is None:
        raise ExportError(_("ONNX export needs the onnx package: pip install onnx"))
    model, example = trained_network(project, "ONNX")
    props = metadata(project)

    def write(path: Path) -> None:
        _export(model, example, path)
        import onnx

        proto = onnx.load(str(path))
        onnx.helper.set_model_props(proto, props)
        proto.producer_name = "NN Studio"
        proto.doc_string = project.name
        onnx.save(proto, str(path))

    write_with(target, write)


def _export(model: torch.nn.Module, example: torch.Tensor, path: Path) -> None:
    common = {
        "input_names": [INPUT_NAME],
        "output_names": [OUTPUT_NAME],
        "opset_version": OPSET,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(
                model,
                (example,),
                str(path),
                dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
                dynamo=False,
                **common,
            )
            return
        except (TypeError, RuntimeError, NotImplementedError) as exc:
            legacy_error = exc
        if importlib.util.find_spec("onnxscript") is None:
            problem = str(legacy_error).splitlines()[0] if str(legacy_error) else repr(legacy_error)
            raise ExportError(
                _(
                    "this PyTorch's legacy ONNX exporter failed ({problem}) and its new exporter "
                    "needs the onnxscript package: pip install onnxscript"
                ).format(problem=problem)
            ) from None
        batch = torch.export.Dim("batch", min=1)
        torch.onnx.export(
            model,
            (example,),
            str(path),
            dynamo=True,
            dynamic_shapes=({0: batch},),
            **common,
        )


__all__ = ["INPUT_NAME", "OUTPUT_NAME", "export_onnx"]
