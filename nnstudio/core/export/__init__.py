"""Code export: a standalone PyTorch script, ONNX or TorchScript.

``export_project(project, fmt, out)`` is the one entry point (the command line's
``nnstudio export`` and the GUI's Export menu call it). Every problem a user can fix — an
untrained project for ONNX/TorchScript, data that cannot be read, a folder that does not
exist — is an :class:`~nnstudio.core.errors.ExportError` with a one-line message; files are
written atomically, so a failed export never leaves half a file behind.
"""

from __future__ import annotations

import os
from pathlib import Path

from nnstudio.core.atomic import NotARegularFile, writable_target
from nnstudio.core.errors import ExportError, NNStudioError
from nnstudio.core.export.files import write_atomic
from nnstudio.core.project import Project
from nnstudio.i18n import _

FORMATS = ("python", "onnx", "torchscript")
_ALIASES = {"py": "python", "script": "python", "pt": "torchscript", "jit": "torchscript"}
SUFFIXES = {"python": ".py", "onnx": ".onnx", "torchscript": ".pt"}


def export_project(
    project: Project, fmt: str, out: str | os.PathLike[str], *, distributed: bool = False
) -> Path:
    """Write ``project`` as ``fmt`` ("python", "onnx" or "torchscript") to ``out``.

    The Python script works for any project NN Studio can train (it trains from scratch);
    with ``distributed`` it also trains in several processes under torchrun. ONNX and
    TorchScript export the trained network, so the project must hold weights.
    Returns the path written.
    """
    key = str(fmt).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in FORMATS:
        raise ExportError(
            _("unknown export format {format!r}: choose python, onnx or torchscript").format(
                format=fmt
            )
        )
    if distributed and key != "python":
        raise ExportError(_("--distributed applies to the Python script (--to python) only"))
    target = _target(Path(os.fspath(out)).expanduser(), key)
    try:
        if key == "python":
            from nnstudio.core.export.python_script import build_script

            script = build_script(project, target, distributed=distributed)
            for name, frame in script.files.items():
                write_atomic(target.parent / name, frame.to_csv(index=False).encode("utf-8"))
            write_atomic(target, script.text.encode("utf-8"))
        elif key == "onnx":
            from nnstudio.core.export.onnx_export import export_onnx

            export_onnx(project, target)
        else:
            from nnstudio.core.export.torchscript_export import export_torchscript

            export_torchscript(project, target)
    except ExportError:
        raise
    except NNStudioError as exc:
        raise ExportError(exc.message, where=exc.where) from None
    return target


def _target(path: Path, fmt: str) -> Path:
    if str(path) in ("", "."):
        raise ExportError(_("give the file to write"))
    if path.is_dir():
        example = path / f"model{SUFFIXES[fmt]}"
        raise ExportError(
            _("{path} is a folder: give the file to write, e.g. {example}").format(
                path=path, example=example
            )
        )
    if not path.parent.exists():
        raise ExportError(_("the folder {path} does not exist").format(path=path.parent))
    try:  # before any work: a device, a pipe or a link to someone else's file is refused
        writable_target(path)
    except NotARegularFile as exc:
        raise ExportError(
            _("cannot write {path}: {reason}; give the name of a file").format(
                path=path, reason=exc.strerror
            )
        ) from None
    return path


__all__ = ["FORMATS", "SUFFIXES", "export_project"]
