"""The presenters beside the widgets decide what views show without Qt, so they import none."""

from __future__ import annotations

import subprocess
import sys

import pytest

QT_FREE = (
    "nnstudio.gui.neuron_topology",
    "nnstudio.gui.neuron_text",
    "nnstudio.gui.panels.data_presenter",
    "nnstudio.gui.widgets.banner_message",
    "nnstudio.gui.widgets.texts",
)


@pytest.mark.parametrize("module", QT_FREE)
def test_a_presenter_module_loads_no_qt(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
